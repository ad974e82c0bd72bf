/**
 * The user's own image as a reference for an image model: file checks with specific messages,
 * centre crop to the model's aspect ratio, resize to H x W, grey (ITU-R BT.601 luma) or RGB,
 * mapped to the model's raw input range.
 *
 * The pure steps (type sniffing, crop box, size checks, RGBA -> model values) are exported and
 * unit-tested in Node; only `loadImageReference` needs a browser (createImageBitmap and
 * OffscreenCanvas, so it works in a page and in a worker).
 */
import type { InputSpec } from '../engine/types.ts';

export interface ImageReference {
  /** [H, W, C] values in the model's input range, row-major, channels last. */
  data: Float32Array;
  shape: number[];
  name: string;
  /** What was done to the picture, e.g. "cropped and resized from 640x480". */
  note?: string;
}

/** What the reference picker hands the page: a bundled picture by index, or the user's own, prepared. */
export type ImageReferenceChoice =
  | { kind: 'bundled'; index: number }
  | ({ kind: 'user' } & ImageReference);

export type ImageKind = 'png' | 'jpeg' | 'gif' | 'webp' | 'bmp' | 'avif' | 'ico';

/** Files larger than this are refused before decoding (a photo is a few MB). */
export const MAX_IMAGE_BYTES = 64 * 1024 * 1024;
/** Decoded images with more pixels than this are refused (memory of the RGBA copy). */
export const MAX_IMAGE_PIXELS = 100_000_000;
/** An image (after the crop) smaller than this fraction of the input side is refused. */
export const MIN_SIDE_FRACTION = 1 / 4;

/** The image format from the file's first bytes (its "magic number"), or null when it is none we know. */
export function sniffImageType(head: Uint8Array): ImageKind | null {
  const at = (offset: number, bytes: number[]): boolean => bytes.every((b, i) => head[offset + i] === b);
  const ascii = (offset: number, text: string): boolean => at(offset, [...text].map((c) => c.charCodeAt(0)));
  if (at(0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (at(0, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (ascii(0, 'GIF87a') || ascii(0, 'GIF89a')) return 'gif';
  if (ascii(0, 'RIFF') && ascii(8, 'WEBP')) return 'webp';
  if (ascii(0, 'BM') && head.length >= 26) return 'bmp';
  if (ascii(4, 'ftypavif') || ascii(4, 'ftypavis')) return 'avif';
  if (at(0, [0, 0, 1, 0])) return 'ico';
  return null;
}

/** Why a file cannot be an image reference before it is even decoded, or null. */
export function fileProblem(name: string, bytes: number, head: Uint8Array): string | null {
  if (bytes === 0) return `"${name}" is empty (0 bytes).`;
  if (bytes > MAX_IMAGE_BYTES) {
    return `"${name}" is ${(bytes / 2 ** 20).toFixed(0)} MB; images up to ${MAX_IMAGE_BYTES / 2 ** 20} MB can be used.`;
  }
  if (sniffImageType(head) === null) {
    return `"${name}" is not an image file this page can read (PNG, JPEG, GIF, WebP, BMP or AVIF).`;
  }
  return null;
}

export interface CropBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * The largest centred box of the source with the target's aspect ratio (whole pixels; the
 * leftover split evenly, an odd pixel going to the right/bottom).
 */
export function cropBox(srcWidth: number, srcHeight: number, dstWidth: number, dstHeight: number): CropBox {
  if (!(srcWidth > 0 && srcHeight > 0 && dstWidth > 0 && dstHeight > 0)) {
    throw new Error(`cropBox needs positive sizes (got ${srcWidth}x${srcHeight} -> ${dstWidth}x${dstHeight})`);
  }
  // Compare srcW/srcH with dstW/dstH without rounding errors: cross-multiply.
  if (srcWidth * dstHeight > dstWidth * srcHeight) {
    const width = Math.max(1, Math.round((srcHeight * dstWidth) / dstHeight));
    return { x: Math.floor((srcWidth - width) / 2), y: 0, width, height: srcHeight };
  }
  const height = Math.max(1, Math.round((srcWidth * dstHeight) / dstWidth));
  return { x: 0, y: Math.floor((srcHeight - height) / 2), width: srcWidth, height };
}

/** Why a decoded picture of this size cannot be used for an input of `spec`, or null. */
export function sizeProblem(name: string, width: number, height: number, spec: InputSpec): string | null {
  const [inH, inW] = spec.shape;
  if (!(width > 0 && height > 0)) return `"${name}" has no pixels (${width}x${height}).`;
  if (width * height > MAX_IMAGE_PIXELS) {
    return `"${name}" is ${width}x${height} pixels; images up to ${MAX_IMAGE_PIXELS / 1e6} megapixels can be used.`;
  }
  const box = cropBox(width, height, inW, inH);
  const minW = Math.ceil(inW * MIN_SIDE_FRACTION);
  const minH = Math.ceil(inH * MIN_SIDE_FRACTION);
  if (box.width < minW || box.height < minH) {
    const cropped = box.width !== width || box.height !== height ? ` (${box.width}x${box.height} after cropping to the model's shape)` : '';
    return `"${name}" is too small: ${width}x${height} pixels${cropped}. The model takes ${inW}x${inH}; `
      + `use an image of at least ${minW}x${minH} so it is not blown up more than ${1 / MIN_SIDE_FRACTION} times.`;
  }
  return null;
}

/** Why the model cannot take an image reference at all, or null. */
export function specProblem(spec: InputSpec): string | null {
  if (spec.modality !== 'image') return 'This model takes sound, not images.';
  const [h, w, c] = spec.shape;
  if (spec.shape.length !== 3 || !(h > 0 && w > 0) || (c !== 1 && c !== 3)) {
    return `The model's input shape [${spec.shape.join(', ')}] is not an image of 1 or 3 channels.`;
  }
  return null;
}

/** ITU-R BT.601 luma weights (the ones JPEG and most "to grey" conversions use). */
export const LUMA_601 = [0.299, 0.587, 0.114] as const;

/**
 * RGBA bytes (width x height, row-major) to the model's [H, W, channels] values in `range`.
 * Transparent pixels are composited over white first (so a transparent background reads as paper,
 * not as black); grey is BT.601 luma; 0..255 maps linearly onto range.
 */
export function rgbaToModelInput(rgba: ArrayLike<number>, width: number, height: number, channels: 1 | 3,
  range: readonly [number, number]): Float32Array {
  if (rgba.length !== width * height * 4) {
    throw new Error(`rgbaToModelInput: ${rgba.length} bytes for ${width}x${height} RGBA (needs ${width * height * 4})`);
  }
  const [lo, hi] = range;
  const scale = (hi - lo) / 255;
  const out = new Float32Array(width * height * channels);
  for (let p = 0; p < width * height; p++) {
    const a = rgba[p * 4 + 3] / 255;
    const r = rgba[p * 4] * a + 255 * (1 - a);
    const g = rgba[p * 4 + 1] * a + 255 * (1 - a);
    const b = rgba[p * 4 + 2] * a + 255 * (1 - a);
    if (channels === 1) {
      out[p] = lo + (LUMA_601[0] * r + LUMA_601[1] * g + LUMA_601[2] * b) * scale;
    } else {
      out[p * 3] = lo + r * scale;
      out[p * 3 + 1] = lo + g * scale;
      out[p * 3 + 2] = lo + b * scale;
    }
  }
  return out;
}

/** True when any pixel has R, G and B not all equal (a grey model then loses the colour). */
export function hasColour(rgba: ArrayLike<number>): boolean {
  for (let i = 0; i < rgba.length; i += 4) {
    if (rgba[i] !== rgba[i + 1] || rgba[i + 1] !== rgba[i + 2]) return true;
  }
  return false;
}

/** The note shown with the reference: what was done to the picture, or undefined when nothing was. */
export function referenceNote(srcWidth: number, srcHeight: number, spec: InputSpec, convertedToGrey: boolean): string | undefined {
  const [h, w] = spec.shape;
  const box = cropBox(srcWidth, srcHeight, w, h);
  const parts: string[] = [];
  const cropped = box.width !== srcWidth || box.height !== srcHeight;
  if (cropped) parts.push(`cropped and resized from ${srcWidth}x${srcHeight}`);
  else if (srcWidth !== w || srcHeight !== h) parts.push(`resized from ${srcWidth}x${srcHeight}`);
  if (convertedToGrey) parts.push('converted to grey');
  return parts.length ? parts.join(', ') : undefined;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Decodes `file` in the browser and returns it as the model's input. Rejects with an Error whose
 * message is meant for the user (names the file, says what is wrong and what would work).
 */
export async function loadImageReference(file: Blob, spec: InputSpec): Promise<ImageReference> {
  const name = file instanceof File && file.name ? file.name : 'the image';
  const bad = specProblem(spec);
  if (bad) throw new Error(bad);
  const head = new Uint8Array(await file.slice(0, 32).arrayBuffer());
  const problem = fileProblem(name, file.size, head);
  if (problem) throw new Error(problem);
  const kind = sniffImageType(head)!;

  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch (err) {
    throw new Error(`"${name}" looks like a ${kind.toUpperCase()} file but could not be decoded: it is corrupt, `
      + `truncated or uses a variant this browser cannot read (${errorMessage(err)}).`);
  }
  try {
    const tooSmall = sizeProblem(name, bitmap.width, bitmap.height, spec);
    if (tooSmall) throw new Error(tooSmall);
    const [h, w, c] = spec.shape as [number, number, 1 | 3];
    const box = cropBox(bitmap.width, bitmap.height, w, h);
    const canvas = new OffscreenCanvas(w, h);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error('This browser cannot draw images off screen (no 2D canvas), so images cannot be used.');
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(bitmap, box.x, box.y, box.width, box.height, 0, 0, w, h);
    const rgba = ctx.getImageData(0, 0, w, h).data;
    const grey = c === 1 && hasColour(rgba);
    return {
      data: rgbaToModelInput(rgba, w, h, c, spec.range),
      shape: [h, w, c],
      name,
      note: referenceNote(bitmap.width, bitmap.height, spec, grey),
    };
  } finally {
    bitmap.close();
  }
}

// ---- Webcam --------------------------------------------------------------------------------

export const CAMERA_DENIED_MESSAGE =
  "Camera permission was denied: allow the camera for this site in the browser's site settings (the icon left of the address), or pick a file instead.";
export const NO_CAMERA_MESSAGE = 'No camera was found: connect one, or pick a file or a bundled picture instead.';
export const CAMERA_UNAVAILABLE_MESSAGE =
  'This page cannot use a camera here: browsers allow cameras only on https:// or localhost pages. Pick a file instead.';

/** The user-facing message for a getUserMedia rejection (DOMException names per the Media Capture spec). */
export function cameraErrorMessage(err: unknown): string {
  const name = (err as { name?: unknown } | null)?.name;
  const detail = err instanceof Error && err.message ? ` (${err.message})` : '';
  switch (name) {
    case 'NotAllowedError':
    case 'PermissionDeniedError': // older Chromium
      return CAMERA_DENIED_MESSAGE;
    case 'SecurityError':
      return CAMERA_UNAVAILABLE_MESSAGE;
    case 'NotFoundError':
    case 'DevicesNotFoundError':
    case 'OverconstrainedError':
      return NO_CAMERA_MESSAGE;
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return `The camera could not be started (another application may be using it)${detail}; close it and try again, or pick a file instead.`;
    default:
      return `The camera could not be used${detail}; pick a file instead.`;
  }
}

/** A file name for a webcam snapshot taken at `when`, e.g. "webcam 14-03-27.png". */
export function snapshotName(when: Date): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  return `webcam ${two(when.getHours())}-${two(when.getMinutes())}-${two(when.getSeconds())}.png`;
}
