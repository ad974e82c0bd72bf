import { describe, expect, it } from 'vitest';
import {
  gaborFilter, serreSpec, scaleKernel, ORIENTATIONS_DEG, SERRE_SIZES, SERRE_LAMBDAS,
} from '../../src/models/hmax/gabor.ts';

/** Sinusoidal grating whose intensity varies along direction thetaDeg (column, row coordinates). */
function grating(size: number, lambda: number, thetaDeg: number, phase: number): Float64Array {
  const t = (thetaDeg * Math.PI) / 180;
  const half = (size - 1) / 2;
  const g = new Float64Array(size * size);
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      const x = c - half;
      const y = r - half;
      g[r * size + c] = Math.cos((2 * Math.PI * (x * Math.cos(t) + y * Math.sin(t))) / lambda + phase);
    }
  }
  return g;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

describe('Serre 2007 Gabor bank', () => {
  it('every filter of all 16 scales x 4 orientations is zero-mean and unit-norm', () => {
    for (let s = 0; s < SERRE_SIZES.length; s++) {
      for (const deg of ORIENTATIONS_DEG) {
        const f = gaborFilter(serreSpec(s, deg));
        expect(f.length).toBe(SERRE_SIZES[s] ** 2);
        expect(Math.abs(f.reduce((a, b) => a + b, 0))).toBeLessThan(1e-12);
        expect(dot(f, f)).toBeCloseTo(1, 12);
      }
    }
  });

  it('is zero outside the inscribed circle (Serre masks the corners)', () => {
    const f = gaborFilter(serreSpec(3, 45));
    const n = SERRE_SIZES[3];
    expect(f[0]).toBe(0);
    expect(f[n - 1]).toBe(0);
    expect(f[n * n - 1]).toBe(0);
  });

  it('responds most to a grating at its own orientation (best phase), for every scale', () => {
    for (let s = 0; s < SERRE_SIZES.length; s++) {
      for (let k = 0; k < ORIENTATIONS_DEG.length; k++) {
        const filters = ORIENTATIONS_DEG.map((deg) => gaborFilter(serreSpec(s, deg)));
        // Energy over quadrature phases removes the phase dependence.
        const g0 = grating(SERRE_SIZES[s], SERRE_LAMBDAS[s], ORIENTATIONS_DEG[k], 0);
        const g1 = grating(SERRE_SIZES[s], SERRE_LAMBDAS[s], ORIENTATIONS_DEG[k], Math.PI / 2);
        const energy = filters.map((f) => dot(f, g0) ** 2 + dot(f, g1) ** 2);
        const best = energy.indexOf(Math.max(...energy));
        expect(best, `scale ${s}, grating ${ORIENTATIONS_DEG[k]} deg`).toBe(k);
        // Clearly tuned: the orthogonal orientation gets far less.
        expect(energy[(k + 2) % 4]).toBeLessThan(0.1 * energy[k]);
      }
    }
  });

  it('lays kernels out as [size, size, 1, orientation] for conv2d', () => {
    const { size, data } = scaleKernel(2);
    const f90 = gaborFilter(serreSpec(2, 90));
    for (let i = 0; i < size * size; i++) expect(data[i * 4 + 2]).toBeCloseTo(f90[i], 6);
  });
});
