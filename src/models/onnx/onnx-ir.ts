/**
 * The project's own, plain-data view of an ONNX model (what onnx-parse.ts produces from the
 * protobuf bytes, and what the op runner, stage discovery and the CLI read). No protobuf or
 * tfjs types leak past this file: everything is numbers, strings and typed arrays, so the IR
 * can be inspected in tests, cloned into a worker, and summarised without a backend.
 */

/** ONNX TensorProto.DataType values we can hold as constants (others are refused at parse time). */
export type OnnxDataType = 'float32' | 'float64' | 'int64' | 'int32' | 'int8' | 'uint8' | 'bool';

/** A constant tensor (initializer or Constant node value). int64 is narrowed to int32 (shapes, indices). */
export interface OnnxConstant {
  name: string;
  dims: number[];
  dataType: OnnxDataType;
  /** float32 for float types, Int32Array for int64/int32/int8/uint8/bool (int64 narrowed, saturating at the int32 limits: INT64_MAX "to the end" in Slice stays "to the end"). */
  data: Float32Array | Int32Array;
}

/** Graph input/output declaration. A dim is a number, or a string (symbolic, e.g. "batch"), or null (unknown). */
export interface OnnxValueInfo {
  name: string;
  dims: (number | string | null)[];
  dataType: OnnxDataType | string;
}

export type OnnxAttribute =
  | { kind: 'float'; value: number }
  | { kind: 'int'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'floats'; value: number[] }
  | { kind: 'ints'; value: number[] }
  | { kind: 'strings'; value: string[] }
  | { kind: 'tensor'; value: OnnxConstant };

export interface OnnxNode {
  /** Node name from the file, or `${opType}_${index}` when the file leaves it empty. */
  name: string;
  opType: string;
  /** '' (= ai.onnx) for the standard ops. */
  domain: string;
  /** Value names; '' marks an omitted optional input. */
  inputs: string[];
  outputs: string[];
  attributes: Record<string, OnnxAttribute>;
}

export interface OnnxGraph {
  /** Graph inputs that are NOT initializers (the real inputs). */
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  /** Initializers and Constant-node values by value name. */
  constants: Map<string, OnnxConstant>;
  /** Topologically sorted (checked at parse time). Constant nodes are kept here too. */
  nodes: OnnxNode[];
  /** Default-domain opset version. */
  opset: number;
  producer: string;
}

/** The tfjs activation shape of every value, measured by one forward pass (shape-probe). */
export type OnnxShapes = Map<string, number[]>;
