/**
 * NumPy .npy files (format versions 1.0, 2.0 and 3.0), the exchange format of the CLI.
 * Reading converts every numeric little-endian dtype to float32 (C order), or to float64 with
 * parseNpy64 (the metrics command); writing produces version 1.0 '<f4'. Fortran order,
 * big-endian data and object/structured arrays are refused with a clear error rather than
 * read wrongly.
 *
 * Everything is checked before anything is allocated: the header's length and shape against
 * the bytes present (neither fewer nor more data bytes than the shape needs) and against
 * MAX_NPY_ELEMENTS. Values that cannot be held exactly are refused, never rounded silently:
 * an integer (any int/uint dtype) whose value float32 cannot represent (|v| > 2^24 and not a
 * float32 value; for parseNpy64, int64/uint64 beyond 2^53), and float64 values beyond
 * float32's range. NaN and +-Infinity are refused too (unless allowNonFinite), with the index
 * of the first one. float64 -> float32 rounds to nearest, the float32 a model computes with.
 * Every message starts with the file's name.
 */

export interface NpyArray {
  shape: number[];
  data: Float32Array;
  /** The dtype found in the file, e.g. "<f4". */
  dtype: string;
}

export interface NpyArray64 {
  shape: number[];
  data: Float64Array;
  dtype: string;
}

export interface NpyReadOptions {
  /** The file's name, at the start of every error message (default ".npy"). */
  name?: string;
  /** Accept NaN and +-Infinity (default: refused). */
  allowNonFinite?: boolean;
  /** Largest number of elements accepted (default MAX_NPY_ELEMENTS). */
  maxElements?: number;
}

/** 2^28 elements: 1 GiB as float32, well above any model input or stage here. */
export const MAX_NPY_ELEMENTS = 2 ** 28;
/** Headers are a short dict; numpy itself writes at most a few hundred bytes. */
const MAX_HEADER_BYTES = 1 << 20;

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export class NpyError extends Error {
  constructor(message: string, name = '.npy') {
    super(`${name}: ${message}`);
    this.name = 'NpyError';
  }
}

type Reader = (view: DataView, offset: number) => number;
type Fail = (message: string) => never;

interface DtypeReader {
  size: number;
  read: Reader;
  integer: boolean;
  /** 64-bit integers: the exact value, to check that a Number holds it. */
  readBig?: (view: DataView, offset: number) => bigint;
}

function readerFor(descr: string, fail: Fail): DtypeReader {
  if (descr.startsWith('>') && !descr.endsWith('1')) fail(`big-endian dtype "${descr}" is not supported (save with '<' byte order)`);
  if (descr.startsWith('|O') || descr.startsWith('O')) fail('object arrays are not supported');
  const m = /^[<|=]?([fiub])(\d+)$/.exec(descr);
  if (!m) fail(`unsupported dtype "${descr}" (numeric little-endian dtypes only)`);
  const kind = m![1];
  const size = Number(m![2]);
  const key = `${kind}${size}`;
  const readers: Record<string, Reader> = {
    f2: (v, o) => float16(v.getUint16(o, true)),
    f4: (v, o) => v.getFloat32(o, true),
    f8: (v, o) => v.getFloat64(o, true),
    i1: (v, o) => v.getInt8(o),
    i2: (v, o) => v.getInt16(o, true),
    i4: (v, o) => v.getInt32(o, true),
    i8: (v, o) => Number(v.getBigInt64(o, true)),
    u1: (v, o) => v.getUint8(o),
    u2: (v, o) => v.getUint16(o, true),
    u4: (v, o) => v.getUint32(o, true),
    u8: (v, o) => Number(v.getBigUint64(o, true)),
    b1: (v, o) => v.getUint8(o),
  };
  const read = readers[key];
  if (!read) fail(`unsupported dtype "${descr}"`);
  const readBig = key === 'i8' ? (v: DataView, o: number) => v.getBigInt64(o, true) : key === 'u8' ? (v: DataView, o: number) => v.getBigUint64(o, true) : undefined;
  return { size, read, integer: kind !== 'f', readBig };
}

function float16(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** Parses the header dict, a Python literal like {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }. */
function parseHeader(text: string, fail: Fail): { descr: string; fortran: boolean; shape: number[] } {
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text);
  if (!descr) {
    if (/'descr'\s*:\s*\[/.test(text)) fail('structured arrays are not supported');
    fail('header has no "descr"');
  }
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text);
  if (!fortran) fail('header has no "fortran_order"');
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(text);
  if (!shape) fail('header has no "shape"');
  const dims = shape![1]
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      const n = Number(s.replace(/L$/, ''));
      if (!/^\d+L?$/.test(s) || !Number.isSafeInteger(n)) fail(`bad shape entry "${s}"`);
      return n;
    });
  if (dims.length > 32) fail(`shape has ${dims.length} dimensions (numpy allows at most 32)`);
  return { descr: descr![1], fortran: fortran![1] === 'True', shape: dims };
}

interface Layout {
  shape: number[];
  dtype: string;
  count: number;
  dataStart: number;
  reader: DtypeReader;
}

/** Header, dtype and sizes, checked against the bytes present and the limits; allocates nothing. */
function layoutOf(bytes: Uint8Array, view: DataView, opts: NpyReadOptions, fail: Fail): Layout {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) fail('not a .npy file (bad magic string)');
  const major = bytes[6];
  let headerLen: number;
  let headerStart: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) fail('truncated header');
    headerLen = view.getUint32(8, true);
    headerStart = 12;
  } else {
    fail(`unsupported format version ${major}.${bytes[7]}`);
  }
  if (headerLen! > MAX_HEADER_BYTES) fail(`header declares ${headerLen!} bytes (at most ${MAX_HEADER_BYTES}); corrupt file`);
  const dataStart = headerStart! + headerLen!;
  if (dataStart > bytes.length) fail(`truncated header: it declares ${headerLen!} bytes, the file has ${bytes.length - headerStart!} after the prefix`);
  const decoder = new TextDecoder(major === 3 ? 'utf-8' : 'latin1');
  const header = parseHeader(decoder.decode(bytes.subarray(headerStart!, dataStart)), fail);
  if (header.fortran) fail('fortran_order=True arrays are not supported (save a C-contiguous array, e.g. np.ascontiguousarray)');
  const reader = readerFor(header.descr, fail);
  const max = opts.maxElements ?? MAX_NPY_ELEMENTS;
  // Multiply in float64 and compare before anything is allocated: a product overflowing the
  // safe integers is over the limit anyway.
  let count = 1;
  for (const d of header.shape) count *= d;
  if (count > max) fail(`shape [${header.shape}] has ${count} elements; at most ${max} are accepted`);
  const need = count * reader.size;
  const present = bytes.length - dataStart;
  if (present < need) fail(`truncated data: shape [${header.shape}] needs ${need} bytes, file has ${present}`);
  if (present > need) fail(`${present - need} bytes after the data that shape [${header.shape}] needs (${need} bytes): corrupt file or wrong header`);
  return { shape: header.shape, dtype: header.descr, count, dataStart, reader };
}

function describe(v: number): string {
  return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
}

function readValues(bytes: Uint8Array, opts: NpyReadOptions, float64: boolean): NpyArray | NpyArray64 {
  const name = opts.name ?? '.npy';
  const fail: Fail = (message) => {
    throw new NpyError(message, name);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { shape, dtype, count, dataStart, reader } = layoutOf(bytes, view, opts, fail);
  const data = float64 ? new Float64Array(count) : new Float32Array(count);
  const { size, read, integer, readBig } = reader;
  const fast = !float64 && dtype.endsWith('f4');
  for (let i = 0; i < count; i++) {
    const at = dataStart + i * size;
    const v = fast ? view.getFloat32(at, true) : read(view, at);
    if (!Number.isFinite(v) && !opts.allowNonFinite) {
      // A float64 beyond float32's range is finite in the file: say so rather than "Infinity".
      fail(`element ${i} (of shape [${shape}]) is ${describe(v)}; NaN and Infinity are not accepted`);
    }
    if (integer) {
      if (readBig && BigInt(v) !== readBig(view, at)) fail(`element ${i} is ${readBig(view, at)}, beyond 2^53: a float64 cannot hold it exactly`);
      if (!float64 && Math.fround(v) !== v) fail(`element ${i} is ${v}, which float32 cannot hold exactly (integers up to 2^24 = 16777216 in magnitude are exact); scale the data or save it as float32`);
    } else if (!float64 && Number.isFinite(v) && !Number.isFinite(Math.fround(v))) {
      fail(`element ${i} is ${v}, beyond float32's range (3.4e38)`);
    }
    data[i] = v;
  }
  return { shape, data, dtype } as NpyArray | NpyArray64;
}

function asBytes(buffer: ArrayBuffer | Uint8Array): Uint8Array {
  return buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer);
}

/** Reads a .npy file as float32 (see the file comment for what is refused). */
export function parseNpy(buffer: ArrayBuffer | Uint8Array, opts: NpyReadOptions = {}): NpyArray {
  return readValues(asBytes(buffer), opts, false) as NpyArray;
}

/** Reads a .npy file as float64, exactly for every dtype (int64/uint64 up to 2^53). */
export function parseNpy64(buffer: ArrayBuffer | Uint8Array, opts: NpyReadOptions = {}): NpyArray64 {
  return readValues(asBytes(buffer), opts, true) as NpyArray64;
}

/** Serialises a float32 array as .npy version 1.0 ('<f4', C order). */
export function writeNpy(data: Float32Array | ArrayLike<number>, shape: readonly number[]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new NpyError(`shape [${shape}] holds ${count} values, data has ${data.length}`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // Pad with spaces so that the data starts on a 64-byte boundary; the header ends with \n.
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  if (header.length > 65535) throw new NpyError('shape too long for a version 1.0 header');
  const out = new Uint8Array(10 + header.length + 4 * count);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  const view = new DataView(out.buffer);
  view.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const base = 10 + header.length;
  for (let i = 0; i < count; i++) view.setFloat32(base + 4 * i, data[i], true);
  return out;
}
