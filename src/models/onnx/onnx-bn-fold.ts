/**
 * BatchNormalization folded into the Conv it directly follows (the layout pass's companion,
 * on with the fast paths): y = (conv(x, W) + b - mean) * s / sqrt(var + eps) + beta is
 * conv(x, W') + b' with W' = W k (k = s / sqrt(var + eps) per output channel) and
 * b' = (b - mean) k + beta. Exact algebra; float32 rounding only. Done only where the conv's
 * output is read by nothing but the batch norm and is not itself wanted (a stage, a compared
 * value), so every value a caller asks for is still computed; the folded filter and bias are
 * kept with the other folded constants.
 */
import type { OnnxGraph, OnnxNode } from './onnx-ir.ts';
import type { OnnxWeights } from './onnx-weights.ts';

function attrNumber(node: OnnxNode, name: string, fallback: number): number {
  const a = node.attributes[name];
  return a && (a.kind === 'float' || a.kind === 'int') ? a.value : fallback;
}

/**
 * For each folded pair: conv index -> the folded Conv node (writing the batch norm's output),
 * and batch-norm index -> null (skipped). Other nodes are absent.
 */
export function foldBatchNorms(
  graph: OnnxGraph,
  needed: ReadonlySet<number>,
  wanted: ReadonlySet<string>,
  weights: OnnxWeights,
): Map<number, OnnxNode | null> {
  const readers = new Map<string, number>();
  const producer = new Map<string, number>();
  graph.nodes.forEach((n, i) => {
    if (!needed.has(i)) return;
    n.inputs.forEach((v) => v && readers.set(v, (readers.get(v) ?? 0) + 1));
    n.outputs.forEach((o) => o && producer.set(o, i));
  });
  const plan = new Map<number, OnnxNode | null>();
  graph.nodes.forEach((bn, j) => {
    if (!needed.has(j) || bn.opType !== 'BatchNormalization' || bn.domain !== '') return;
    if (attrNumber(bn, 'training_mode', 0) === 1 || bn.outputs.filter((o) => o).length !== 1) return;
    const y = bn.inputs[0];
    const i = producer.get(y);
    if (i === undefined || plan.has(i)) return;
    const conv = graph.nodes[i];
    if (conv.opType !== 'Conv' || conv.domain !== '' || conv.outputs.length !== 1) return;
    if (wanted.has(y) || readers.get(y) !== 1) return;
    const stats = bn.inputs.slice(1, 5);
    const convConsts = [conv.inputs[1], conv.inputs[2]].filter((v): v is string => !!v);
    if (stats.length !== 4 || ![...stats, ...convConsts].every((v) => v && weights.staticValue(v) !== null)) return;
    const w = `${conv.inputs[1]}\u0000bn-folded:${bn.name}`;
    const b = `${w}\u0000bias`;
    if (!weights.staticValue(w)) {
      const [scale, beta, mean, variance] = stats.map((v) => weights.staticValue(v)!.data);
      const filter = weights.staticValue(conv.inputs[1])!;
      const bias = conv.inputs[2] ? weights.staticValue(conv.inputs[2])!.data : null;
      const cout = filter.dims[0];
      if (![scale, beta, mean, variance].every((d) => d.length === cout) || (bias && bias.length !== cout)) return;
      const eps = attrNumber(bn, 'epsilon', 1e-5);
      // On the host, in float64 (rounded once to float32): no read-back, so any backend.
      const k = Array.from({ length: cout }, (_, o) => scale[o] / Math.sqrt(variance[o] + eps));
      const per = filter.data.length / cout;
      const fw = Float32Array.from(filter.data, (v, at) => v * k[Math.floor(at / per)]);
      const fb = Float32Array.from(k, (ko, o) => ((bias ? bias[o] : 0) - mean[o]) * ko + beta[o]);
      weights.addFoldedData({ name: w, dims: [...filter.dims], dataType: 'float32', data: fw });
      weights.addFoldedData({ name: b, dims: [cout], dataType: 'float32', data: fb });
    }
    plan.set(i, { ...conv, name: `${conv.name}\u0000bn-folded:${bn.name}`, inputs: [conv.inputs[0], w, b], outputs: [bn.outputs[0]] });
    plan.set(j, null);
  });
  return plan;
}
