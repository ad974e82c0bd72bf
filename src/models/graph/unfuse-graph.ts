/**
 * Rewrites the fused convolution nodes of a TF.js graph topology (in memory; the shipped
 * model.json is untouched) into their primitives:
 *   _FusedConv2D [BiasAdd(, Relu)]              -> Conv2D -> BiasAdd (-> Relu)
 *   FusedDepthwiseConv2dNative [BiasAdd(, Relu)] -> DepthwiseConv2dNative -> BiasAdd (-> Relu)
 * The last primitive keeps the fused node's name, so every consumer and every stage name
 * stays valid. Why: tfjs's fused-conv gradient computes the filter gradient eagerly (the
 * weights are constants here, so that is wasted work, and on wasm there is no
 * Conv2DBackpropFilter kernel at all), while the primitives' filter gradients are lazy and
 * never run when only d/d(input) is asked for. Forward values are the same up to float32
 * rounding (checked in the tests).
 */

interface GraphNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, unknown>;
  device?: string;
}

interface Topology {
  node: GraphNode[];
  [key: string]: unknown;
}

const FUSED: Record<string, string> = {
  _FusedConv2D: 'Conv2D',
  FusedConv2D: 'Conv2D',
  FusedDepthwiseConv2dNative: 'DepthwiseConv2dNative',
};

/** Activations tfjs's graph executor knows as standalone ops. */
const ACTIVATIONS = new Set(['Relu', 'Relu6', 'Elu', 'Sigmoid', 'Tanh', 'LeakyRelu']);

function decodeList(attr: unknown): string[] {
  const list = (attr as { list?: { s?: string[] } } | undefined)?.list?.s ?? [];
  return list.map((s) => (typeof atob === 'function' ? atob(s) : Buffer.from(s, 'base64').toString('utf8')));
}

/** Returns a new topology with fused conv nodes split; counts how many were split. */
export function unfuseConvolutions<T extends Topology>(topology: T): { topology: T; unfused: number } {
  const out: GraphNode[] = [];
  let unfused = 0;
  for (const node of topology.node) {
    const base = FUSED[node.op];
    if (!base) {
      out.push(node);
      continue;
    }
    const ops = decodeList(node.attr?.fused_ops);
    const [x, filter, bias, ...extra] = node.input ?? [];
    const supported =
      ops[0] === 'BiasAdd' && ops.length <= 2 && (ops.length === 1 || ACTIVATIONS.has(ops[1])) && extra.length === 0 && bias !== undefined;
    if (!supported) {
      // e.g. fused batch-norm or prelu variants: keep the fused node (correct, just not lazy).
      out.push(node);
      continue;
    }
    const keep = ['strides', 'padding', 'explicit_paddings', 'dilations', 'data_format', 'T'];
    const convAttr = Object.fromEntries(Object.entries(node.attr ?? {}).filter(([k]) => keep.includes(k)));
    const convName = `${node.name}/unfused_conv`;
    const biasName = ops.length === 2 ? `${node.name}/unfused_bias` : node.name;
    out.push({ name: convName, op: base, input: [x, filter], attr: convAttr, device: node.device });
    const dataFormat = node.attr?.data_format;
    out.push({
      name: biasName,
      op: 'BiasAdd',
      input: [convName, bias],
      attr: { T: node.attr?.T, ...(dataFormat ? { data_format: dataFormat } : {}) },
      device: node.device,
    });
    if (ops.length === 2) out.push({ name: node.name, op: ops[1], input: [biasName], attr: { T: node.attr?.T }, device: node.device });
    unfused++;
  }
  return { topology: { ...topology, node: out }, unfused };
}
