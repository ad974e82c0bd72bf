import { describe, expect, it } from 'vitest';
import { minMaxColumns, peakAmplitude, waveformPath, waveformScales, plotColumns } from '../../src/plots/waveform.ts';
import { Rng } from '../../src/engine/random.ts';
import type { PlotBox } from '../../src/plots/loss-scale.ts';

/**
 * Naive reference, sample by sample: column c holds samples floor(c n / C) <= i < floor((c + 1) n / C),
 * i.e. sample i belongs to the largest c with c n / C < i + 1: c = ceil((i + 1) C / n) - 1.
 */
function naiveColumns(x: Float32Array, columns: number): { min: number[]; max: number[] } {
  const min = new Array<number>(columns).fill(Infinity);
  const max = new Array<number>(columns).fill(-Infinity);
  for (let i = 0; i < x.length; i++) {
    const c = Math.ceil(((i + 1) * columns) / x.length) - 1;
    min[c] = Math.min(min[c], x[i]);
    max[c] = Math.max(max[c], x[i]);
  }
  return { min, max };
}

describe('waveform min/max decimation', () => {
  const rng = new Rng(7);
  const x = Float32Array.from(rng.normalArray(40000, 0, 0.1));

  for (const columns of [1, 7, 292, 333, 1000]) {
    it(`matches a per-sample loop for 40000 samples in ${columns} columns`, () => {
      const env = minMaxColumns(x, columns);
      const ref = naiveColumns(x, columns);
      expect(env.min.length).toBe(columns);
      expect(Array.from(env.min)).toEqual(ref.min.map((v) => Math.fround(v)));
      expect(Array.from(env.max)).toEqual(ref.max.map((v) => Math.fround(v)));
    });
  }

  it('keeps every peak: the extremes of the envelope are the extremes of the clip', () => {
    const spiky = new Float32Array(40000);
    spiky[12345] = 0.9;
    spiky[30001] = -0.7;
    const env = minMaxColumns(spiky, 300);
    expect(Math.max(...env.max)).toBeCloseTo(0.9, 6);
    expect(Math.min(...env.min)).toBeCloseTo(-0.7, 6);
    expect(env.max[Math.floor((12345 * 300) / 40000)]).toBeCloseTo(0.9, 6);
  });

  it('gives each column a sample when there are more columns than samples', () => {
    const short = Float32Array.from([1, -2, 3]);
    const env = minMaxColumns(short, 6);
    expect(Array.from(env.max)).toEqual([1, 1, -2, -2, 3, 3]);
    expect(Array.from(env.min)).toEqual(Array.from(env.max));
    expect(minMaxColumns(new Float32Array(0), 10).min.length).toBe(0);
  });
});

describe('waveform scales and path', () => {
  const box: PlotBox = { width: 340, height: 110, margin: { top: 6, right: 8, bottom: 22, left: 40 } };

  it('maps 0 and the duration (s) to the plot edges and +-peak to top and bottom', () => {
    const { x, y } = waveformScales(40000, 20000, 0.5, box);
    expect(x(0)).toBe(40);
    expect(x(2)).toBe(332);
    expect(y(0.5)).toBe(6);
    expect(y(-0.5)).toBe(88);
    expect(y(0)).toBe(47);
  });

  it('draws one envelope point per pixel column, twice (top then bottom)', () => {
    const x = Float32Array.from({ length: 40000 }, (_, i) => Math.sin(i / 10) * 0.25);
    expect(peakAmplitude(x)).toBeCloseTo(0.25, 4);
    const d = waveformPath(x, 20000, box);
    const points = d.match(/[ML]/g)?.length ?? 0;
    expect(points).toBe(2 * plotColumns(box));
    expect(waveformPath(new Float32Array(0), 20000, box)).toBe('');
  });
});
