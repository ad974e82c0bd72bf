/**
 * The user's own image as a reference for an image model: file checks with specific messages,
 * then the browser decodes the picture at its own size and fitImageToInput (src/engine/fit-image.ts,
 * the same code the CLI uses) crops, resizes and converts it, so one picture gives one reference
 * in the page and on the command line.
 *
 * The pure steps (type sniffing, size checks) are exported and unit-tested in Node; only
 * `loadImageReference` needs a browser (createImageBitmap and OffscreenCanvas, so it works in a
 * page and in a worker).
 */
import type { InputSpec } from '../engine/types.ts';
import { cropBox, fitImageToInput } from '../engine/fit-image.ts';
import { IMAGE_HEADER_BYTES, MAX_IMAGE_PIXELS, dimensionsProblem, imageDimensions } from '../io/image-header.ts';

export { MAX_IMAGE_PIXELS };

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

/** Why a decoded picture of this size cannot be used for an input of `spec`, or null. */
export function sizeProblem(name: string, width: number, height: number, spec: InputSpec): string | null {
  const [inH, inW] = spec.shape;
  if (!(width > 0 && height > 0)) return `"${name}" has no pixels (${width}x${height}).`;
  if (width * height > MAX_IMAGE_PIXELS) return `"${name}" ${dimensionsProblem(width, height)}.`;
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
  // The declared size, before the browser decodes (and allocates) the whole bitmap.
  let declared;
  try {
    declared = imageDimensions(new Uint8Array(await file.slice(0, IMAGE_HEADER_BYTES).arrayBuffer()));
  } catch (err) {
    throw new Error(`"${name}" cannot be used: ${errorMessage(err)}.`);
  }
  if (declared) {
    const problem = dimensionsProblem(declared.width, declared.height);
    if (problem) throw new Error(`"${name}" cannot be used: its header says it ${problem}.`);
    const tooSmall = sizeProblem(name, declared.width, declared.height, spec);
    if (tooSmall) throw new Error(tooSmall);
  }

  let bitmap: ImageBitmap;
  try {
    // The file's own pixels: no colour-space conversion, no premultiplied alpha.
    bitmap = await createImageBitmap(file, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  } catch (err) {
    throw new Error(`"${name}" looks like a ${kind.toUpperCase()} file but could not be decoded: it is corrupt, `
      + `truncated or uses a variant this browser cannot read (${errorMessage(err)}).`);
  }
  try {
    const tooSmall = sizeProblem(name, bitmap.width, bitmap.height, spec);
    if (tooSmall) throw new Error(tooSmall);
    const [h, w, c] = spec.shape as [number, number, 1 | 3];
    // The canvas only decodes (at the picture's own size); the fitting is the shared code.
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error('This browser cannot draw images off screen (no 2D canvas), so images cannot be used.');
    ctx.drawImage(bitmap, 0, 0);
    const rgba = ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
    const grey = c === 1 && hasColour(rgba);
    const { data } = fitImageToInput({ width: bitmap.width, height: bitmap.height, channels: 4, data: rgba, max: 255 }, spec);
    return { data, shape: [h, w, c], name, note: referenceNote(bitmap.width, bitmap.height, spec, grey) };
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
