import { describe, expect, it } from 'vitest';
import { ClipError, mixToMono, prepareClip } from '../../src/audio/clip.ts';
import { resample } from '../../src/audio/resample.ts';
import { AudioDecodeError } from '../../src/audio/wav.ts';

/** A deterministic, non-trivial test signal with a DC offset (so that mean removal matters). */
function signal(n: number, rate: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => {
    const t = i / rate;
    return 0.05 + 0.3 * Math.sin(2 * Math.PI * 220 * t) + 0.2 * Math.sin(2 * Math.PI * 1234.5 * t + 1) * Math.sin(2 * Math.PI * 3 * t);
  });
}

function mean(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return s / x.length;
}

function rms(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return Math.sqrt(s / x.length);
}

/** The spec's recipe in float64 on an already chosen window: remove mean, scale to RMS 0.1, clamp. */
function reference(window: ArrayLike<number>): Float64Array {
  const m = mean(window);
  const centred = Float64Array.from(window, (v) => v - m);
  const g = 0.1 / rms(centred);
  return centred.map((v) => Math.max(-1, Math.min(1, v * g)));
}

function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, tol: number): void {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  expect(worst).toBeLessThan(tol);
}

function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

describe('mixToMono', () => {
  it('averages the channels', () => {
    const m = mixToMono([Float32Array.of(1, 0.5, -1), Float32Array.of(0, 0.5, 1), Float32Array.of(0.5, -1, 0.25)]);
    expectClose(m, [0.5, 0, 0.25 / 3], 1e-7);
  });
  it('returns a copy of a single channel', () => {
    const c = Float32Array.of(1, 2);
    const m = mixToMono([c]);
    expect(m).toEqual(c);
    expect(m).not.toBe(c);
  });
  it('refuses no channels and unequal lengths', () => {
    expect(() => mixToMono([])).toThrow(AudioDecodeError);
    expect(() => mixToMono([new Float32Array(2), new Float32Array(3)])).toThrow(/different lengths/);
  });
});

describe('prepareClip', () => {
  it('centres the 2-s window of a 3-s clip at 20 kHz; mean 0, RMS exactly 0.1', () => {
    const x = signal(60000, 20000);
    const { samples, info } = prepareClip(x, 20000);
    expect(samples.length).toBe(40000);
    expect(info.windowStartS).toBe(0.5);
    expect(info).toMatchObject({ windowDurationS: 2, originalDurationS: 3, originalRate: 20000, resampled: false, padded: false, padBefore: 0, padAfter: 0, clampedSamples: 0 });
    expect(info.offsetRangeS).toEqual([0, 1]);
    expect(Math.abs(mean(samples))).toBeLessThan(1e-8);
    expect(Math.abs(rms(samples) - 0.1)).toBeLessThan(1e-8);
    expectClose(samples, reference(x.subarray(10000, 50000)), 1e-7);
  });

  it('centred start is floor((n - 40000) / 2) samples', () => {
    for (const [n, start] of [
      [40000, 0],
      [40001, 0],
      [40003, 1],
      [44444, 2222],
    ]) {
      const x = signal(n, 20000);
      const { samples, info } = prepareClip(x, 20000);
      expect(info.windowStartS * 20000).toBe(start);
      expectClose(samples, reference(x.subarray(start, start + 40000)), 1e-7);
    }
  });

  it('an explicit offset picks that window; outside the audio is an error naming the range', () => {
    const x = signal(60000, 20000);
    const { samples, info } = prepareClip(x, 20000, { offsetS: 0.25 });
    expect(info.windowStartS).toBe(0.25);
    expectClose(samples, reference(x.subarray(5000, 45000)), 1e-7);
    expect(prepareClip(x, 20000, { offsetS: 1 }).info.windowStartS).toBe(1);
    const e = thrown(() => prepareClip(x, 20000, { offsetS: 1.01 }));
    expect(e).toBeInstanceOf(ClipError);
    expect(e.message).toMatch(/from 0 s to 1 s/);
    expect(() => prepareClip(x, 20000, { offsetS: -0.1 })).toThrow(ClipError);
  });

  it('resamples other rates: the window is the same window of the resampled signal', () => {
    const x = signal(44100 * 3, 44100);
    const { samples, info } = prepareClip(x, 44100);
    expect(info).toMatchObject({ resampled: true, originalRate: 44100, sampleRate: 20000, windowStartS: 0.5 });
    expect(info.originalDurationS).toBe(3);
    const full = resample(x, 44100, 20000);
    expectClose(samples, reference(full.subarray(10000, 50000)), 1e-7);
    expect(Math.abs(rms(samples) - 0.1)).toBeLessThan(1e-8);
  });

  it('other target rates and durations', () => {
    const x = signal(16000 * 2, 16000);
    const { samples, info } = prepareClip(x, 16000, { targetRate: 16000, durationS: 1 });
    expect(samples.length).toBe(16000);
    expect(info.windowStartS).toBe(0.5);
    expectClose(samples, reference(x.subarray(8000, 24000)), 1e-7);
  });

  it('a gain applied to the input changes nothing (only the RMS normalisation is seen)', () => {
    const x = signal(50000, 20000);
    const a = prepareClip(x, 20000).samples;
    const b = prepareClip(x.map((v) => v * 0.003), 20000);
    expectClose(a, b.samples, 1e-6);
    expect(b.info.gain).toBeGreaterThan(prepareClip(x, 20000).info.gain * 300);
  });

  it('shorter than 2 s: an error offering padding, or zeros around the centred audio', () => {
    const x = signal(30000, 20000); // 1.5 s
    const e = thrown(() => prepareClip(x, 20000));
    expect(e).toBeInstanceOf(ClipError);
    expect(e.message).toMatch(/1\.5 s long, shorter than the 2 s clip.*pad it with zeros/);
    const { samples, info } = prepareClip(x, 20000, { pad: 'zeros' });
    expect(info).toMatchObject({ padded: true, padBefore: 5000, padAfter: 5000, windowStartS: -0.25 });
    expect(info.offsetRangeS).toEqual([-0.5, 0]);
    const padded = new Float32Array(40000);
    padded.set(x, 5000);
    expectClose(samples, reference(padded), 1e-7);
    // the padding is flat (zeros minus the window mean, scaled)
    expect(samples[0]).toBe(samples[4999]);
    expect(samples[45000 - 10000]).toBe(samples[39999]);
    const left = prepareClip(x, 20000, { pad: 'zeros', offsetS: 0 });
    expect(left.info).toMatchObject({ padBefore: 0, padAfter: 10000 });
    const right = prepareClip(x, 20000, { pad: 'zeros', offsetS: -0.5 });
    expect(right.info).toMatchObject({ padBefore: 10000, padAfter: 0 });
    expect(() => prepareClip(x, 20000, { pad: 'zeros', offsetS: 0.1 })).toThrow(/from -0.5 s to 0 s/);
  });

  it('padding a resampled short clip leaves exact zeros outside the audio before normalisation', () => {
    const x = signal(8000, 8000); // 1 s at 8 kHz -> 20000 samples at 20 kHz
    const { samples, info } = prepareClip(x, 8000, { pad: 'zeros' });
    expect(info).toMatchObject({ padBefore: 10000, padAfter: 10000, resampled: true });
    for (let i = 0; i < 10000; i++) expect(samples[i]).toBe(samples[0]);
    for (let i = 30000; i < 40000; i++) expect(samples[i]).toBe(samples[0]);
    expect(Math.abs(rms(samples) - 0.1)).toBeLessThan(1e-8);
  });

  it('silence is refused with a clear message (zeros, and a constant once its mean is removed)', () => {
    const msg = 'The clip is silent (RMS 0); choose another window or file';
    expect(() => prepareClip(new Float32Array(50000), 20000)).toThrow(msg);
    expect(() => prepareClip(new Float32Array(50000).fill(0.25), 20000)).toThrow(msg);
    // silent window in a file that is not silent elsewhere
    const x = new Float32Array(80000);
    x.set(signal(20000, 20000), 60000);
    expect(() => prepareClip(x, 20000, { offsetS: 0 })).toThrow(msg);
    expect(prepareClip(x, 20000, { offsetS: 2 }).samples.length).toBe(40000);
  });

  it('non-finite samples are refused, naming the first', () => {
    const x = signal(50000, 20000);
    x[123] = NaN;
    x[456] = Infinity;
    expect(() => prepareClip(x, 20000)).toThrow(/2 non-finite sample\(s\).*first at sample 123/);
  });

  it('clamps to [-1, 1] and counts the clamped samples', () => {
    const x = signal(40000, 20000).map((v) => v * 0.01);
    x[20000] = 5; // a click: with RMS 0.1 it lands far above 1
    const { samples, info } = prepareClip(x, 20000);
    expect(info.clampedSamples).toBe(1);
    expect(samples[20000]).toBe(1);
    expect(Math.max(...samples)).toBe(1);
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(-1);
  });

  it('empty audio and invalid options', () => {
    expect(() => prepareClip(new Float32Array(0), 20000)).toThrow(/empty/);
    expect(() => prepareClip(signal(100, 20000), 0)).toThrow(/sample rate/);
    expect(() => prepareClip(signal(100, 20000), 20000, { durationS: 0 })).toThrow(/duration/);
  });
});
