/**
 * Runs an OnnxGraph as tfjs ops: only the nodes the wanted values need, in the graph's
 * (topological) order, so tf.grad sees one ordinary differentiable computation.
 *
 * Values known without the model input - constants, and everything computed from constants
 * and static shapes (Shape of a tensor is static: input sizes are fixed at parse time) - are
 * folded: computed once with the same op table, read back, and kept in the OnnxWeights
 * holder, so ops that need plain numbers (Reshape's shape, Slice's starts...) get them and
 * later passes skip the work. The fake ReLU is applied at Relu nodes whose output is listed
 * in opts.fakeRelu.
 */
import * as tf from '@tensorflow/tfjs';
import { OnnxImportError } from './onnx-errors.ts';
import type { OnnxGraph, OnnxNode, OnnxShapes } from './onnx-ir.ts';
import { fastGradients } from '../../engine/fast-gradients.ts';
import { LayoutValues } from './onnx-layout.ts';
import { foldBatchNorms } from './onnx-bn-fold.ts';
import { ELEMENTWISE_OPS, NHWC_OPS, assertSupportedOps, opImplOf } from './onnx-ops.ts';
import type { OpArgs } from './onnx-op-args.ts';
import { OnnxWeights } from './onnx-weights.ts';

export { OnnxWeights } from './onnx-weights.ts';

export interface RunOptions {
  /** Relu output values whose ReLU gets the identity backward pass. */
  fakeRelu?: ReadonlySet<string>;
  /** Weights made once per model; without it the call makes (and frees) its own. */
  weights?: OnnxWeights;
}

function describe(shape: readonly (number | string | null)[]): string {
  return `[${shape.map((d) => (d === null ? '?' : d)).join(',')}]`;
}

/** Checks the one feed against the graph input's declared dims (an open batch dim takes any size). */
function checkFeeds(graph: OnnxGraph, feeds: Record<string, tf.Tensor>): void {
  const input = graph.inputs[0];
  const x = feeds[input.name];
  if (!x) throw new OnnxImportError(`no tensor fed for ONNX input "${input.name}" (fed: ${Object.keys(feeds).join(', ') || 'none'})`);
  const ok = x.rank === input.dims.length && input.dims.every((d, i) => typeof d !== 'number' || d === x.shape[i]);
  if (!ok) throw new OnnxImportError(`ONNX input "${input.name}" needs shape ${describe(input.dims)}, got [${x.shape}]`);
}

/** Indices of the nodes needed for `wanted`, after checking each wanted name exists. */
function neededNodes(graph: OnnxGraph, wanted: readonly string[]): Set<number> {
  const producer = new Map<string, number>();
  graph.nodes.forEach((n, i) => n.outputs.forEach((o) => o && producer.set(o, i)));
  const inputName = graph.inputs[0].name;
  for (const w of wanted) {
    if (w !== inputName && !producer.has(w) && !graph.constants.has(w)) {
      throw new OnnxImportError(`ONNX value "${w}" is not in the graph (not the input, an initializer or a node output)`);
    }
  }
  const needed = new Set<number>();
  const stack = wanted.map((w) => producer.get(w)).filter((i): i is number => i !== undefined);
  while (stack.length > 0) {
    const i = stack.pop()!;
    if (needed.has(i)) continue;
    needed.add(i);
    for (const v of graph.nodes[i].inputs) {
      const p = producer.get(v);
      if (p !== undefined && !needed.has(p)) stack.push(p);
    }
  }
  return needed;
}

/** True if all of a node's outputs can be folded (known without the model input). */
function isStatic(node: OnnxNode, weights: OnnxWeights): boolean {
  if (node.opType === 'Shape') return true;
  const present = node.inputs.filter((v) => v !== '');
  return present.length > 0 && present.every((v) => weights.staticValue(v) !== null);
}

function makeArgs(
  graph: OnnxGraph,
  node: OnnxNode,
  inputs: (tf.Tensor | null)[],
  weights: OnnxWeights,
  fake: boolean,
): OpArgs {
  const allStatic = (idx: number[]) => idx.every((i) => weights.staticValue(node.inputs[i] ?? '') !== null);
  return {
    node,
    inputs,
    constant: (i) => (node.inputs[i] ? weights.staticValue(node.inputs[i]) : null),
    derived: (key, idx, make) => {
      const ts = idx.map((i) => inputs[i]!);
      return allStatic(idx) ? weights.derived(`${node.name}\u0000${key}`, () => make(ts)) : make(ts);
    },
    opset: graph.opset,
    fakeRelu: fake,
  };
}

/** Runs an op, wrapping a plain error into an OnnxImportError that names the node. */
function guarded<T>(node: OnnxNode, run: () => T): T {
  try {
    return run();
  } catch (e) {
    if (e instanceof OnnxImportError) throw e;
    throw new OnnxImportError(`${node.opType} node "${node.name}" failed: ${(e as Error).message}`);
  }
}

function runNode(
  graph: OnnxGraph,
  node: OnnxNode,
  values: LayoutValues,
  weights: OnnxWeights,
  fake: boolean,
): tf.Tensor[] {
  const impl = opImplOf(node);
  if (!impl) throw new OnnxImportError(`unsupported ONNX op "${node.opType}" at node "${node.name}"`);
  const inputs = node.inputs.map((v) => (v === '' ? null : (values.get(v) ?? weights.tensor(v) ?? null)));
  return guarded(node, () => impl(makeArgs(graph, node, inputs, weights, fake)));
}

/**
 * The layout pass (fast paths on): runs `node` on channels-last values and records its
 * outputs NHWC, when it has an NHWC form and its input is 4-D (spatial ops always; batch
 * norms and elementwise ops when their computed inputs are already NHWC, one shape, and
 * every other input is a one-element constant). Returns false to leave the node to runNode.
 */
function runNodeNHWC(
  graph: OnnxGraph,
  node: OnnxNode,
  values: LayoutValues,
  weights: OnnxWeights,
  fake: boolean,
): boolean {
  if (node.domain !== '') return false;
  const nhwcImpl = NHWC_OPS[node.opType];
  if (nhwcImpl) {
    const x = node.inputs[0];
    if (!x || !values.has(x)) return false;
    if (node.opType === 'BatchNormalization' && !values.isNHWC(x)) return false;
    if (node.outputs.filter((o) => o !== '').length !== 1) return false;
    const xh = values.getNHWC(x);
    if (!xh) return false;
    const inputs = node.inputs.map((v, i) => (i === 0 ? xh : v === '' ? null : (values.get(v) ?? weights.tensor(v) ?? null)));
    const y = guarded(node, () => nhwcImpl(makeArgs(graph, node, inputs, weights, fake), xh));
    values.setNHWC(node.outputs[0], y);
    return true;
  }
  if (!ELEMENTWISE_OPS.has(node.opType) || node.outputs.length !== 1) return false;
  const computed = node.inputs.filter((v) => v !== '' && values.has(v));
  if (computed.length === 0 || !computed.every((v) => values.isNHWC(v))) return false;
  const shape = values.getNHWC(computed[0])!.shape.join(',');
  if (!computed.every((v) => values.getNHWC(v)!.shape.join(',') === shape)) return false;
  const scalarsOnly = node.inputs.every((v) => v === '' || values.has(v) || (weights.staticValue(v)?.data.length ?? 0) === 1);
  if (!scalarsOnly) return false;
  const impl = opImplOf(node)!;
  const inputs = node.inputs.map((v) => (v === '' ? null : (values.getNHWC(v) ?? weights.tensor(v) ?? null)));
  const [y] = guarded(node, () => impl(makeArgs(graph, node, inputs, weights, fake)));
  values.setNHWC(node.outputs[0], y as tf.Tensor4D);
  return true;
}

/**
 * Evaluates the nodes `wanted` needs into `values`. Must run inside a tidy.
 * `onValue` sees every computed (not folded) node output, in ONNX's layout.
 */
function evaluate(
  graph: OnnxGraph,
  feeds: Record<string, tf.Tensor>,
  wanted: readonly string[],
  weights: OnnxWeights,
  fakeRelu: ReadonlySet<string> | undefined,
  onValue?: (name: string, t: tf.Tensor) => void,
): LayoutValues {
  checkFeeds(graph, feeds);
  const needed = neededNodes(graph, wanted);
  assertSupportedOps(graph, graph.nodes.filter((_, i) => needed.has(i)));
  const input = graph.inputs[0].name;
  weights.useInputShape(feeds[input].shape.join('x'));
  const values = new LayoutValues();
  values.set(input, feeds[input]);
  onValue?.(input, feeds[input]);
  const layout = fastGradients();
  // Conv -> BatchNormalization pairs whose conv output nobody else reads run as one conv.
  const folds = layout ? foldBatchNorms(graph, needed, new Set(wanted), weights) : new Map<number, OnnxNode | null>();
  graph.nodes.forEach((original, i) => {
    if (!needed.has(i) || original.opType === 'Constant') return;
    const node = folds.has(i) ? folds.get(i) : original;
    if (!node) return; // a batch norm folded into its conv
    if (isStatic(node, weights)) {
      if (node.outputs.every((o) => !o || weights.staticValue(o))) return; // folded on an earlier pass
      const outs = tf.tidy(() => runNode(graph, node, values, weights, false));
      node.outputs.forEach((o, j) => (o && outs[j] ? weights.addFolded(o, outs[j]) : outs[j]?.dispose()));
      return;
    }
    const fake = node.opType === 'Relu' && fakeRelu?.has(node.outputs[0]) === true;
    if (layout && runNodeNHWC(graph, node, values, weights, fake)) {
      if (onValue) node.outputs.forEach((o) => o && onValue(o, values.get(o)!));
      return;
    }
    const outs = runNode(graph, node, values, weights, fake);
    node.outputs.forEach((o, j) => {
      if (!o) return;
      if (!outs[j]) throw new OnnxImportError(`${node.opType} node "${node.name}" did not produce its output "${o}"`);
      values.set(o, outs[j]);
      onValue?.(o, outs[j]);
    });
  });
  return values;
}

/**
 * The tensors of the `wanted` values (ONNX layout), from one pass over their ancestors.
 * Every returned tensor is the caller's to dispose (never a feed or a kept weight).
 */
export function runOnnxGraph(
  graph: OnnxGraph,
  feeds: Record<string, tf.Tensor>,
  wanted: string[],
  opts: RunOptions = {},
): Record<string, tf.Tensor> {
  const weights = opts.weights ?? new OnnxWeights(graph);
  try {
    return tf.tidy(() => {
      const values = evaluate(graph, feeds, wanted, weights, opts.fakeRelu);
      const out: Record<string, tf.Tensor> = {};
      const handed = new Set<tf.Tensor>(Object.values(feeds));
      for (const w of wanted) {
        const t = values.get(w) ?? weights.tensor(w)!;
        out[w] = handed.has(t) || weights.owns(t) ? t.clone() : t;
        handed.add(out[w]);
      }
      return out;
    });
  } finally {
    if (!opts.weights) weights.dispose();
  }
}

/**
 * The shape of every computed float value (the input and each node output that depends on
 * it), from one forward pass on zeros of `inputShape`. Frees everything it made.
 */
export function probeShapes(graph: OnnxGraph, inputShape: number[], weights?: OnnxWeights): OnnxShapes {
  const shapes: OnnxShapes = new Map();
  const own = weights ?? new OnnxWeights(graph);
  const everything = graph.nodes.flatMap((n) => n.outputs.filter((o) => o !== ''));
  try {
    tf.tidy(() => {
      const x = tf.zeros(inputShape);
      evaluate(graph, { [graph.inputs[0].name]: x }, everything, own, undefined, (name, t) => {
        if (t.dtype === 'float32') shapes.set(name, [...t.shape]);
      });
    });
  } finally {
    if (!weights) own.dispose();
  }
  return shapes;
}
