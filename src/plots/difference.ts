/**
 * The difference image metamer - reference, drawn with a diverging colour scale symmetric
 * about 0: blue where the metamer is below the reference, near-white where they agree, red
 * where it is above. Colours are a linear RGB blend between three ColorBrewer RdBu anchors,
 * so a CSS gradient between the same anchors is an exact legend. Colour images are reduced
 * to one signed value per pixel: the mean of the channels' differences. No DOM here.
 */

export type Rgb = readonly [number, number, number];

export const DIFF_NEGATIVE: Rgb = [33, 102, 172];
export const DIFF_ZERO: Rgb = [247, 247, 247];
export const DIFF_POSITIVE: Rgb = [178, 24, 43];

/**
 * Per-pixel signed difference (metamer - reference), averaged over channels, as a
 * height x width row-major array. Shapes are [H, W] or [H, W, C].
 */
export function differenceValues(reference: ArrayLike<number>, metamer: ArrayLike<number>,
  shape: readonly number[]): Float64Array {
  const [height, width, channels = 1] = shape;
  const n = height * width * channels;
  if (reference.length !== n || metamer.length !== n) {
    throw new Error(`difference needs two images of shape ${shape.join('x')} (${n} values); got ${reference.length} and ${metamer.length}`);
  }
  const out = new Float64Array(height * width);
  for (let p = 0; p < height * width; p++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += metamer[p * channels + c] - reference[p * channels + c];
    out[p] = sum / channels;
  }
  return out;
}

/** Largest finite |v| (0 when there is none): the half-width of the symmetric colour scale. */
export function maxAbs(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i]);
    if (a > m && a !== Infinity) m = a;
  }
  return m;
}

/**
 * Colour of v on the scale [-limit, limit] (values beyond it saturate). 0, NaN, and every
 * value when limit is 0 (identical images) map to the neutral colour.
 */
export function divergingColour(v: number, limit: number): [number, number, number] {
  if (!(limit > 0) || Number.isNaN(v)) return [DIFF_ZERO[0], DIFF_ZERO[1], DIFF_ZERO[2]];
  const t = Math.max(-1, Math.min(1, v / limit));
  const end = t > 0 ? DIFF_POSITIVE : DIFF_NEGATIVE;
  const a = Math.abs(t);
  return [0, 1, 2].map((c) => DIFF_ZERO[c] + a * (end[c] - DIFF_ZERO[c])) as [number, number, number];
}

/** RGBA bytes of a width x height grid of signed values on the scale [-limit, limit]. */
export function divergingRgba(values: ArrayLike<number>, limit: number): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(values.length * 4);
  for (let p = 0; p < values.length; p++) {
    const [r, g, b] = divergingColour(values[p], limit);
    out[p * 4] = r;
    out[p * 4 + 1] = g;
    out[p * 4 + 2] = b;
    out[p * 4 + 3] = 255;
  }
  return out;
}

export interface DifferenceImage {
  width: number;
  height: number;
  rgba: Uint8ClampedArray<ArrayBuffer>;
  /** Largest |metamer - reference| of the per-pixel values, in the model's input units. */
  maxAbs: number;
}

/** The drawn difference image, scaled so the largest |difference| reaches the scale's ends. */
export function differenceImage(reference: ArrayLike<number>, metamer: ArrayLike<number>,
  shape: readonly number[]): DifferenceImage {
  const values = differenceValues(reference, metamer, shape);
  const limit = maxAbs(values);
  return { height: shape[0], width: shape[1], rgba: divergingRgba(values, limit), maxAbs: limit };
}

/** CSS gradient for the legend; CSS blends rgb() stops linearly in sRGB, as divergingColour does. */
export function legendGradient(direction = 'to right'): string {
  const css = (c: Rgb) => `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
  return `linear-gradient(${direction}, ${css(DIFF_NEGATIVE)}, ${css(DIFF_ZERO)}, ${css(DIFF_POSITIVE)})`;
}

/** A difference magnitude for the legend: 3 significant digits, 0 as "0". */
export function formatDifference(v: number): string {
  if (v === 0) return '0';
  return Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? String(Number(v.toPrecision(3))) : v.toExponential(2);
}
