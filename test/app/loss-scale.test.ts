import { describe, expect, it } from 'vitest';
import { decimate, logLossDomain, lossPath, lossScales, stepDomain, LOSS_FLOOR, type LossPoint } from '../../src/plots/loss-scale.ts';

const box = { width: 500, height: 200, margin: { top: 10, right: 10, bottom: 20, left: 40 } };

describe('logLossDomain', () => {
  it('widens to whole decades around the finite losses', () => {
    expect(logLossDomain([0.37, 0.0042, 0.05])).toEqual([0.001, 1]);
    expect(logLossDomain([3, 250])).toEqual([1, 1000]);
  });

  it('gives a one-decade domain when every loss is an exact power of ten', () => {
    expect(logLossDomain([0.01, 0.01])).toEqual([0.01, 0.1]);
  });

  it('ignores NaN and infinities and clamps zero to the floor', () => {
    expect(logLossDomain([NaN, Infinity, 0.5, -Infinity])).toEqual([0.1, 1]);
    const [lo, hi] = logLossDomain([0, 0.5]);
    expect(lo).toBeCloseTo(LOSS_FLOOR, 20);
    expect(hi).toBe(1);
  });

  it('has a default for an empty history', () => {
    expect(logLossDomain([])).toEqual([0.1, 1]);
  });
});

describe('stepDomain', () => {
  it('spans the whole planned run, or further if the run went past it', () => {
    expect(stepDomain([], 100)).toEqual([0, 100]);
    expect(stepDomain([{ step: 149, loss: 1 }], 100)).toEqual([0, 150]);
    expect(stepDomain([], 0)).toEqual([0, 1]);
  });
});

describe('lossScales', () => {
  const points: LossPoint[] = [0, 1, 2, 3].map((s) => ({ step: s, loss: 10 ** -s }));

  it('maps decades to equal pixel distances (log axis) and steps linearly', () => {
    const { x, y } = lossScales(points, 10, box);
    // Domain [1e-3, 1] over [180, 10]: each decade is 170 / 3 pixels.
    const decade = (200 - 20 - 10) / 3;
    expect(y(1)).toBeCloseTo(10, 9);
    expect(y(0.1)).toBeCloseTo(10 + decade, 9);
    expect(y(0.001)).toBeCloseTo(180, 9);
    // y(sqrt(10) * 0.01) sits half-way between 0.01 and 0.1 on a log axis.
    expect(y(Math.sqrt(10) * 0.01)).toBeCloseTo(10 + 1.5 * decade, 9);
    expect(x(0)).toBe(40);
    expect(x(10)).toBe(490);
    expect(x(5)).toBe(265);
  });

  it('draws a path through every point of a short history', () => {
    const scales = lossScales(points, 10, box);
    const d = lossPath(points, scales);
    const coords = d.slice(1).split('L').map((pair) => pair.split(',').map(Number));
    expect(coords).toHaveLength(4);
    for (let i = 0; i < 4; i++) {
      expect(coords[i][0]).toBeCloseTo(40 + 45 * i, 2); // d3.line writes 3 decimals
      expect(coords[i][1]).toBeCloseTo(10 + ((200 - 30) / 3) * i, 2);
    }
    expect(lossPath([], scales)).toBe('');
  });
});

describe('decimate', () => {
  // A noisy decaying curve with spikes: its envelope is what the plot must keep.
  const curve: LossPoint[] = Array.from({ length: 10_000 }, (_, i) => ({
    step: i,
    loss: Math.exp(-i / 2000) * (1 + 0.3 * Math.sin(i * 1.7)) + (i % 997 === 0 ? 5 : 0),
  }));

  it('returns short inputs unchanged', () => {
    expect(decimate(curve.slice(0, 50), 100)).toEqual(curve.slice(0, 50));
  });

  it('keeps at most maxPoints (+ endpoints), in step order, with the extremes of every bucket', () => {
    const out = decimate(curve, 400);
    expect(out.length).toBeLessThanOrEqual(402);
    expect(out[0]).toBe(curve[0]);
    expect(out[out.length - 1]).toBe(curve[curve.length - 1]);
    for (let i = 1; i < out.length; i++) expect(out[i].step).toBeGreaterThan(out[i - 1].step);
    // Brute-force reference: every spike (a local bucket maximum) survives.
    for (let i = 0; i < curve.length; i += 997) expect(out).toContain(curve[i]);
    // The global minimum and maximum survive.
    const min = curve.reduce((a, b) => (b.loss < a.loss ? b : a));
    const max = curve.reduce((a, b) => (b.loss > a.loss ? b : a));
    expect(out).toContain(min);
    expect(out).toContain(max);
  });
});
