import { describe, expect, it } from 'vitest';
import { resample, resampledLength, resampleRange } from '../../src/audio/resample.ts';

const TWO_PI = 2 * Math.PI;

function tone(freq: number, rate: number, n: number, amp = 0.7, phase = 0.4): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => amp * Math.sin((TWO_PI * freq * i) / rate + phase));
}

/** Samples this far from either end are free of edge effects (the kernel spans 64 samples of the lower rate). */
const EDGE = 80;

/** Largest |y[m] - amp sin(2 pi f m / to + phase)| away from the edges: the analytic sine at the new rate. */
function worstAgainstSine(y: Float32Array, freq: number, fromRate: number, toRate: number, amp = 0.7, phase = 0.4): number {
  const edge = Math.ceil((EDGE * toRate) / Math.min(fromRate, toRate)); // EDGE samples of the lower rate
  let worst = 0;
  for (let m = edge; m < y.length - edge; m++) {
    worst = Math.max(worst, Math.abs(y[m] - amp * Math.sin((TWO_PI * freq * m) / toRate + phase)));
  }
  return worst;
}

function rmsAwayFromEdges(y: Float32Array, edge: number): number {
  let s = 0;
  for (let m = edge; m < y.length - edge; m++) s += y[m] * y[m];
  return Math.sqrt(s / (y.length - 2 * edge));
}

describe('resample', () => {
  it('is an exact copy when the rates are equal', () => {
    const x = tone(440, 20000, 1001);
    const y = resample(x, 20000, 20000);
    expect(y).not.toBe(x);
    expect(y).toEqual(x);
    expect(resampleRange(x, 20000, 20000, -2, 5)).toEqual(Float32Array.of(0, 0, x[0], x[1], x[2]));
  });

  it('has round(n * to / from) samples', () => {
    for (const [n, from, to] of [
      [44100, 44100, 20000],
      [1001, 44100, 20000],
      [999, 8000, 20000],
      [7, 48000, 20000],
      [12345, 22050.5, 20000],
      [1, 16000, 20000],
      [0, 44100, 20000],
    ]) {
      expect(resample(new Float32Array(n), from, to).length).toBe(Math.round((n * to) / from));
      expect(resampledLength(n, from, to)).toBe(Math.round((n * to) / from));
    }
  });

  // Tones inside the pass band (below ~91% of the lower Nyquist) keep frequency, amplitude and
  // phase: compare with the analytic sine evaluated at the new rate.
  const passBand: Array<[number, number, number]> = [
    [44100, 20000, 1000],
    [44100, 20000, 8500],
    [48000, 20000, 3333],
    [16000, 20000, 7000],
    [8000, 20000, 3000], // upsampling: the tone is below 91% of 4 kHz
    [22050.5, 20000, 5000], // non-integer rate: taps computed on the fly
    [44101, 20000, 2000], // co-prime rates: 20000 phases, too many to tabulate
  ];
  for (const [from, to, f] of passBand) {
    it(`${from} -> ${to} Hz keeps a ${f} Hz tone (max error < 1e-3 of full scale)`, () => {
      const x = tone(f, from, Math.round(from * 0.25));
      const y = resample(x, from, to);
      expect(worstAgainstSine(y, f, from, to)).toBeLessThan(1e-3);
    });
  }

  it('has unit gain at DC (a constant stays constant away from the edges)', () => {
    const y = resample(new Float32Array(8820).fill(0.5), 44100, 20000);
    for (let m = EDGE; m < y.length - EDGE; m++) expect(Math.abs(y[m] - 0.5)).toBeLessThan(1e-4);
  });

  for (const [from, f] of [
    [44100, 12000],
    [44100, 10100],
    [48000, 15000],
    [48000, 23000],
  ]) {
    it(`a ${f} Hz tone at ${from} Hz, above the new 10 kHz Nyquist, is attenuated > 40 dB`, () => {
      const x = tone(f, from, Math.round(from * 0.25));
      const y = resample(x, from, 20000);
      const inRms = 0.7 / Math.SQRT2;
      const db = 20 * Math.log10(rmsAwayFromEdges(y, EDGE) / inRms);
      expect(db).toBeLessThan(-40);
    });
  }

  it('upsampling puts no images above the old Nyquist (an 8 kHz -> 20 kHz tone has one frequency)', () => {
    const from = 8000;
    const f = 1000;
    const y = resample(tone(f, from, 4000), from, 20000);
    // Project the interior on the image frequency 8000 - 1000 = 7000 Hz: it must be ~0.
    let re = 0;
    let im = 0;
    let count = 0;
    for (let m = 200; m < y.length - 200; m++, count++) {
      re += y[m] * Math.cos((TWO_PI * 7000 * m) / 20000);
      im += y[m] * Math.sin((TWO_PI * 7000 * m) / 20000);
    }
    const imageAmp = (2 * Math.hypot(re, im)) / count;
    expect(imageAmp).toBeLessThan(0.7 * 1e-3);
  });

  it('resampleRange gives exactly the matching slice of resample, also past either end', () => {
    const x = Float32Array.from({ length: 3000 }, (_, i) => Math.sin(i * 0.37) * Math.cos(i * 0.011));
    for (const [from, to] of [
      [44100, 20000],
      [8000, 20000],
      [22050.5, 20000],
    ]) {
      const full = resample(x, from, to);
      for (const [start, count] of [
        [0, full.length],
        [137, 500],
        [full.length - 40, 100],
        [-30, 60],
      ]) {
        const part = resampleRange(x, from, to, start, count);
        const want = Float32Array.from({ length: count }, (_, i) => (start + i >= 0 && start + i < full.length ? full[start + i] : NaN));
        for (let i = 0; i < count; i++) {
          if (Number.isNaN(want[i])) continue; // beyond the nominal length the kernel's tail may still reach the signal
          expect(part[i]).toBe(want[i]);
        }
      }
    }
  });

  it('refuses invalid rates', () => {
    expect(() => resample(new Float32Array(4), 0, 20000)).toThrow(/fromRate/);
    expect(() => resample(new Float32Array(4), 44100, NaN)).toThrow(/toRate/);
    expect(() => resampleRange(new Float32Array(4), 44100, 20000, 0.5, 2)).toThrow(/range/);
  });
});
