/**
 * Fitting a picture to an image model's input, one pure function over pixel arrays that the page
 * (after decoding with the browser) and the CLI (after decoding with fast-png / jpeg-js) both
 * call, so one picture gives one reference:
 *   1. to the model's channels: alpha composited over white (a transparent background reads as
 *      paper), grey as ITU-R BT.601 luma, grey to RGB by copying;
 *   2. the largest centred crop with the model's aspect ratio (cropBox);
 *   3. when shrinking by 2x or more, an integer box average first (against aliasing);
 *   4. bilinear resize with half-pixel centres (as tf.image.resizeBilinear(x, size, false, true));
 *   5. [0, 1] mapped linearly onto the model's input range.
 * No tfjs, no DOM.
 */
import type { InputSpec } from './types.ts';

/** Decoded pixels, row-major [height, width, channels]; full intensity is `max` (255 for 8-bit, 1 for floats). */
export interface PixelImage {
  width: number;
  height: number;
  /** 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA. */
  channels: number;
  data: ArrayLike<number>;
  max: number;
}

export interface FittedImage {
  /** [H, W, C] of spec.shape, values in spec.range. */
  data: Float32Array;
  /** What was done, in order, for the user (e.g. "centre-cropped to 480x480"). */
  steps: string[];
}

export interface CropBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** ITU-R BT.601 luma weights (the ones JPEG and most "to grey" conversions use). */
export const LUMA_601 = [0.299, 0.587, 0.114] as const;

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

/** Pixel p of the image in the model's channels (1 or 3), as [0, 1] values written to out[0..c). */
function readPixel(img: PixelImage, p: number, c: 1 | 3, out: Float64Array): void {
  const n = img.channels;
  const base = p * n;
  const k = 1 / img.max;
  const hasAlpha = n === 2 || n === 4;
  const a = hasAlpha ? img.data[base + n - 1] * k : 1;
  const over = (v: number) => v * k * a + (1 - a);
  const r = over(img.data[base]);
  const g = n >= 3 ? over(img.data[base + 1]) : r;
  const b = n >= 3 ? over(img.data[base + 2]) : r;
  if (c === 1) out[0] = n >= 3 ? LUMA_601[0] * r + LUMA_601[1] * g + LUMA_601[2] * b : r;
  else {
    out[0] = r;
    out[1] = g;
    out[2] = b;
  }
}

/** Bilinear resize with half-pixel centres of a [h, w, c] array to [th, tw, c]. */
export function resizeBilinear(src: Float64Array | Float32Array, h: number, w: number, c: number, th: number, tw: number): Float64Array<ArrayBuffer> {
  const out = new Float64Array(th * tw * c);
  const sy = h / th;
  const sx = w / tw;
  for (let y = 0; y < th; y++) {
    const fy = Math.max(0, (y + 0.5) * sy - 0.5);
    const y0 = Math.min(Math.floor(fy), h - 1);
    const y1 = Math.min(y0 + 1, h - 1);
    const dy = fy - y0;
    for (let x = 0; x < tw; x++) {
      const fx = Math.max(0, (x + 0.5) * sx - 0.5);
      const x0 = Math.min(Math.floor(fx), w - 1);
      const x1 = Math.min(x0 + 1, w - 1);
      const dx = fx - x0;
      for (let k = 0; k < c; k++) {
        const top = src[(y0 * w + x0) * c + k] * (1 - dx) + src[(y0 * w + x1) * c + k] * dx;
        const bottom = src[(y1 * w + x0) * c + k] * (1 - dx) + src[(y1 * w + x1) * c + k] * dx;
        out[(y * tw + x) * c + k] = top * (1 - dy) + bottom * dy;
      }
    }
  }
  return out;
}

/** The picture as the model's raw input (spec.shape [H, W, 1 or 3], spec.range). */
export function fitImageToInput(img: PixelImage, spec: Pick<InputSpec, 'shape' | 'range'>): FittedImage {
  const [th, tw, tc] = spec.shape;
  if (spec.shape.length !== 3 || (tc !== 1 && tc !== 3)) throw new Error(`model input shape [${spec.shape}] is not an image of 1 or 3 channels`);
  if (![1, 2, 3, 4].includes(img.channels)) throw new Error(`an image has 1 to 4 channels, not ${img.channels}`);
  if (img.data.length < img.width * img.height * img.channels) throw new Error('image pixel data is truncated');
  const c = tc as 1 | 3;
  const steps = [`read ${img.width}x${img.height}x${img.channels}`];
  const colour = img.channels >= 3;
  if (c === 1 && colour) steps.push('converted to grey (Rec. 601 luma)');
  else if (c === 3 && !colour) steps.push('converted to RGB');
  if (img.channels === 2 || img.channels === 4) steps.push('transparency composited over white');

  const box = cropBox(img.width, img.height, tw, th);
  if (box.width !== img.width || box.height !== img.height) steps.push(`centre-cropped to ${box.width}x${box.height}`);
  const f = Math.max(1, Math.floor(Math.min(box.height / th, box.width / tw)));
  const ph = Math.floor(box.height / f);
  const pw = Math.floor(box.width / f);
  if (f >= 2) steps.push(`box-averaged ${f}x${f}`);
  // Crop, channel conversion and box average in one pass: memory of the pooled image only.
  const pooled = new Float64Array(ph * pw * c);
  const px = new Float64Array(3);
  const norm = 1 / (f * f);
  for (let y = 0; y < ph; y++) {
    for (let x = 0; x < pw; x++) {
      const o = (y * pw + x) * c;
      for (let dy = 0; dy < f; dy++) {
        const row = (box.y + y * f + dy) * img.width + box.x + x * f;
        for (let dx = 0; dx < f; dx++) {
          readPixel(img, row + dx, c, px);
          for (let k = 0; k < c; k++) pooled[o + k] += px[k];
        }
      }
      for (let k = 0; k < c; k++) pooled[o + k] *= norm;
    }
  }
  let fitted: Float64Array = pooled;
  if (ph !== th || pw !== tw) {
    fitted = resizeBilinear(pooled, ph, pw, c, th, tw);
    steps.push(`resized (bilinear) to ${tw}x${th}`);
  }
  const [lo, hi] = spec.range;
  const data = new Float32Array(fitted.length);
  for (let i = 0; i < fitted.length; i++) data[i] = lo + Math.min(1, Math.max(0, fitted[i])) * (hi - lo);
  if (lo !== 0 || hi !== 1) steps.push(`scaled to the model's range [${lo}, ${hi}]`);
  return { data, steps };
}
