/**
 * ONNX bytes -> the plain-data OnnxGraph (onnx-ir.ts). Everything a later stage would trip
 * over is refused here, with one OnnxImportError line naming the part at fault: bytes that
 * are not an ONNX protobuf (or are cut short), weights kept in external files, a missing
 * graph, more than one real input, input sizes left dynamic, data types the runner cannot
 * hold, and nodes out of topological order. What passes is safe to run and to inspect.
 *
 * int64 tensors (shapes, axes, indices) are narrowed to int32, saturating at the int32
 * limits: exporters write "to the end" in Slice as INT64_MAX, which saturation keeps meaning
 * "to the end", and no real shape or index comes near 2^31.
 */
import type { onnx as proto } from 'onnx-proto';
import { onnx } from './onnx-proto.ts';
import { OnnxImportError } from './onnx-errors.ts';
import type { OnnxAttribute, OnnxConstant, OnnxDataType, OnnxGraph, OnnxNode, OnnxValueInfo } from './onnx-ir.ts';

/** protobufjs gives int64 fields as Long objects (the `long` package is installed) or numbers. */
type Int64 = number | { toNumber(): number } | null | undefined;

function int64(v: Int64): number {
  if (v == null) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

function saturate32(v: number): number {
  return v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : v;
}

/** TensorProto.DataType code -> the dtypes we hold. */
const HELD: Record<number, OnnxDataType> = { 1: 'float32', 2: 'uint8', 3: 'int8', 6: 'int32', 7: 'int64', 9: 'bool', 11: 'float64' };
const DTYPE_NAMES: Record<number, string> = {
  0: 'undefined', 1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string',
  9: 'bool', 10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64', 14: 'complex64', 15: 'complex128', 16: 'bfloat16',
};
const HELD_LIST = 'float32, float64, int64, int32, int8, uint8, bool';
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
/** 2^28 values (1 GiB as float32, the import budget): larger declared tensors are refused unread. */
export const MAX_TENSOR_ELEMENTS = 2 ** 28;
const BYTES_PER: Record<OnnxDataType, number> = { float32: 4, float64: 8, int64: 8, int32: 4, int8: 1, uint8: 1, bool: 1 };

export function dataTypeName(code: number): string {
  return DTYPE_NAMES[code] ?? `type ${code}`;
}

/** Decodes one TensorProto (initializer, Constant value, tensor attribute). `what` names it in errors. */
export function tensorFromProto(t: proto.ITensorProto, what: string): OnnxConstant {
  const name = t.name ?? '';
  const label = `${what} "${name}"`;
  const external = (t.externalData?.length ?? 0) > 0 || t.dataLocation === 1;
  if (external) {
    const where = t.externalData?.find((e) => e.key === 'location')?.value;
    throw new OnnxImportError(
      `${label} keeps its data in an external file${where ? ` ("${where}")` : ''}: re-export with the weights inside ` +
        'the .onnx file (onnx.save(model, path, save_as_external_data=False))',
    );
  }
  const code = t.dataType ?? 0;
  const dataType = HELD[code];
  if (!dataType) throw new OnnxImportError(`${label} has data type ${dataTypeName(code)} (supported: ${HELD_LIST})`);
  const dims = (t.dims ?? []).map((d) => int64(d as Int64));
  if (dims.some((d) => !Number.isInteger(d) || d < 0)) throw new OnnxImportError(`${label} has invalid dims [${dims}]`);
  // Declared sizes are checked against the budget and the bytes present before allocating.
  const size = dims.reduce((a, b) => a * b, 1);
  if (size > MAX_TENSOR_ELEMENTS) {
    throw new OnnxImportError(`${label} declares dims [${dims}] (${size} values), over the memory budget of ${MAX_TENSOR_ELEMENTS} values per tensor (corrupt file?)`);
  }
  const isFloat = dataType === 'float32' || dataType === 'float64';
  const raw = t.rawData;
  if (raw && raw.length > 0) {
    const need = size * BYTES_PER[dataType];
    if (raw.length !== need) {
      throw new OnnxImportError(`${label} holds ${raw.length} bytes of data but its dims [${dims}] need ${need} (truncated or corrupt file)`);
    }
  } else {
    const present =
      dataType === 'float32' ? (t.floatData?.length ?? 0) :
      dataType === 'float64' ? (t.doubleData?.length ?? 0) :
      dataType === 'int64' ? (t.int64Data?.length ?? 0) : (t.int32Data?.length ?? 0);
    if (present !== size) {
      throw new OnnxImportError(`${label} holds ${present} values but its dims [${dims}] need ${size} (truncated or corrupt file)`);
    }
  }
  const decoded = decodeTensorData(t, dataType, size);
  if (isFloat) {
    const bad = (decoded as Float32Array).findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new OnnxImportError(`${label} holds ${decoded[bad]} at element ${bad} of [${dims}]: weights must be finite (a diverged or corrupt model?)`);
  }
  return { name, dims, dataType, data: decoded };
}

/** The values of a TensorProto whose sizes tensorFromProto has checked. */
function decodeTensorData(t: proto.ITensorProto, dataType: OnnxDataType, size: number): Float32Array | Int32Array {
  const isFloat = dataType === 'float32' || dataType === 'float64';
  const raw = t.rawData;
  if (raw && raw.length > 0) {
    if ((dataType === 'float32' || dataType === 'int32') && LITTLE_ENDIAN) {
      // Fast path for the bulk of the weights: copy the bytes into an aligned buffer
      // (raw may start at any offset of the file) and view them as they are.
      const aligned = new Uint8Array(raw); // a copy (Buffer.slice would be a view)
      return dataType === 'float32' ? new Float32Array(aligned.buffer) : new Int32Array(aligned.buffer);
    }
    const data = isFloat ? new Float32Array(size) : new Int32Array(size);
    // ONNX raw data is little-endian, at any offset of the file buffer.
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < size; i++) {
      switch (dataType) {
        case 'float32': data[i] = view.getFloat32(4 * i, true); break;
        case 'float64': data[i] = view.getFloat64(8 * i, true); break;
        case 'int64': data[i] = saturate32(Number(view.getBigInt64(8 * i, true))); break;
        case 'int32': data[i] = view.getInt32(4 * i, true); break;
        case 'int8': data[i] = view.getInt8(i); break;
        case 'uint8': case 'bool': data[i] = view.getUint8(i); break;
      }
    }
    return data;
  }
  const field: ArrayLike<Int64> =
    dataType === 'float32' ? (t.floatData ?? []) :
    dataType === 'float64' ? (t.doubleData ?? []) :
    dataType === 'int64' ? (t.int64Data ?? []) : (t.int32Data ?? []);
  const data = isFloat ? new Float32Array(size) : new Int32Array(size);
  for (let i = 0; i < size; i++) data[i] = dataType === 'int64' ? saturate32(int64(field[i])) : int64(field[i]);
  return data;
}

const utf8 = new TextDecoder();

/** One attribute, or null for kinds no supported op reads (graphs, sparse tensors, type protos). */
function attributeFromProto(a: proto.IAttributeProto, nodeName: string): OnnxAttribute | null {
  const T = onnx.AttributeProto.AttributeType;
  switch (a.type) {
    case T.FLOAT: return { kind: 'float', value: a.f ?? 0 };
    case T.INT: return { kind: 'int', value: int64(a.i as Int64) };
    case T.STRING: return { kind: 'string', value: utf8.decode(a.s ?? new Uint8Array()) };
    case T.TENSOR: return { kind: 'tensor', value: tensorFromProto(a.t ?? {}, `tensor attribute "${a.name}" of node "${nodeName}":`) };
    case T.FLOATS: return { kind: 'floats', value: [...(a.floats ?? [])] };
    case T.INTS: return { kind: 'ints', value: (a.ints ?? []).map((v) => int64(v as Int64)) };
    case T.STRINGS: return { kind: 'strings', value: (a.strings ?? []).map((s) => utf8.decode(s)) };
    default: return null;
  }
}

/** The value a Constant node produces (attribute value / value_float(s) / value_int(s)). */
function constantNodeValue(node: OnnxNode): OnnxConstant {
  const name = node.outputs[0];
  const a = node.attributes;
  const v = a.value ?? a.value_float ?? a.value_floats ?? a.value_int ?? a.value_ints;
  if (!v) {
    const kinds = Object.keys(a).join(', ') || 'none';
    throw new OnnxImportError(`Constant node "${node.name}" has no supported value attribute (has: ${kinds}; supported: value, value_float(s), value_int(s))`);
  }
  switch (v.kind) {
    case 'tensor': return { ...v.value, name };
    case 'float': return { name, dims: [], dataType: 'float32', data: Float32Array.of(v.value) };
    case 'floats': return { name, dims: [v.value.length], dataType: 'float32', data: Float32Array.from(v.value) };
    case 'int': return { name, dims: [], dataType: 'int64', data: Int32Array.of(saturate32(v.value)) };
    case 'ints': return { name, dims: [v.value.length], dataType: 'int64', data: Int32Array.from(v.value, saturate32) };
    default: throw new OnnxImportError(`Constant node "${node.name}" has a ${v.kind} value (supported: tensor, float(s), int(s))`);
  }
}

function valueInfo(v: proto.IValueInfoProto): OnnxValueInfo {
  const tt = v.type?.tensorType;
  const dims = (tt?.shape?.dim ?? []).map((d): number | string | null => {
    if (d.dimParam) return d.dimParam;
    // A dim_value of 0 is a size of zero, not an unknown size: kept, and refused by checkInput.
    const explicit = Object.prototype.hasOwnProperty.call(d, 'dimValue');
    if (d.dimValue != null && int64(d.dimValue as Int64) >= 0 && (explicit || int64(d.dimValue as Int64) > 0)) return int64(d.dimValue as Int64);
    return null;
  });
  const code = tt?.elemType ?? 0;
  return { name: v.name ?? '', dims, dataType: HELD[code] ?? dataTypeName(code) };
}

/** Refuses inputs the runner cannot feed: non-float, or any size but the batch left open. */
function checkInput(input: OnnxValueInfo, hasTensorType: boolean): void {
  const label = `input "${input.name}"`;
  if (!hasTensorType) throw new OnnxImportError(`${label} is not a tensor (sequences and maps are not supported)`);
  if (input.dataType !== 'float32') throw new OnnxImportError(`${label} has data type ${input.dataType} (only float32 inputs are supported)`);
  if (input.dims.length === 0) throw new OnnxImportError(`${label} declares no shape: export with a fixed input size`);
  input.dims.forEach((d, i) => {
    const isBatch = i === 0 && input.dims.length > 1;
    if (isBatch) {
      if (typeof d === 'number' && d !== 1) throw new OnnxImportError(`${label} has batch size ${d}: export with a batch of 1`);
      return;
    }
    if (d === 0) throw new OnnxImportError(`${label} has dims [${input.dims.map(String)}]: dim ${i} has size 0, so the input holds no values`);
    if (typeof d === 'string') throw new OnnxImportError(`${label} has dynamic dim "${d}": export with a fixed input size`);
    if (d === null) throw new OnnxImportError(`${label} has dynamic dim ${i} (no size given): export with a fixed input size`);
  });
}

/** Decodes and checks an ONNX model. `fileName` (optional) prefixes the messages of decoding errors. */
export function parseOnnx(bytes: ArrayBuffer | Uint8Array, fileName?: string): OnnxGraph {
  try {
    return parseOnnxBytes(bytes, fileName);
  } catch (e) {
    // Every message names the file (messages about its decoding already start with it).
    if (fileName && e instanceof OnnxImportError && !e.message.startsWith(`"${fileName}"`)) throw new OnnxImportError(`${fileName}: ${e.message}`);
    throw e;
  }
}

function parseOnnxBytes(bytes: ArrayBuffer | Uint8Array, fileName?: string): OnnxGraph {
  const file = fileName ? `"${fileName}"` : 'the file';
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (u8.length === 0) throw new OnnxImportError(`${file} is empty, not an ONNX model`);
  let model: proto.ModelProto;
  try {
    model = onnx.ModelProto.decode(u8);
  } catch (e) {
    throw new OnnxImportError(`${file} is not an ONNX model or is truncated (protobuf decoding failed: ${(e as Error).message})`);
  }
  const g = model.graph;
  if (!g || (g.node ?? []).length === 0) {
    throw new OnnxImportError(`${file} is not an ONNX model: it holds no graph${g ? ' nodes' : ''}`);
  }
  const opsetEntry = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  if (!opsetEntry) throw new OnnxImportError(`${file} declares no ai.onnx opset (opset_import), so its ops cannot be read`);
  const opset = int64(opsetEntry.version as Int64);

  if ((g.sparseInitializer ?? []).length > 0) {
    throw new OnnxImportError(`sparse initializer "${g.sparseInitializer![0].values?.name ?? ''}" is not supported`);
  }
  const constants = new Map<string, OnnxConstant>();
  for (const t of g.initializer ?? []) constants.set(t.name ?? '', tensorFromProto(t, 'initializer'));

  const realInputs = (g.input ?? []).filter((v) => !constants.has(v.name ?? ''));
  if (realInputs.length === 0) throw new OnnxImportError('the graph has no input (every graph input is an initializer)');
  if (realInputs.length > 1) {
    throw new OnnxImportError(
      `the graph has ${realInputs.length} inputs (${realInputs.map((v) => `"${v.name}"`).join(', ')}); only models with one input are supported`,
    );
  }
  const inputs = realInputs.map(valueInfo);
  checkInput(inputs[0], !!realInputs[0].type?.tensorType);
  const outputs = (g.output ?? []).map(valueInfo);

  const nodes: OnnxNode[] = (g.node ?? []).map((n, index) => {
    const opType = n.opType ?? '';
    const name = n.name || `${opType}_${index}`;
    const attributes: Record<string, OnnxAttribute> = {};
    for (const a of n.attribute ?? []) {
      const parsed = attributeFromProto(a, name);
      if (parsed && a.name) attributes[a.name] = parsed;
    }
    const domain = n.domain === 'ai.onnx' ? '' : (n.domain ?? '');
    return { name, opType, domain, inputs: [...(n.input ?? [])], outputs: [...(n.output ?? [])], attributes };
  });
  for (const n of nodes) {
    if (n.opType === 'Constant' && n.domain === '') {
      const c = constantNodeValue(n);
      constants.set(c.name, c);
    }
  }
  checkTopologicalOrder(nodes, new Set([...constants.keys(), inputs[0].name]), outputs);
  const producer = `${model.producerName ?? ''} ${model.producerVersion ?? ''}`.trim();
  return { inputs, outputs, constants, nodes, opset, producer };
}

function checkTopologicalOrder(nodes: OnnxNode[], initial: Set<string>, outputs: OnnxValueInfo[]): void {
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => n.outputs.forEach((o) => o && producer.set(o, i)));
  const available = new Set(initial);
  nodes.forEach((n, i) => {
    for (const v of n.inputs) {
      if (v === '' || available.has(v)) continue;
      const later = producer.get(v);
      if (later !== undefined && later >= i) {
        throw new OnnxImportError(
          `nodes are not in topological order: node "${n.name}" (${n.opType}) reads "${v}" before node "${nodes[later].name}" produces it`,
        );
      }
      throw new OnnxImportError(`node "${n.name}" (${n.opType}) reads value "${v}", which no node, input or initializer produces`);
    }
    for (const o of n.outputs) if (o) available.add(o);
  });
  for (const o of outputs) {
    if (!available.has(o.name)) throw new OnnxImportError(`graph output "${o.name}" is produced by no node`);
  }
}
