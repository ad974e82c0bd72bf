/**
 * Image files for the Node CLI: PNG (fast-png) and JPEG (jpeg-js) to float32 [H, W, C] in
 * [0, 1], and PNG output from a float array. Pure JS, no native modules.
 */
import { writeFile } from 'node:fs/promises';
import { decode as decodePng, encode as encodePng, convertIndexedToRgb } from 'fast-png';
import jpeg from 'jpeg-js';
import { MAX_IMAGE_PIXELS, dimensionsProblem, imageDimensions } from './image-header.ts';
import { readUserFile } from './read-file.ts';

export interface FloatImage {
  height: number;
  width: number;
  channels: number;
  /** Row-major [H, W, C], values in [0, 1]. */
  data: Float32Array;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47];
const JPEG_SIGNATURE = [0xff, 0xd8];

function startsWith(bytes: Uint8Array, sig: number[]): boolean {
  return sig.every((b, i) => bytes[i] === b);
}

/** Unpacks 1-, 2- or 4-bit samples (rows padded to whole bytes, as PNG stores them). */
function unpackBits(packed: ArrayLike<number>, width: number, height: number, channels: number, depth: number): Uint8Array {
  const perRow = width * channels;
  const rowBytes = Math.ceil((perRow * depth) / 8);
  const out = new Uint8Array(perRow * height);
  const mask = (1 << depth) - 1;
  for (let y = 0; y < height; y++) {
    for (let i = 0; i < perRow; i++) {
      const bit = i * depth;
      const byte = packed[y * rowBytes + (bit >> 3)];
      out[y * perRow + i] = (byte >> (8 - depth - (bit & 7))) & mask;
    }
  }
  return out;
}

/** Refuses a declared size with no pixels or over the limit, before any decoding. */
function checkDeclaredSize(bytes: Uint8Array, maxPixels: number): void {
  const dims = imageDimensions(bytes);
  if (!dims) return;
  const problem = dimensionsProblem(dims.width, dims.height, maxPixels);
  if (problem) throw new Error(`the header says the image ${problem}`);
}

export function decodePngBytes(bytes: Uint8Array, maxPixels = MAX_IMAGE_PIXELS): FloatImage {
  checkDeclaredSize(bytes, maxPixels);
  let decoded;
  try {
    decoded = decodePng(bytes);
  } catch (e) {
    throw new Error(`corrupt PNG: ${(e as Error).message}`);
  }
  const { width, height } = decoded;
  let data: ArrayLike<number> = decoded.data;
  let channels = decoded.channels;
  let max = 2 ** decoded.depth - 1;
  if (decoded.palette) {
    data = convertIndexedToRgb(decoded);
    channels = decoded.palette[0]?.length ?? 3;
    max = 255;
  } else if (decoded.depth < 8) {
    const packedBytes = Math.ceil((width * channels * decoded.depth) / 8) * height;
    if (data.length < packedBytes) throw new Error('corrupt PNG: pixel data is truncated');
    data = unpackBits(data, width, height, channels, decoded.depth);
  }
  const n = width * height * channels;
  if (data.length < n) throw new Error('corrupt PNG: pixel data is truncated');
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = data[i] / max;
  return { height, width, channels, data: out };
}

export function decodeJpegBytes(bytes: Uint8Array, maxPixels = MAX_IMAGE_PIXELS): FloatImage {
  checkDeclaredSize(bytes, maxPixels);
  let decoded;
  try {
    decoded = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, maxMemoryUsageInMB: 1024, maxResolutionInMP: maxPixels / 1e6 });
  } catch (e) {
    throw new Error(`corrupt JPEG: ${(e as Error).message}`);
  }
  const problem = dimensionsProblem(decoded.width, decoded.height, maxPixels);
  if (problem) throw new Error(`the image ${problem}`);
  const n = decoded.width * decoded.height * 3;
  if (decoded.data.length < n) throw new Error('corrupt JPEG: pixel data is truncated');
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = decoded.data[i] / 255;
  return { height: decoded.height, width: decoded.width, channels: 3, data: out };
}

/**
 * Decodes PNG or JPEG bytes, recognised by their signature; the declared size is checked
 * against `maxPixels` first. Every message starts with `name`.
 */
export function decodeImageBytes(bytes: Uint8Array, name = 'image', maxPixels = MAX_IMAGE_PIXELS): FloatImage {
  try {
    if (startsWith(bytes, PNG_SIGNATURE)) return decodePngBytes(bytes, maxPixels);
    if (startsWith(bytes, JPEG_SIGNATURE)) return decodeJpegBytes(bytes, maxPixels);
  } catch (e) {
    throw new Error(`${name}: ${oneLine((e as Error).message)}`);
  }
  throw new Error(`${name}: not a PNG or JPEG file`);
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

export async function readImage(path: string): Promise<FloatImage> {
  return decodeImageBytes(new Uint8Array(await readUserFile(path, { what: 'image' })), path);
}

/**
 * Converts to 1 (grey: ITU-R BT.601 luma, the weights PIL's convert('L') uses) or 3 (RGB)
 * channels; alpha is dropped.
 */
export function toChannels(img: FloatImage, channels: 1 | 3): FloatImage {
  if (img.channels === channels) return img;
  const px = img.height * img.width;
  const out = new Float32Array(px * channels);
  const c = img.channels;
  for (let p = 0; p < px; p++) {
    const src = p * c;
    const isGrey = c <= 2;
    const r = img.data[src];
    const g = isGrey ? r : img.data[src + 1];
    const b = isGrey ? r : img.data[src + 2];
    if (channels === 1) out[p] = 0.299 * r + 0.587 * g + 0.114 * b;
    else {
      out[3 * p] = r;
      out[3 * p + 1] = g;
      out[3 * p + 2] = b;
    }
  }
  return { height: img.height, width: img.width, channels, data: out };
}

export interface PngWriteOptions {
  /** Value range mapped to 0..255 (default [0, 1]); values outside are clipped. */
  range?: [number, number];
}

/** Encodes a [H, W, C] (C = 1, 2, 3, 4) or [H, W] float array as an 8-bit PNG. */
export function encodePngBytes(data: ArrayLike<number>, shape: readonly number[], opts: PngWriteOptions = {}): Uint8Array {
  if (shape.length !== 2 && shape.length !== 3) throw new Error(`PNG needs a [H, W] or [H, W, C] array, got shape [${shape}]`);
  const [height, width] = shape;
  const channels = shape.length === 3 ? shape[2] : 1;
  if (channels < 1 || channels > 4) throw new Error(`PNG needs 1 to 4 channels, got ${channels}`);
  if (data.length !== height * width * channels) throw new Error(`shape [${shape}] does not match ${data.length} values`);
  const [lo, hi] = opts.range ?? [0, 1];
  if (!(hi > lo)) throw new Error(`bad PNG value range [${lo}, ${hi}]`);
  const px = new Uint8Array(data.length);
  const scale = 255 / (hi - lo);
  for (let i = 0; i < data.length; i++) {
    const v = Math.round((data[i] - lo) * scale);
    px[i] = Number.isNaN(v) ? 0 : v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return encodePng({ width, height, data: px, channels, depth: 8 });
}

export async function writePng(path: string, data: ArrayLike<number>, shape: readonly number[], opts?: PngWriteOptions): Promise<void> {
  await writeFile(path, encodePngBytes(data, shape, opts));
}
