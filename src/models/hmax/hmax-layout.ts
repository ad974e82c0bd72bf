/**
 * Where every HMAX unit lives. C1 and S2 have one spatial size per band, so they are exposed
 * flattened ([1, N]); this file is the single description of that layout, shared by the model,
 * the loss schedule, the build script and the tests.
 *
 * S1 [1, H, W, scales * orientations]: channel = scale * orientations + orientation
 *   (scale 0 = 7x7 filter; orientation o = ORIENTATIONS_DEG[o]).
 * C1 [1, N1]: band 0, then band 1, ...; band b is its [h_b, w_b, orientations] map flattened
 *   row-major (row, column, orientation). Band b pools scales 2b and 2b+1, pool size
 *   poolSizes[b], stride floor(poolSizes[b] / 2), 'same' padding: h_b = ceil(H / stride).
 * S2 [1, N2]: blocks in order band-major then patch size; block (b, i) is the
 *   [h_b - n_i + 1, w_b - n_i + 1, prototypesPerSize] map ('valid' positions of an n_i x n_i
 *   patch in band b) flattened row-major. A patch size larger than a band skips that block.
 * C2 [1, patchSizes.length * prototypesPerSize]: index = sizeIndex * prototypesPerSize + k.
 */

export interface HmaxParams {
  /** Number of S1 scales used, from the smallest (7x7); even, at most 16. */
  scales: number;
  orientationsDeg: number[];
  /** C1 pooling sizes per band (scales / 2 entries); stride is half of each. */
  poolSizes: number[];
  /** Divide |conv| by the local input norm sqrt(sum x^2 over the filter window), as in Serre's code. */
  s1Normalize: boolean;
  /** Added under that square root (units: intensity^2), keeps flat black regions finite. */
  s1NormEpsilon: number;
  /** S2 patch sizes in C1 units (n x n x orientations). */
  patchSizes: number[];
  prototypesPerSize: number;
  /** S2 tuning exp(-d2 / (2 sigma^2 alpha_n)), alpha_n = (n / 4)^2 (Serre's patch-size scaling). */
  s2Sigma: number;
  /** Float32 prototype file, relative to the model directory (layout in prototypeOffset()). */
  prototypes: string;
  /** Grey natural photos (PNG) for prototypes and null stimuli, relative to the model directory. */
  natural: string[];
}

export interface C1Band {
  band: number;
  poolSize: number;
  stride: number;
  h: number;
  w: number;
  offset: number;
  length: number;
}

export interface S2Block {
  band: number;
  sizeIndex: number;
  patchSize: number;
  h: number;
  w: number;
  offset: number;
  length: number;
}

export interface HmaxLayout {
  height: number;
  width: number;
  orientations: number;
  s1Channels: number;
  c1Bands: C1Band[];
  c1Length: number;
  s2Blocks: S2Block[];
  s2Length: number;
  c2Length: number;
}

export function hmaxLayout(params: HmaxParams, height: number, width: number): HmaxLayout {
  const orientations = params.orientationsDeg.length;
  if (params.scales % 2 !== 0) throw new Error(`HMAX needs an even number of scales, got ${params.scales}`);
  const nBands = params.scales / 2;
  if (params.poolSizes.length !== nBands) {
    throw new Error(`HMAX: ${nBands} bands but ${params.poolSizes.length} pool sizes`);
  }
  const c1Bands: C1Band[] = [];
  let offset = 0;
  for (let b = 0; b < nBands; b++) {
    const poolSize = params.poolSizes[b];
    const stride = Math.max(1, Math.floor(poolSize / 2));
    const h = Math.ceil(height / stride);
    const w = Math.ceil(width / stride);
    const length = h * w * orientations;
    c1Bands.push({ band: b, poolSize, stride, h, w, offset, length });
    offset += length;
  }
  const c1Length = offset;
  const s2Blocks: S2Block[] = [];
  offset = 0;
  for (const band of c1Bands) {
    params.patchSizes.forEach((n, sizeIndex) => {
      if (band.h < n || band.w < n) return;
      const h = band.h - n + 1;
      const w = band.w - n + 1;
      const length = h * w * params.prototypesPerSize;
      s2Blocks.push({ band: band.band, sizeIndex, patchSize: n, h, w, offset, length });
      offset += length;
    });
  }
  return {
    height,
    width,
    orientations,
    s1Channels: params.scales * orientations,
    c1Bands,
    c1Length,
    s2Blocks,
    s2Length: offset,
    c2Length: params.patchSizes.length * params.prototypesPerSize,
  };
}

/**
 * Prototype file layout: for each patch size n_i in order, prototypesPerSize patches, each
 * [n_i, n_i, orientations] row-major (row, column, orientation), float32.
 */
export function prototypeOffset(params: HmaxParams, sizeIndex: number, k = 0): number {
  const o = params.orientationsDeg.length;
  let off = 0;
  for (let i = 0; i < sizeIndex; i++) off += params.prototypesPerSize * params.patchSizes[i] ** 2 * o;
  return k === 0 ? off : off + k * params.patchSizes[sizeIndex] ** 2 * o;
}

export function prototypeCount(params: HmaxParams): number {
  return prototypeOffset(params, params.patchSizes.length);
}
