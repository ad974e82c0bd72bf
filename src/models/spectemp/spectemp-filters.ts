/**
 * The Spectemp spectro-temporal modulation filters (after Chi, Ru & Shamma 2005), defined by
 * their transfer functions in the 2-D modulation (Fourier) domain of the cochleagram, and the
 * exact real matrices that apply them. Pure float64 maths, no tfjs.
 *
 * Axes and units
 * - Frequency axis: cochleagram channels, treated as uniformly spaced at `channelSpacingErb`
 *   ERB-number units (the band-pass spacing d = (erb(high) - erb(low)) / (bandPassCount + 1);
 *   0.1636 ERB for the paper's cochleagram, i.e. 6.11 channels per ERB). Zero padded to
 *   Nf = channels + freqPadding (211 + 211 = 422) points. DFT bin k (signed k' in
 *   (-Nf/2, Nf/2]) is the spectral modulation u = k' / (Nf * spacing) cycles/ERB.
 * - Time axis: frames at `frameRate` Hz (200), zero padded to Nt = frames + timePadding
 *   (390 + 800 = 1190). Bin k is the temporal modulation w = k' * frameRate / Nt Hz.
 *
 * Transfer functions (all real, zero phase, peak 1 at the centre)
 * - Spectral band-pass at scale W (cycles/ERB), the Fourier transform of the Mexican-hat seed
 *   h_s(x) = (1 - x^2) exp(-x^2 / 2) dilated to peak at W (Chi et al.; NSL toolbox gen_corf):
 *     S_W(u) = (u/W)^2 exp(1 - (u/W)^2).
 * - Temporal band-pass at rate R (Hz): the magnitude of the Fourier transform of the gammatone-
 *   like seed h_t(t) = t^2 exp(-3.5 t) sin(2 pi t) (Chi et al. 2005; NSL gen_cort), in closed
 *   form |FT| = |(a + i(v - b))^-3 - (a + i(v + b))^-3| (a = 3.5, b = 2 pi, v = 2 pi f), with its
 *   frequency axis scaled so that the peak falls exactly at R:
 *     T_R(w) = M(nu* |w| / R) / M(nu*),   nu* = argmax M (about 1.05).
 *   The t^2 seed (rather than t^1) is what makes the DC response almost zero (3a^2 ~ b^2).
 *   Using the magnitude (zero phase) makes every filter's impulse response real and symmetric.
 * - Directional filters (96 = 6 scales x 8 rates x {up, down}): H = S_W(u) T_R(w) restricted to
 *   one pair of opposite quadrants. With the DFT convention X(u,w) = sum x e^{-2 pi i (u f + w t)},
 *   a ripple cos(2 pi (W f - R t)) (crests moving UP in frequency over time) lives at
 *   u * w < 0, so  up: u w < 0,  down: u w > 0;  bins on an axis (u = 0 or w = 0, and the
 *   Nyquist bins, where the sign is ambiguous) get weight 1/2 in both, so up + down = S T.
 *   Equivalently H_up = (S T - S~ T~)/2, H_down = (S T + S~ T~)/2 with S~ = sgn(u) S, T~ = sgn(w) T.
 * - Purely spectral filters (6): S_W(u) L_t(w), L_t the low-pass version of the lowest rate
 *   filter (1 for |w| <= 0.5 Hz, T_0.5(w) above). Rate 0 for the schedule.
 * - Purely temporal filters (8): L_s(u) T_R(w), L_s = 1 for |u| <= 0.0625 cycles/ERB,
 *   S_0.0625(u) above. Scale 0 for the schedule.
 *
 * Application (exact, no approximation): zero-pad -> 2-D DFT -> multiply by H -> inverse DFT ->
 * crop is a linear map; for a separable term S(u) T(w) it factorises into P X Q^T with
 *   P[i, j] = (1/Nf) sum_k S_k e^{2 pi i k (i - j) / Nf}   (channels x channels, Toeplitz)
 *   Q[i, j] = (1/Nt) sum_k T_k e^{2 pi i k (i - j) / Nt}   (frames x frames, Toeplitz),
 * i.e. the DFT matrices with the transfer function multiplied in and the pad/crop folded in.
 * For even (real symmetric) S these are real; for the odd S~ they are i times a real matrix A, so
 *   y_up = (P X Q^T + A_f X A_t^T) / 2,   y_down = (P X Q^T - A_f X A_t^T) / 2   (real).
 * Because the padding (Nf >= 2 channels, Nt >= frames + kernel support) exceeds the data
 * length, i - j never wraps: this is exactly the zero-padded circular filtering.
 */

export const SPECTRAL_CENTRES = [0.0625, 0.125, 0.25, 0.5, 1, 2] as const;
export const TEMPORAL_CENTRES = [0.5, 1, 2, 4, 8, 16, 32, 64] as const;
/** Coarse-to-fine loss schedule cutoffs (spec section 2): set n uses index n. */
export const SCHEDULE_TEMPORAL_CUTOFFS = [0, 0.5, 1, 2, 4, 8, 16] as const;
export const SCHEDULE_SPECTRAL_CUTOFFS = [0, 0.0625, 0.125, 0.25, 0.5, 1, 2] as const;

export type FilterKind = 'up' | 'down' | 'spectral' | 'temporal';

export interface ModulationFilter {
  index: number;
  kind: FilterKind;
  /** Spectral modulation centre in cycles/ERB (0 for purely temporal filters). */
  scale: number;
  /** Temporal modulation centre in Hz (0 for purely spectral filters). */
  rate: number;
  /** Index into the scale / rate lists (-1 where not applicable). */
  scaleIndex: number;
  rateIndex: number;
}

export interface SpectempGeometry {
  channels: number;
  frames: number;
  /** Spacing of the cochleagram channels in ERB-number units. */
  channelSpacingErb: number;
  /** Cochleagram frame rate in Hz. */
  frameRate: number;
  /** Zeros appended along frequency (paper: 211) and time (paper: 800). */
  freqPadding: number;
  timePadding: number;
}

export interface FilterCentres {
  scales: readonly number[];
  rates: readonly number[];
}

export const DEFAULT_CENTRES: FilterCentres = { scales: SPECTRAL_CENTRES, rates: TEMPORAL_CENTRES };

/**
 * Filter order: the 48 upward filters (scaleIndex * rates + rateIndex), then the 48 downward
 * ones in the same order, then the purely spectral filters (one per scale), then the purely
 * temporal ones (one per rate): index = d * S * R + s * R + r for directional filters.
 */
export function modulationFilters(c: FilterCentres = DEFAULT_CENTRES): ModulationFilter[] {
  const out: ModulationFilter[] = [];
  for (const kind of ['up', 'down'] as const) {
    c.scales.forEach((scale, si) =>
      c.rates.forEach((rate, ri) => out.push({ index: out.length, kind, scale, rate, scaleIndex: si, rateIndex: ri })),
    );
  }
  c.scales.forEach((scale, si) => out.push({ index: out.length, kind: 'spectral', scale, rate: 0, scaleIndex: si, rateIndex: -1 }));
  c.rates.forEach((rate, ri) => out.push({ index: out.length, kind: 'temporal', scale: 0, rate, scaleIndex: -1, rateIndex: ri }));
  return out;
}

/** Spec rule: filter in set n iff rate <= temporalCutoffs[n] OR scale <= spectralCutoffs[n]. */
export function inScheduleSet(f: ModulationFilter, n: number): boolean {
  return f.rate <= SCHEDULE_TEMPORAL_CUTOFFS[n] || f.scale <= SCHEDULE_SPECTRAL_CUTOFFS[n];
}

// ---------------------------------------------------------------------------------------
// 1-D transfer functions

/** S_W(u) = (u/W)^2 exp(1 - (u/W)^2): even, peak 1 at |u| = W. */
export function spectralBandpass(u: number, scale: number): number {
  const r2 = (u / scale) ** 2;
  return r2 * Math.exp(1 - r2);
}

const SEED_A = 3.5;
const SEED_B = 2 * Math.PI;

/** |Fourier transform| of t^2 exp(-3.5 t) sin(2 pi t) u(t) at frequency nu (cycles per unit t), up to a constant. */
export function temporalSeedMagnitude(nu: number): number {
  const v = 2 * Math.PI * nu;
  // z^-3 for z = a + i y: |z|^-6 * conj(z)^3; compute both terms as complex numbers.
  const inv3 = (y: number): [number, number] => {
    const m2 = SEED_A * SEED_A + y * y;
    // conj(z) = a - i y; conj(z)^3
    const re = SEED_A ** 3 - 3 * SEED_A * y * y;
    const im = -(3 * SEED_A * SEED_A * y - y ** 3);
    const s = 1 / (m2 * m2 * m2);
    return [re * s, im * s];
  };
  const [r1, i1] = inv3(v - SEED_B);
  const [r2, i2] = inv3(v + SEED_B);
  return Math.hypot(r1 - r2, i1 - i2);
}

/** nu* = argmax of temporalSeedMagnitude, by a dense search refined with golden sections. */
export const TEMPORAL_SEED_PEAK: number = (() => {
  let best = 0;
  let bestV = -1;
  for (let nu = 0.01; nu < 4; nu += 0.001) {
    const v = temporalSeedMagnitude(nu);
    if (v > bestV) [best, bestV] = [nu, v];
  }
  let lo = best - 0.001;
  let hi = best + 0.001;
  const g = (Math.sqrt(5) - 1) / 2;
  for (let i = 0; i < 60; i++) {
    const a = hi - g * (hi - lo);
    const b = lo + g * (hi - lo);
    if (temporalSeedMagnitude(a) > temporalSeedMagnitude(b)) hi = b;
    else lo = a;
  }
  return (lo + hi) / 2;
})();
const TEMPORAL_SEED_MAX = temporalSeedMagnitude(TEMPORAL_SEED_PEAK);

/** T_R(w): even, zero phase, peak 1 at |w| = R. */
export function temporalBandpass(w: number, rate: number): number {
  return temporalSeedMagnitude((TEMPORAL_SEED_PEAK * Math.abs(w)) / rate) / TEMPORAL_SEED_MAX;
}

/** Low-pass companions: 1 up to the lowest centre, the band-pass shape above it. */
export function spectralLowpass(u: number, lowestScale: number): number {
  return Math.abs(u) <= lowestScale ? 1 : spectralBandpass(u, lowestScale);
}
export function temporalLowpass(w: number, lowestRate: number): number {
  return Math.abs(w) <= lowestRate ? 1 : temporalBandpass(w, lowestRate);
}

// ---------------------------------------------------------------------------------------
// Grids and 2-D transfer functions

/** Signed DFT index of bin k of an n-point DFT: k for k <= n/2, k - n above. */
export function signedBin(k: number, n: number): number {
  return k <= n / 2 ? k : k - n;
}

/** Sign used for quadrant selection: 0 at DC and at the Nyquist bin of an even-length DFT. */
export function binSign(k: number, n: number): number {
  if (k === 0 || 2 * k === n) return 0;
  return k < n / 2 ? 1 : -1;
}

export interface ModulationGrid {
  nf: number;
  nt: number;
  /** Spectral modulation of each frequency-axis bin, cycles/ERB (signed). */
  u: Float64Array;
  /** Temporal modulation of each time-axis bin, Hz (signed). */
  w: Float64Array;
}

export function modulationGrid(g: SpectempGeometry): ModulationGrid {
  const nf = g.channels + g.freqPadding;
  const nt = g.frames + g.timePadding;
  const u = Float64Array.from({ length: nf }, (_, k) => signedBin(k, nf) / (nf * g.channelSpacingErb));
  const w = Float64Array.from({ length: nt }, (_, k) => (signedBin(k, nt) * g.frameRate) / nt);
  return { nf, nt, u, w };
}

/**
 * The filter's 2-D transfer function at DFT bin (kf, kt), written directly from the quadrant
 * rule (used by tests as the independent definition; the model uses the factorised form).
 */
export function transfer2d(f: ModulationFilter, grid: ModulationGrid, kf: number, kt: number, c: FilterCentres = DEFAULT_CENTRES): number {
  const u = grid.u[kf];
  const w = grid.w[kt];
  switch (f.kind) {
    case 'spectral':
      return spectralBandpass(u, f.scale) * temporalLowpass(w, c.rates[0]);
    case 'temporal':
      return spectralLowpass(u, c.scales[0]) * temporalBandpass(w, f.rate);
    default: {
      const st = spectralBandpass(u, f.scale) * temporalBandpass(w, f.rate);
      const q = binSign(kf, grid.nf) * binSign(kt, grid.nt);
      if (q === 0) return st / 2;
      const up = q < 0;
      return (f.kind === 'up') === up ? st : 0;
    }
  }
}

// ---------------------------------------------------------------------------------------
// Factorised operators

/**
 * Toeplitz operator [n x n] (row-major, float64) of crop o IDFT o diag(H) o DFT o pad along one
 * axis of length n padded to N, for a transfer function H given at the N bins. `odd`: H is odd
 * (H_k = -H_{N-k}) and the operator is i times the returned real matrix; otherwise H is even and
 * the operator is the returned real matrix.
 */
export function axisOperator(h: Float64Array, n: number, odd: boolean): Float64Array {
  const N = h.length;
  if (N < 2 * n - 1) throw new Error(`padding too small: ${N} DFT points for ${n} samples would wrap around`);
  const kernel = new Float64Array(2 * n - 1); // kernel[m + n - 1] = K(m), m = -(n-1)..n-1
  for (let m = -(n - 1); m <= n - 1; m++) {
    let s = 0;
    for (let k = 0; k < N; k++) {
      const phase = (2 * Math.PI * ((k * m) % N + N)) / N;
      s += h[k] * (odd ? Math.sin(phase) : Math.cos(phase));
    }
    kernel[m + n - 1] = s / N;
  }
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = kernel[i - j + n - 1];
  return out;
}

export interface FactorisedFilterbank {
  filters: ModulationFilter[];
  /** [scales + 1] even spectral operators (band-pass per scale, then the low-pass), each channels^2. */
  spectralEven: Float64Array[];
  /** [scales] odd spectral operators (sgn(u) S_W). */
  spectralOdd: Float64Array[];
  /** [rates + 1] even temporal operators (band-pass per rate, then the low-pass), each frames^2. */
  temporalEven: Float64Array[];
  /** [rates] odd temporal operators (sgn(w) T_R). */
  temporalOdd: Float64Array[];
}

/** Every operator the model multiplies by, in float64. */
export function factorisedFilterbank(g: SpectempGeometry, c: FilterCentres = DEFAULT_CENTRES): FactorisedFilterbank {
  const grid = modulationGrid(g);
  const along = (n: number, N: number, fn: (k: number) => number, odd: boolean) =>
    axisOperator(Float64Array.from({ length: N }, (_, k) => fn(k)), n, odd);
  const spectralEven = c.scales.map((s) => along(g.channels, grid.nf, (k) => spectralBandpass(grid.u[k], s), false));
  spectralEven.push(along(g.channels, grid.nf, (k) => spectralLowpass(grid.u[k], c.scales[0]), false));
  const spectralOdd = c.scales.map((s) =>
    along(g.channels, grid.nf, (k) => binSign(k, grid.nf) * spectralBandpass(grid.u[k], s), true),
  );
  const temporalEven = c.rates.map((r) => along(g.frames, grid.nt, (k) => temporalBandpass(grid.w[k], r), false));
  temporalEven.push(along(g.frames, grid.nt, (k) => temporalLowpass(grid.w[k], c.rates[0]), false));
  const temporalOdd = c.rates.map((r) =>
    along(g.frames, grid.nt, (k) => binSign(k, grid.nt) * temporalBandpass(grid.w[k], r), true),
  );
  return { filters: modulationFilters(c), spectralEven, spectralOdd, temporalEven, temporalOdd };
}
