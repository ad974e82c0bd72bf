/**
 * Lookups over an OnnxGraph that stage discovery needs: who produces a value, who reads it,
 * and which values depend on the graph input (everything else is a weight, a shape or another
 * constant). Plain data in, plain data out; no tfjs.
 */
import type { OnnxGraph, OnnxNode } from '../onnx/onnx-ir.ts';

export interface GraphIndex {
  graph: OnnxGraph;
  producer: Map<string, OnnxNode>;
  consumers: Map<string, OnnxNode[]>;
  /** Values computed from a real graph input (activations), as opposed to constants. */
  dynamic: Set<string>;
  /** Position of each node in the (topologically sorted) node list. */
  order: Map<OnnxNode, number>;
}

/** Ops whose output only describes the input's shape: not an activation even if the input is. */
const SHAPE_ONLY_OPS = new Set(['Shape', 'Size']);

export function indexGraph(graph: OnnxGraph): GraphIndex {
  const producer = new Map<string, OnnxNode>();
  const consumers = new Map<string, OnnxNode[]>();
  const dynamic = new Set(graph.inputs.map((i) => i.name));
  const order = new Map<OnnxNode, number>();
  graph.nodes.forEach((node, k) => {
    order.set(node, k);
    for (const out of node.outputs) if (out) producer.set(out, node);
    for (const input of node.inputs) {
      if (!input) continue;
      const list = consumers.get(input);
      if (list) list.push(node);
      else consumers.set(input, [node]);
    }
    if (!SHAPE_ONLY_OPS.has(node.opType) && node.inputs.some((v) => dynamic.has(v))) {
      for (const out of node.outputs) if (out) dynamic.add(out);
    }
  });
  return { graph, producer, consumers, dynamic, order };
}

/** Non-empty inputs of a node that carry activations. */
export function dynamicInputs(index: GraphIndex, node: OnnxNode): string[] {
  return node.inputs.filter((v) => v !== '' && index.dynamic.has(v));
}
