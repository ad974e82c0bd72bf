import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { useNodeBackend } from '../../src/platform/tf-node.ts';
import {
  DEFAULT_CENTRES,
  modulationFilters,
  modulationGrid,
  spectralBandpass,
  temporalBandpass,
  temporalSeedMagnitude,
  TEMPORAL_SEED_PEAK,
  transfer2d,
  type SpectempGeometry,
} from '../../src/models/spectemp/spectemp-filters.ts';
import { SpectempFilterbank } from '../../src/models/spectemp/spectemp-filterbank.ts';
import { channelSpacingErb, spectempGeometry, DEFAULT_SPECTEMP_PARAMS } from '../../src/models/spectemp/spectemp-model.ts';
import { validateCochleagramConfig } from '../../src/audio/cochleagram-config.ts';
import { erb } from '../../src/audio/erb.ts';

beforeAll(async () => {
  await useNodeBackend('cpu');
});

/** Deterministic pseudo-random values in [-1, 1). */
function noise(n: number, seed: number): Float64Array {
  let s = seed >>> 0;
  return Float64Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

/** Complex 1-D DFT along one axis of a row-major [rows, cols] complex array, in float64. */
function dftAxis(re: Float64Array, im: Float64Array, rows: number, cols: number, axis: 0 | 1, inverse: boolean): [Float64Array, Float64Array] {
  const n = axis === 0 ? rows : cols;
  const sign = inverse ? 1 : -1;
  const outRe = new Float64Array(re.length);
  const outIm = new Float64Array(re.length);
  const cos = Float64Array.from({ length: n }, (_, k) => Math.cos((2 * Math.PI * k) / n));
  const sin = Float64Array.from({ length: n }, (_, k) => Math.sin((2 * Math.PI * k) / n));
  const at = (line: number, i: number) => (axis === 0 ? i * cols + line : line * cols + i);
  const lines = axis === 0 ? cols : rows;
  for (let line = 0; line < lines; line++) {
    for (let k = 0; k < n; k++) {
      let sr = 0;
      let si = 0;
      for (let j = 0; j < n; j++) {
        const p = (k * j) % n;
        const c = cos[p];
        const s = sign * sin[p];
        const a = re[at(line, j)];
        const b = im[at(line, j)];
        sr += a * c - b * s;
        si += a * s + b * c;
      }
      outRe[at(line, k)] = inverse ? sr / n : sr;
      outIm[at(line, k)] = inverse ? si / n : si;
    }
  }
  return [outRe, outIm];
}

/**
 * Float64 reference of the spec's construction: zero-pad [C, T] to [Nf, Nt], full complex
 * 2-D DFT, multiply by the filter's 2-D transfer function (quadrant rule written directly),
 * inverse 2-D DFT, crop back. Returns [filters, C, T] and the largest imaginary part seen.
 */
function referenceFiltering(x: Float64Array, g: SpectempGeometry): { out: Float64Array[]; maxImag: number } {
  const grid = modulationGrid(g);
  const { nf, nt } = grid;
  const re = new Float64Array(nf * nt);
  for (let c = 0; c < g.channels; c++) for (let t = 0; t < g.frames; t++) re[c * nt + t] = x[c * g.frames + t];
  let [Xr, Xi] = dftAxis(re, new Float64Array(nf * nt), nf, nt, 0, false);
  [Xr, Xi] = dftAxis(Xr, Xi, nf, nt, 1, false);
  let maxImag = 0;
  const out = modulationFilters().map((f) => {
    const Yr = new Float64Array(nf * nt);
    const Yi = new Float64Array(nf * nt);
    for (let kf = 0; kf < nf; kf++) {
      for (let kt = 0; kt < nt; kt++) {
        const h = transfer2d(f, grid, kf, kt);
        Yr[kf * nt + kt] = h * Xr[kf * nt + kt];
        Yi[kf * nt + kt] = h * Xi[kf * nt + kt];
      }
    }
    let [yr, yi] = dftAxis(Yr, Yi, nf, nt, 0, true);
    [yr, yi] = dftAxis(yr, yi, nf, nt, 1, true);
    const crop = new Float64Array(g.channels * g.frames);
    for (let c = 0; c < g.channels; c++) {
      for (let t = 0; t < g.frames; t++) {
        crop[c * g.frames + t] = yr[c * nt + t];
        maxImag = Math.max(maxImag, Math.abs(yi[c * nt + t]));
      }
    }
    return crop;
  });
  return { out, maxImag };
}

describe('Spectemp filter definitions', () => {
  it('has 110 filters: 48 up, 48 down, 6 purely spectral, 8 purely temporal', () => {
    const f = modulationFilters();
    expect(f).toHaveLength(110);
    expect(f.filter((x) => x.kind === 'up')).toHaveLength(48);
    expect(f.filter((x) => x.kind === 'down')).toHaveLength(48);
    expect(f.filter((x) => x.kind === 'spectral').map((x) => x.scale)).toEqual([0.0625, 0.125, 0.25, 0.5, 1, 2]);
    expect(f.filter((x) => x.kind === 'temporal').map((x) => x.rate)).toEqual([0.5, 1, 2, 4, 8, 16, 32, 64]);
    f.forEach((x, i) => expect(x.index).toBe(i));
    // Every (scale, rate, direction) combination exactly once.
    const keys = new Set(f.filter((x) => x.kind === 'up' || x.kind === 'down').map((x) => `${x.kind}:${x.scale}:${x.rate}`));
    expect(keys.size).toBe(96);
  });

  it('1-D transfer functions peak (value 1) at their centres', () => {
    for (const s of DEFAULT_CENTRES.scales) {
      expect(spectralBandpass(s, s)).toBeCloseTo(1, 12);
      expect(spectralBandpass(s * 1.01, s)).toBeLessThan(1);
      expect(spectralBandpass(s * 0.99, s)).toBeLessThan(1);
      expect(spectralBandpass(0, s)).toBe(0);
    }
    for (const r of DEFAULT_CENTRES.rates) {
      expect(temporalBandpass(r, r)).toBeCloseTo(1, 12);
      expect(temporalBandpass(r * 1.01, r)).toBeLessThan(1);
      expect(temporalBandpass(r * 0.99, r)).toBeLessThan(1);
      expect(temporalBandpass(-r, r)).toBeCloseTo(1, 12);
    }
    // The t^2 exp(-3.5t) sin(2 pi t) seed: closed form of its Fourier transform vs numerical integration.
    for (const nu of [0, 0.3, 1, 1.7]) {
      let re = 0;
      let im = 0;
      const dt = 1e-4;
      for (let t = dt / 2; t < 12; t += dt) {
        const h = t * t * Math.exp(-3.5 * t) * Math.sin(2 * Math.PI * t);
        re += h * Math.cos(2 * Math.PI * nu * t) * dt;
        im -= h * Math.sin(2 * Math.PI * nu * t) * dt;
      }
      // The closed form omits the constant factor 2!/2 = 1.
      expect(temporalSeedMagnitude(nu)).toBeCloseTo(Math.hypot(re, im), 6);
    }
    expect(TEMPORAL_SEED_PEAK).toBeGreaterThan(0.9);
    expect(TEMPORAL_SEED_PEAK).toBeLessThan(1.1);
    // Nearly DC-free: the reason for the t^2 seed.
    expect(temporalSeedMagnitude(0) / temporalSeedMagnitude(TEMPORAL_SEED_PEAK)).toBeLessThan(0.02);
  });

  it('uses the cochleagram band-pass spacing in ERB as the frequency unit', () => {
    const c = validateCochleagramConfig({});
    const d = channelSpacingErb(c);
    // 205 equally spaced ERB points from erb(50) to erb(10000): 204 intervals.
    expect(d).toBeCloseTo((erb(10000) - erb(50)) / 204, 12);
    expect(d).toBeGreaterThan(0.16);
    expect(d).toBeLessThan(0.17);
    const g = spectempGeometry(DEFAULT_SPECTEMP_PARAMS);
    expect(g).toMatchObject({ channels: 211, frames: 390, frameRate: 200, freqPadding: 211, timePadding: 800 });
    const grid = modulationGrid(g);
    expect([grid.nf, grid.nt]).toEqual([422, 1190]);
    expect(grid.u[1]).toBeCloseTo(1 / (422 * d), 12);
    expect(grid.w[1]).toBeCloseTo(200 / 1190, 12);
    // Highest centres lie below the Nyquist modulation of each axis.
    expect(1 / (2 * d)).toBeGreaterThan(2);
    expect(100).toBeGreaterThan(64);
  });
});

describe('SpectempFilterbank (matMul form) vs a float64 zero-padded 2-D DFT', () => {
  it('matches pad -> DFT2 -> x H -> IDFT2 -> crop for all 110 filters on a small array', () => {
    // Small geometry: 10 channels 0.2 ERB apart (Nyquist 2.5 cycles/ERB), 16 frames at 200 Hz.
    const g: SpectempGeometry = { channels: 10, frames: 16, channelSpacingErb: 0.2, frameRate: 200, freqPadding: 10, timePadding: 24 };
    const x = noise(g.channels * g.frames, 3);
    const { out: ref, maxImag } = referenceFiltering(x, g);
    // Zero-phase transfer functions with Hermitian symmetry: the filtered signal is real.
    let scale = 0;
    for (const r of ref) for (const v of r) scale = Math.max(scale, Math.abs(v));
    expect(maxImag).toBeLessThan(1e-12 * Math.max(1, scale));
    const bank = new SpectempFilterbank(g);
    const before = tf.memory().numTensors;
    const xt = tf.tensor2d(Float32Array.from(x), [g.channels, g.frames]);
    const y = bank.apply(xt);
    expect(y.shape).toEqual([110, g.channels, g.frames]);
    const got = y.dataSync();
    tf.dispose([xt, y]);
    expect(tf.memory().numTensors).toBe(before);
    let maxErr = 0;
    let maxRef = 0;
    ref.forEach((r, k) =>
      r.forEach((v, i) => {
        maxErr = Math.max(maxErr, Math.abs(got[k * r.length + i] - v));
        maxRef = Math.max(maxRef, Math.abs(v));
      }),
    );
    expect(maxRef).toBeGreaterThan(0.05);
    expect(maxErr / maxRef).toBeLessThan(2e-6);
    bank.dispose();
  });
});

describe('drifting ripples on a cochleagram-like array', () => {
  // The paper's channel spacing, frame rate and padding ratio on a 106 x 196 block (the full
  // 211 x 390 array works too but takes ~40 s per ripple on the cpu backend).
  const paper = spectempGeometry(DEFAULT_SPECTEMP_PARAMS);
  const g: SpectempGeometry = { ...paper, channels: 106, frames: 196, freqPadding: 106, timePadding: 400 };
  let bank: SpectempFilterbank;
  beforeAll(() => {
    bank = new SpectempFilterbank(g);
  });

  /** Mean power per filter of 1 + cos(2 pi (scale * erb - dir * rate * t)) over the central region. */
  function responses(scale: number, rate: number, upward: boolean): Float32Array {
    const { channels: C, frames: T } = g;
    const x = new Float32Array(C * T);
    const dir = upward ? 1 : -1;
    for (let c = 0; c < C; c++) {
      for (let t = 0; t < T; t++) {
        x[c * T + t] = 1 + Math.cos(2 * Math.PI * (scale * c * g.channelSpacingErb - dir * rate * (t / g.frameRate)));
      }
    }
    return tf.tidy(() => {
      const y = bank.apply(tf.tensor2d(x, [C, T]));
      // Central region: away from the zero-padding edges.
      const core = tf.slice(y, [0, 25, 50], [-1, C - 50, T - 100]);
      return tf.mean(tf.square(core), [1, 2]).dataSync() as Float32Array;
    });
  }

  for (const [scale, rate, upward] of [
    [0.5, 8, true],
    [1, 16, false],
  ] as const) {
    it(`${upward ? 'upward' : 'downward'} ripple at ${scale} cycles/ERB, ${rate} Hz drives that filter most`, () => {
      const r = responses(scale, rate, upward);
      const filters = bank.filters;
      let best = 0;
      for (let k = 0; k < 96; k++) if (r[k] > r[best]) best = k;
      expect(filters[best]).toMatchObject({ kind: upward ? 'up' : 'down', scale, rate });
      // Direction selectivity: the same (scale, rate) in the other direction responds far less.
      const other = filters.find((f) => f.kind === (upward ? 'down' : 'up') && f.scale === scale && f.rate === rate)!;
      expect(r[other.index]).toBeLessThan(0.01 * r[best]);
    });
  }
});
