/**
 * Builds ONNX model bytes from a compact description, for tests that need hand-made graphs
 * (one op at a time, broken files, odd inputs) without Python. Encodes with the same
 * onnx-proto classes the parser decodes with.
 *
 *   buildOnnx({
 *     inputs: [{ name: 'x', dims: [1, 3, 8, 8] }],
 *     initializers: { w: floatTensor([4, 3, 3, 3], data) },
 *     nodes: [{ op: 'Conv', inputs: ['x', 'w'], outputs: ['y'], attrs: { pads: [1, 1, 1, 1] } }],
 *     outputs: ['y'],
 *   })
 *
 * Attributes: an integer number -> INT, a non-integer -> FLOAT, { f } -> FLOAT, a list of
 * integers -> INTS, { floats } -> FLOATS, a string -> STRING, { tensor } -> TENSOR.
 */
import type { onnx as proto } from 'onnx-proto';
import { onnx } from '../../src/models/onnx/onnx-proto.ts';

export type TensorType = 'float32' | 'float64' | 'int64' | 'int32' | 'int8' | 'uint8' | 'bool' | 'float16' | 'string';

export interface TensorSpec {
  dims: number[];
  data: ArrayLike<number>;
  type?: TensorType;
  /** Store as raw_data bytes (what exporters write) instead of the typed fields. Default true. */
  raw?: boolean;
  /** Extra TensorProto fields (e.g. external data) for tests of refused files. */
  extra?: proto.ITensorProto;
}

export type AttrSpec = number | number[] | string | { f: number } | { floats: number[] } | { tensor: TensorSpec };

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  domain?: string;
  attrs?: Record<string, AttrSpec>;
}

export interface ValueSpec {
  name: string;
  /** Numbers, symbolic names (strings), or null for an unknown dim. */
  dims?: (number | string | null)[];
  /** ONNX elem type code; default 1 (float). */
  elemType?: number;
}

export interface GraphSpec {
  inputs: ValueSpec[];
  outputs: (string | ValueSpec)[];
  nodes: NodeSpec[];
  initializers?: Record<string, TensorSpec>;
  /** Default 13. */
  opset?: number;
  producer?: string;
}

const TYPE_CODES: Record<TensorType, number> = {
  float32: 1, uint8: 2, int8: 3, int32: 6, int64: 7, string: 8, bool: 9, float16: 10, float64: 11,
};

export function floatTensor(dims: number[], data: ArrayLike<number>): TensorSpec {
  return { dims, data, type: 'float32' };
}

export function int64Tensor(dims: number[], data: ArrayLike<number>): TensorSpec {
  return { dims, data, type: 'int64' };
}

/** int64 1-D tensor of a list (shapes, axes, starts...). */
export function ints(values: number[]): TensorSpec {
  return int64Tensor([values.length], values);
}

function rawBytes(type: TensorType, data: ArrayLike<number>): Uint8Array {
  const n = data.length;
  const size = type === 'float64' || type === 'int64' ? 8 : type === 'float32' || type === 'int32' ? 4 : type === 'float16' ? 2 : 1;
  const buf = new DataView(new ArrayBuffer(n * size));
  for (let i = 0; i < n; i++) {
    const v = data[i];
    switch (type) {
      case 'float32': buf.setFloat32(4 * i, v, true); break;
      case 'float64': buf.setFloat64(8 * i, v, true); break;
      case 'int64': buf.setBigInt64(8 * i, BigInt(Math.trunc(v)), true); break;
      case 'int32': buf.setInt32(4 * i, v, true); break;
      case 'int8': buf.setInt8(i, v); break;
      case 'float16': buf.setUint16(2 * i, 0, true); break;
      default: buf.setUint8(i, v);
    }
  }
  return new Uint8Array(buf.buffer);
}

export function tensorProto(name: string, t: TensorSpec): proto.ITensorProto {
  const type = t.type ?? 'float32';
  const base: proto.ITensorProto = { name, dims: t.dims, dataType: TYPE_CODES[type], ...t.extra };
  if (t.raw === false) {
    const values = Array.from(t.data);
    if (type === 'float32') return { ...base, floatData: values };
    if (type === 'float64') return { ...base, doubleData: values };
    if (type === 'int64') return { ...base, int64Data: values };
    return { ...base, int32Data: values };
  }
  return { ...base, rawData: rawBytes(type, t.data) };
}

function attributeProto(name: string, v: AttrSpec): proto.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') return Number.isInteger(v) ? { name, type: T.INT, i: v } : { name, type: T.FLOAT, f: v };
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) {
    return v.every(Number.isInteger) ? { name, type: T.INTS, ints: v } : { name, type: T.FLOATS, floats: v };
  }
  if ('f' in v) return { name, type: T.FLOAT, f: v.f };
  if ('floats' in v) return { name, type: T.FLOATS, floats: v.floats };
  return { name, type: T.TENSOR, t: tensorProto('', v.tensor) };
}

function valueInfoProto(v: string | ValueSpec): proto.IValueInfoProto {
  const spec = typeof v === 'string' ? { name: v } : v;
  const dim = spec.dims?.map((d) => (typeof d === 'number' ? { dimValue: d } : typeof d === 'string' ? { dimParam: d } : {}));
  return {
    name: spec.name,
    type: { tensorType: { elemType: spec.elemType ?? 1, shape: dim ? { dim } : undefined } },
  };
}

/** The ModelProto of a description (for tests that then edit it before encoding). */
export function modelProto(spec: GraphSpec): proto.IModelProto {
  const initializer = Object.entries(spec.initializers ?? {}).map(([name, t]) => tensorProto(name, t));
  return {
    irVersion: 7,
    producerName: spec.producer ?? 'onnx-build.ts',
    opsetImport: [{ domain: '', version: spec.opset ?? 13 }],
    graph: {
      name: 'test',
      node: spec.nodes.map((n, i) => ({
        name: n.name ?? `${n.op}_${i}`,
        opType: n.op,
        domain: n.domain ?? '',
        input: n.inputs,
        output: n.outputs,
        attribute: Object.entries(n.attrs ?? {}).map(([k, v]) => attributeProto(k, v)),
      })),
      initializer,
      input: spec.inputs.map(valueInfoProto),
      output: spec.outputs.map(valueInfoProto),
    },
  };
}

export function encodeModel(model: proto.IModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

export function buildOnnx(spec: GraphSpec): Uint8Array {
  return encodeModel(modelProto(spec));
}
