/**
 * What one op implementation receives from the runner (OpArgs) and the helpers every op
 * uses to read its attributes and static inputs, with errors that name the node.
 */
import type * as tf from '@tensorflow/tfjs';
import { OnnxImportError } from './onnx-errors.ts';
import type { OnnxConstant, OnnxNode } from './onnx-ir.ts';

export interface OpArgs {
  node: OnnxNode;
  /** Input tensors in the node's order; null where the node omits an optional input. */
  inputs: (tf.Tensor | null)[];
  /**
   * The data of input i when it is known without the model input (an initializer, a
   * Constant, or folded from those and static shapes); null if it is omitted or computed.
   */
  constant(i: number): OnnxConstant | null;
  /**
   * A tensor made from some inputs (a transposed filter, folded batch-norm factors), made
   * once and kept for the model's lifetime when all those inputs are constants, else made
   * on each call. `key` tells apart several derived tensors of one node.
   */
  derived(key: string, inputIndices: number[], make: (inputs: tf.Tensor[]) => tf.Tensor): tf.Tensor;
  /** Default-domain opset of the model (attribute vs input forms depend on it). */
  opset: number;
  /** The runner wants this node's ReLU with the identity backward pass (fake ReLU). */
  fakeRelu: boolean;
}

/** Outputs in the node's output order (trailing optional outputs may be left out). */
export type OpImpl = (a: OpArgs) => tf.Tensor[];

export function opError(node: OnnxNode, why: string): OnnxImportError {
  return new OnnxImportError(`${node.opType} node "${node.name}": ${why}`);
}

export function attrInt(node: OnnxNode, name: string, fallback: number): number {
  const a = node.attributes[name];
  if (!a) return fallback;
  if (a.kind !== 'int') throw opError(node, `attribute "${name}" should be an int, is ${a.kind}`);
  return a.value;
}

export function attrFloat(node: OnnxNode, name: string, fallback: number): number {
  const a = node.attributes[name];
  if (!a) return fallback;
  if (a.kind !== 'float' && a.kind !== 'int') throw opError(node, `attribute "${name}" should be a float, is ${a.kind}`);
  return a.value;
}

export function attrInts(node: OnnxNode, name: string): number[] | null {
  const a = node.attributes[name];
  if (!a) return null;
  if (a.kind !== 'ints') throw opError(node, `attribute "${name}" should be a list of ints, is ${a.kind}`);
  return a.value;
}

export function attrString(node: OnnxNode, name: string, fallback: string): string {
  const a = node.attributes[name];
  if (!a) return fallback;
  if (a.kind !== 'string') throw opError(node, `attribute "${name}" should be a string, is ${a.kind}`);
  return a.value;
}

/** Input i, which the op cannot do without. */
export function required(a: OpArgs, i: number): tf.Tensor {
  const t = a.inputs[i];
  if (!t) throw opError(a.node, `input ${i} is missing`);
  return t;
}

/**
 * The integer data of input i as a plain list (shapes, axes, pads, indices): it must be a
 * constant, since tfjs needs these at graph-build time. null when the input is omitted.
 */
export function staticInts(a: OpArgs, i: number, what: string): number[] | null {
  if (i >= a.node.inputs.length || a.node.inputs[i] === '') return null;
  const c = a.constant(i);
  if (!c) throw opError(a.node, `${what} (input "${a.node.inputs[i]}") must be a constant, but it depends on the model input`);
  return Array.from(c.data);
}

/** A scalar float from input i (Clip min/max, Pad value), or `fallback` when omitted. */
export function staticScalar(a: OpArgs, i: number, what: string, fallback: number): number {
  if (i >= a.node.inputs.length || a.node.inputs[i] === '') return fallback;
  const c = a.constant(i);
  if (!c) throw opError(a.node, `${what} (input "${a.node.inputs[i]}") must be a constant, but it depends on the model input`);
  if (c.data.length !== 1) throw opError(a.node, `${what} must be a single number, has ${c.data.length} values`);
  return c.data[0];
}

/** Axis in [0, rank) from a possibly negative ONNX axis; throws naming the node when out of range. */
export function normAxis(node: OnnxNode, axis: number, rank: number): number {
  const k = axis < 0 ? axis + rank : axis;
  if (k < 0 || k >= rank) throw opError(node, `axis ${axis} is out of range for a tensor of rank ${rank}`);
  return k;
}

/** Attribute form before `inputSince`, input form from that opset on (Squeeze, Unsqueeze, Clip, Pad...). */
export function intsByOpset(a: OpArgs, attr: string, inputIndex: number, inputSince: number, what: string): number[] | null {
  return a.opset >= inputSince ? staticInts(a, inputIndex, what) : attrInts(a.node, attr);
}
