/**
 * NumPy .npy files (format versions 1.0, 2.0 and 3.0), the exchange format of the CLI.
 * Reading converts every numeric little-endian dtype to float32 (C order); writing produces
 * version 1.0 '<f4'. Fortran order, big-endian data and object/structured arrays are refused
 * with a clear error rather than read wrongly.
 */

export interface NpyArray {
  shape: number[];
  data: Float32Array;
  /** The dtype found in the file, e.g. "<f4". */
  dtype: string;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export class NpyError extends Error {
  constructor(message: string) {
    super(`.npy: ${message}`);
  }
}

type Reader = (view: DataView, offset: number) => number;

function readerFor(descr: string): { size: number; read: Reader } {
  if (descr.startsWith('>') && !descr.endsWith('1')) throw new NpyError(`big-endian dtype "${descr}" is not supported (save with '<' byte order)`);
  if (descr.startsWith('|O') || descr.startsWith('O')) throw new NpyError('object arrays are not supported');
  const m = /^[<|=]?([fiub])(\d+)$/.exec(descr);
  if (!m) throw new NpyError(`unsupported dtype "${descr}" (numeric little-endian dtypes only)`);
  const kind = m[1];
  const size = Number(m[2]);
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
  if (!read) throw new NpyError(`unsupported dtype "${descr}"`);
  return { size, read };
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
function parseHeader(text: string): { descr: string; fortran: boolean; shape: number[] } {
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text);
  if (!descr) {
    if (/'descr'\s*:\s*\[/.test(text)) throw new NpyError('structured arrays are not supported');
    throw new NpyError('header has no "descr"');
  }
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text);
  if (!fortran) throw new NpyError('header has no "fortran_order"');
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(text);
  if (!shape) throw new NpyError('header has no "shape"');
  const dims = shape[1]
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      const n = Number(s.replace(/L$/, ''));
      if (!Number.isInteger(n) || n < 0) throw new NpyError(`bad shape entry "${s}"`);
      return n;
    });
  return { descr: descr[1], fortran: fortran[1] === 'True', shape: dims };
}

export function parseNpy(buffer: ArrayBuffer | Uint8Array): NpyArray {
  const bytes = buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new NpyError('not a .npy file (bad magic string)');
  const major = bytes[6];
  let headerLen: number;
  let headerStart: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new NpyError('truncated header');
    headerLen = view.getUint32(8, true);
    headerStart = 12;
  } else {
    throw new NpyError(`unsupported format version ${major}.${bytes[7]}`);
  }
  const dataStart = headerStart + headerLen;
  if (dataStart > bytes.length) throw new NpyError('truncated header');
  const decoder = new TextDecoder(major === 3 ? 'utf-8' : 'latin1');
  const header = parseHeader(decoder.decode(bytes.subarray(headerStart, dataStart)));
  if (header.fortran) throw new NpyError('fortran_order=True arrays are not supported (save a C-contiguous array, e.g. np.ascontiguousarray)');
  const { size, read } = readerFor(header.descr);
  const count = header.shape.reduce((a, b) => a * b, 1);
  const need = count * size;
  if (bytes.length - dataStart < need) throw new NpyError(`truncated data: shape [${header.shape}] needs ${need} bytes, file has ${bytes.length - dataStart}`);
  let data: Float32Array;
  if (header.descr.endsWith('f4') && header.descr[0] !== '>' ) {
    data = new Float32Array(count);
    for (let i = 0; i < count; i++) data[i] = view.getFloat32(dataStart + 4 * i, true);
  } else {
    data = new Float32Array(count);
    for (let i = 0; i < count; i++) data[i] = read(view, dataStart + i * size);
  }
  return { shape: header.shape, data, dtype: header.descr };
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
