/**
 * The table of ONNX ops the runner executes, each as differentiable tfjs ops on tensors
 * that keep ONNX semantics (channels-first). This file holds the arithmetic ops and the
 * table; the convolutions and pools are in onnx-ops-spatial.ts, the data-movement ops in
 * onnx-ops-shape.ts. `unsupportedOps` / `assertSupportedOps` find the nodes nothing here
 * implements, so an import fails at once with the node's name instead of halfway through a run.
 */
import * as tf from '@tensorflow/tfjs';
import { fakeRelu } from '../../engine/fake-relu.ts';
import { OnnxImportError } from './onnx-errors.ts';
import type { OnnxGraph, OnnxNode } from './onnx-ir.ts';
import {
  attrFloat, attrInt, attrInts, normAxis, opError, required, staticInts, staticScalar, type OpArgs, type OpImpl,
} from './onnx-op-args.ts';
import { NHWC_SPATIAL_OPS, SPATIAL_OPS, type NhwcOpImpl } from './onnx-ops-spatial.ts';
import { SHAPE_OPS } from './onnx-ops-shape.ts';

export type { OpArgs, OpImpl } from './onnx-op-args.ts';

const unary = (f: (x: tf.Tensor) => tf.Tensor): OpImpl => (a) => [f(required(a, 0))];
const binary = (f: (x: tf.Tensor, y: tf.Tensor) => tf.Tensor): OpImpl => (a) => [f(required(a, 0), required(a, 1))];
/** Variadic elementwise op (Sum, Max, Min, Mean take any number of inputs). */
const variadic = (f: (x: tf.Tensor, y: tf.Tensor) => tf.Tensor): OpImpl => (a) => {
  const xs = a.inputs.filter((t): t is tf.Tensor => t !== null);
  if (xs.length === 0) throw opError(a.node, 'no inputs');
  return [xs.slice(1).reduce(f, xs[0])];
};

/** ONNX integer division truncates toward zero; tfjs int division floors. */
function divide(x: tf.Tensor, y: tf.Tensor): tf.Tensor {
  if (x.dtype === 'int32' && y.dtype === 'int32') {
    const q = tf.div(tf.cast(x, 'float32'), tf.cast(y, 'float32'));
    return tf.cast(tf.mul(tf.sign(q), tf.floor(tf.abs(q))), 'int32');
  }
  return tf.div(x, y);
}

/** Softmax / LogSoftmax: along `axis` from opset 13, over the 2-D coercion at `axis` before. */
function softmaxLike(a: OpArgs, log: boolean): tf.Tensor[] {
  const x = required(a, 0);
  const legacy = a.opset < 13;
  const axis = normAxis(a.node, attrInt(a.node, 'axis', legacy ? 1 : -1), x.rank);
  const t = legacy ? tf.reshape(x, [x.shape.slice(0, axis).reduce((p, d) => p * d, 1), -1]) : x;
  const k = legacy ? 1 : axis;
  const lse = tf.logSumExp(t, k, true);
  const y = log ? tf.sub(t, lse) : tf.exp(tf.sub(t, lse));
  return [legacy ? tf.reshape(y, x.shape) : y];
}

const gemm: OpImpl = (a) => {
  const node = a.node;
  const A = required(a, 0);
  const B = required(a, 1);
  if (A.rank !== 2 || B.rank !== 2) throw opError(node, `inputs must be 2-D, got [${A.shape}] and [${B.shape}]`);
  const alpha = attrFloat(node, 'alpha', 1);
  const beta = attrFloat(node, 'beta', 1);
  let y = tf.matMul(A as tf.Tensor2D, B as tf.Tensor2D, attrInt(node, 'transA', 0) === 1, attrInt(node, 'transB', 0) === 1);
  if (alpha !== 1) y = tf.mul(y, alpha);
  const C = a.inputs[2];
  if (C && beta !== 0) y = tf.add(y, beta === 1 ? C : tf.mul(C, beta));
  return [y];
};

const matMul: OpImpl = (a) => {
  let x = required(a, 0);
  let w = required(a, 1);
  const vecA = x.rank === 1;
  const vecB = w.rank === 1;
  if (vecA) x = tf.expandDims(x, 0);
  if (vecB) w = tf.expandDims(w, 1);
  let y = tf.matMul(x, w);
  if (vecA) y = tf.squeeze(y, [y.rank - 2]);
  if (vecB) y = tf.squeeze(y, [y.rank - 1]);
  return [y];
};

/** Inference batch norm as y = x * k + c with k, c per channel (axis 1), made once for constant stats. */
const batchNormalization: OpImpl = (a) => {
  const node = a.node;
  if (attrInt(node, 'training_mode', 0) === 1) throw opError(node, 'training_mode = 1 is not supported (export the model in eval mode)');
  const x = required(a, 0);
  for (let i = 1; i <= 4; i++) required(a, i);
  const eps = attrFloat(node, 'epsilon', 1e-5);
  const shape = [x.shape[1], ...Array(Math.max(0, x.rank - 2)).fill(1)];
  const k = a.derived('scale', [1, 4], ([scale, variance]) => tf.reshape(tf.div(scale, tf.sqrt(tf.add(variance, eps))), shape));
  const c = a.derived('shift', [1, 2, 3, 4], ([scale, bias, mean, variance]) =>
    tf.reshape(tf.sub(bias, tf.mul(mean, tf.div(scale, tf.sqrt(tf.add(variance, eps))))), shape),
  );
  return [tf.add(tf.mul(x, k), c)];
};

/** BatchNormalization of a 4-D value kept channels-last (the runner's layout pass). */
const batchNormalizationNHWC: NhwcOpImpl = (a, xh) => {
  const node = a.node;
  if (attrInt(node, 'training_mode', 0) === 1) throw opError(node, 'training_mode = 1 is not supported (export the model in eval mode)');
  for (let i = 1; i <= 4; i++) required(a, i);
  const eps = attrFloat(node, 'epsilon', 1e-5);
  const k = a.derived('scale-nhwc', [1, 4], ([scale, variance]) => tf.div(scale, tf.sqrt(tf.add(variance, eps))));
  const c = a.derived('shift-nhwc', [1, 2, 3, 4], ([scale, bias, mean, variance]) =>
    tf.sub(bias, tf.mul(mean, tf.div(scale, tf.sqrt(tf.add(variance, eps))))),
  );
  return tf.add(tf.mul(xh, k), c) as tf.Tensor4D;
};

const clip: OpImpl = (a) => {
  const x = required(a, 0);
  const legacy = a.opset < 11;
  const lo = legacy ? attrFloat(a.node, 'min', -Infinity) : staticScalar(a, 1, 'min', -Infinity);
  const hi = legacy ? attrFloat(a.node, 'max', Infinity) : staticScalar(a, 2, 'max', Infinity);
  if (x.dtype === 'int32') return [tf.minimum(tf.maximum(x, Math.max(lo, -2147483648)), Math.min(hi, 2147483647))];
  return [tf.clipByValue(x, lo, hi)];
};

const ONNX_DTYPE_TO_TF: Record<number, 'float32' | 'int32' | 'bool'> = {
  1: 'float32', 10: 'float32', 11: 'float32', 16: 'float32',
  2: 'int32', 3: 'int32', 4: 'int32', 5: 'int32', 6: 'int32', 7: 'int32', 12: 'int32', 13: 'int32',
  9: 'bool',
};

const cast: OpImpl = (a) => {
  const to = attrInt(a.node, 'to', 1);
  const dtype = ONNX_DTYPE_TO_TF[to];
  if (!dtype) throw opError(a.node, `cast to ONNX data type ${to} is not supported`);
  return [tf.cast(required(a, 0), dtype)];
};

const reduceMean: OpImpl = (a) => {
  const x = required(a, 0);
  const axes = (a.opset >= 18 ? staticInts(a, 1, 'axes') : attrInts(a.node, 'axes')) ?? x.shape.map((_, i) => i);
  return [tf.mean(x, axes.map((ax) => normAxis(a.node, ax, x.rank)), attrInt(a.node, 'keepdims', 1) === 1)];
};

/** Constant nodes are folded at parse time; this only runs if a caller bypasses the runner. */
const constant: OpImpl = (a) => {
  const v = a.node.attributes.value;
  if (v?.kind !== 'tensor') throw opError(a.node, 'only a tensor "value" is supported here');
  const c = v.value;
  return [c.data instanceof Float32Array ? tf.tensor(c.data, c.dims, 'float32') : tf.tensor(c.data, c.dims, 'int32')];
};

/** Every supported op by its ONNX op type (default domain). */
export const ONNX_OPS: Record<string, OpImpl> = {
  ...SPATIAL_OPS,
  ...SHAPE_OPS,
  Relu: (a) => [a.fakeRelu ? fakeRelu(required(a, 0)) : tf.relu(required(a, 0))],
  LeakyRelu: (a) => [tf.leakyRelu(required(a, 0), attrFloat(a.node, 'alpha', 0.01))],
  Sigmoid: unary(tf.sigmoid),
  Tanh: unary(tf.tanh),
  Clip: clip,
  Gemm: gemm,
  MatMul: matMul,
  Add: binary(tf.add),
  Sub: binary(tf.sub),
  Mul: binary(tf.mul),
  Div: binary(divide),
  Pow: binary(tf.pow),
  Sqrt: unary(tf.sqrt),
  Exp: unary(tf.exp),
  Log: unary(tf.log),
  Neg: unary(tf.neg),
  Abs: unary(tf.abs),
  Reciprocal: unary(tf.reciprocal),
  Erf: unary(tf.erf),
  Sum: variadic(tf.add),
  Max: variadic(tf.maximum),
  Min: variadic(tf.minimum),
  BatchNormalization: batchNormalization,
  Softmax: (a) => softmaxLike(a, false),
  LogSoftmax: (a) => softmaxLike(a, true),
  ReduceMean: reduceMean,
  Cast: cast,
  Constant: constant,
  Identity: unary((x) => x),
  Dropout: (a) => {
    const x = required(a, 0);
    const wantsMask = a.node.outputs.length > 1 && a.node.outputs[1] !== '';
    return wantsMask ? [x, tf.onesLike(x).cast('bool')] : [x];
  },
};

/** Ops with a channels-last form for 4-D input 0 (see onnx-layout.ts). */
export const NHWC_OPS: Record<string, NhwcOpImpl> = {
  ...NHWC_SPATIAL_OPS,
  BatchNormalization: batchNormalizationNHWC,
};

/**
 * Elementwise ops whose result does not depend on the layout when every non-scalar input is
 * a computed value of one shape in one layout (other inputs: constants of one element).
 */
export const ELEMENTWISE_OPS: ReadonlySet<string> = new Set([
  'Relu', 'LeakyRelu', 'Sigmoid', 'Tanh', 'Clip', 'Identity', 'Sqrt', 'Exp', 'Log', 'Neg', 'Abs',
  'Reciprocal', 'Erf', 'Add', 'Sub', 'Mul', 'Div', 'Pow', 'Sum', 'Max', 'Min',
]);

export const SUPPORTED_ONNX_OPS: readonly string[] = Object.keys(ONNX_OPS).sort();

/** The implementation of a node, or undefined if none (other domain or unknown op). */
export function opImplOf(node: OnnxNode): OpImpl | undefined {
  return node.domain === '' ? ONNX_OPS[node.opType] : undefined;
}

function opLabel(node: OnnxNode): string {
  return node.domain === '' ? node.opType : `${node.domain}.${node.opType}`;
}

/** Nodes no implementation covers, in graph order (op as "domain.Op" outside the default domain). */
export function unsupportedOps(graph: OnnxGraph, nodes: readonly OnnxNode[] = graph.nodes): { op: string; node: string }[] {
  return nodes.filter((n) => !opImplOf(n)).map((n) => ({ op: opLabel(n), node: n.name }));
}

/** Throws `unsupported ONNX op "Foo" at node "bar" (...)` for the first unsupported node, counting the rest. */
export function assertSupportedOps(graph: OnnxGraph, nodes: readonly OnnxNode[] = graph.nodes): void {
  const bad = unsupportedOps(graph, nodes);
  if (bad.length === 0) return;
  const others = bad.length > 1 ? `; ${bad.length - 1} more unsupported node(s): ${[...new Set(bad.slice(1).map((b) => b.op))].join(', ')}` : '';
  throw new OnnxImportError(
    `unsupported ONNX op "${bad[0].op}" at node "${bad[0].node}"${others} (supported: ${SUPPORTED_ONNX_OPS.join(', ')})`,
  );
}

