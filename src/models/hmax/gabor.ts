/**
 * The S1 Gabor filter bank of HMAX after Serre, Wolf, Bileschi, Riesenhuber & Poggio (2007),
 * "Robust object recognition with cortex-like mechanisms", Table 1. Pure numbers, no tfjs.
 *
 * G(x, y) = exp(-(X^2 + gamma^2 Y^2) / (2 sigma^2)) * cos(2 pi X / lambda),
 * X = x cos(theta) + y sin(theta),  Y = -x sin(theta) + y cos(theta),
 * with x the column offset and y the row offset (rows grow downwards) from the filter centre.
 * Orientation convention: theta is the direction of the carrier's wave vector in (column, row)
 * coordinates, so theta = 0 deg responds to vertical stripes (intensity varying along columns),
 * 90 deg to horizontal stripes, and 45 / 135 deg to diagonal stripes whose intensity varies
 * towards the lower right / lower left respectively.
 * As in Serre's code, values outside the inscribed circle (radius size/2) are zero, and every
 * filter is made zero-mean (over that disc) and unit L2 norm, so a uniform patch gives no response.
 */

/** Filter sizes 7, 9, ..., 37 (16 scales = 8 bands of two scales). */
export const SERRE_SIZES: readonly number[] = Array.from({ length: 16 }, (_, i) => 7 + 2 * i);
/** Gaussian widths per size (Serre 2007, Table 1). */
export const SERRE_SIGMAS: readonly number[] = [
  2.8, 3.6, 4.5, 5.4, 6.3, 7.3, 8.2, 9.2, 10.2, 11.3, 12.3, 13.4, 14.6, 15.8, 17.0, 18.2,
];
/** Carrier wavelengths per size (Serre 2007, Table 1). */
export const SERRE_LAMBDAS: readonly number[] = [
  3.5, 4.6, 5.6, 6.8, 7.9, 9.1, 10.3, 11.5, 12.7, 14.1, 15.4, 16.8, 18.2, 19.7, 21.2, 22.8,
];
export const GABOR_GAMMA = 0.3;
export const ORIENTATIONS_DEG: readonly number[] = [0, 45, 90, 135];

export interface GaborSpec {
  size: number;
  sigma: number;
  lambda: number;
  gamma: number;
  thetaDeg: number;
}

/** One filter as a row-major size x size array (index row * size + col), float64. */
export function gaborFilter(spec: GaborSpec): Float64Array {
  const { size, sigma, lambda, gamma } = spec;
  const theta = (spec.thetaDeg * Math.PI) / 180;
  const half = (size - 1) / 2;
  const f = new Float64Array(size * size);
  const inside = new Uint8Array(size * size);
  let sum = 0;
  let count = 0;
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      const x = c - half;
      const y = r - half;
      if (Math.hypot(x, y) > size / 2) continue;
      const X = x * Math.cos(theta) + y * Math.sin(theta);
      const Y = -x * Math.sin(theta) + y * Math.cos(theta);
      const v = Math.exp(-(X * X + gamma * gamma * Y * Y) / (2 * sigma * sigma))
        * Math.cos((2 * Math.PI * X) / lambda);
      f[r * size + c] = v;
      inside[r * size + c] = 1;
      sum += v;
      count++;
    }
  }
  const mean = sum / count;
  let sq = 0;
  for (let i = 0; i < f.length; i++) {
    if (!inside[i]) continue;
    f[i] -= mean;
    sq += f[i] * f[i];
  }
  const norm = Math.sqrt(sq);
  for (let i = 0; i < f.length; i++) f[i] = inside[i] ? f[i] / norm : 0;
  return f;
}

/** The Serre parameters of scale index s (0 = 7x7). */
export function serreSpec(scale: number, thetaDeg: number): GaborSpec {
  if (scale < 0 || scale >= SERRE_SIZES.length) throw new Error(`no Serre scale ${scale}`);
  return {
    size: SERRE_SIZES[scale],
    sigma: SERRE_SIGMAS[scale],
    lambda: SERRE_LAMBDAS[scale],
    gamma: GABOR_GAMMA,
    thetaDeg,
  };
}

/**
 * The filters of one scale laid out as a tfjs conv2d kernel [size, size, 1, orientations]
 * (float32), orientation o in output channel o.
 */
export function scaleKernel(scale: number, orientationsDeg: readonly number[] = ORIENTATIONS_DEG): {
  size: number;
  data: Float32Array;
} {
  const size = SERRE_SIZES[scale];
  const nO = orientationsDeg.length;
  const data = new Float32Array(size * size * nO);
  orientationsDeg.forEach((deg, o) => {
    const f = gaborFilter(serreSpec(scale, deg));
    for (let i = 0; i < size * size; i++) data[i * nO + o] = f[i];
  });
  return { size, data };
}
