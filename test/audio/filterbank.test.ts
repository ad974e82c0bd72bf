import { describe, expect, it } from 'vitest';
import { erb, erbToHz } from '../../src/audio/erb.ts';
import { makeFilterbank, binFrequencies } from '../../src/audio/filterbank.ts';
import { kaiserSincTaps, kaiserWindow } from '../../src/audio/kaiser-sinc.ts';
import { DEFAULT_COCHLEAGRAM_CONFIG, validateCochleagramConfig, cochleagramShape } from '../../src/audio/cochleagram-config.ts';
import { readFixture } from './fixtures.ts';

describe('ERB scale', () => {
  it('matches the closed form and inverts', () => {
    expect(erb(0)).toBe(0);
    expect(erb(1000)).toBeCloseTo(9.265 * Math.log(1 + 1000 / (24.7 * 9.265)), 14);
    for (const f of [10, 50, 440, 3000, 10000]) expect(erbToHz(erb(f))).toBeCloseTo(f, 9);
  });
});

describe('config', () => {
  it('defaults to the paper: 211 channels x 390 frames', () => {
    const shape = cochleagramShape(validateCochleagramConfig());
    expect(shape).toEqual({ bandPassCount: 203, channelCount: 211, binCount: 20001, downsampleFactor: 100, frameCount: 390 });
    expect(DEFAULT_COCHLEAGRAM_CONFIG.sampleRate).toBe(20000);
  });
  it('rejects invalid parameters with a named reason', () => {
    expect(() => validateCochleagramConfig({ signalLength: 40001 })).toThrow(/signalLength/);
    expect(() => validateCochleagramConfig({ highHz: 20000 })).toThrow(/highHz/);
    expect(() => validateCochleagramConfig({ envSampleRate: 300 })).toThrow(/envSampleRate/);
    expect(() => validateCochleagramConfig({ nFilters: 0 })).toThrow(/nFilters/);
    expect(() => validateCochleagramConfig({ gradientClip: Number.NaN })).toThrow(/gradientClip/);
  });
});

describe('filterbank', () => {
  const configs = [
    {},
    { sampleRate: 16000, signalLength: 3000, nFilters: 20, sampleFactor: 2, lowHz: 100, highHz: 7000 },
    { sampleRate: 8000, signalLength: 1600, nFilters: 7, sampleFactor: 1, lowHz: 60, highHz: 4000 },
  ];
  for (const config of configs) {
    it(`squared responses sum to 1 in every bin (${JSON.stringify(config)})`, () => {
      const { filters, centres } = makeFilterbank(config);
      const shape = cochleagramShape(validateCochleagramConfig(config));
      expect(filters.length).toBe(shape.channelCount);
      expect(centres.length).toBe(shape.channelCount);
      let worst = 0;
      for (let k = 0; k < shape.binCount; k++) {
        let sum = 0;
        for (const f of filters) sum += f[k] * f[k];
        worst = Math.max(worst, Math.abs(sum - 1));
      }
      expect(worst).toBeLessThan(1e-12);
      for (let i = 1; i < centres.length; i++) expect(centres[i]).toBeGreaterThan(centres[i - 1]);
    });
  }

  it('band-pass channels are half cosines on the ERB axis peaking at their centre', () => {
    const { filters, centres } = makeFilterbank();
    const freqs = binFrequencies(validateCochleagramConfig());
    const ch = 100; // band-pass 96
    const peakBin = filters[ch].reduce((best, v, k, a) => (v > a[best] ? k : best), 0);
    expect(Math.abs(freqs[peakBin] - centres[ch])).toBeLessThanOrEqual(0.5);
    expect(filters[ch][peakBin]).toBeCloseTo(0.5, 4); // cos(0) / sqrt(4)
    const d = (erb(10000) - erb(50)) / 204;
    for (let k = 0; k < freqs.length; k++) {
      const x = (erb(freqs[k]) - erb(centres[ch])) / (8 * d);
      const expected = Math.abs(x) < 0.5 ? Math.cos(x * Math.PI) / 2 : 0;
      expect(Math.abs(filters[ch][k] - expected)).toBeLessThan(1e-12);
    }
    // Edge channels: the first low-pass passes DC fully; at Nyquist (= highHz = c_202 + d) the last
    // band-pass still has cos(pi/8)/2, so its high-pass partner has sin(pi/8)/2.
    expect(filters[0][0]).toBeCloseTo(0.5, 12);
    expect(filters[210][20000]).toBeCloseTo(Math.sin(Math.PI / 8) / 2, 12);
    expect(filters[206][20000]).toBeCloseTo(Math.cos(Math.PI / 8) / 2, 12);
  });
});

describe('Kaiser-windowed sinc taps', () => {
  it('match numpy.sinc * numpy.kaiser (float64 fixture)', () => {
    const expected = readFixture('paper', 'taps').data;
    const taps = kaiserSincTaps();
    expect(taps.length).toBe(1001);
    let worst = 0;
    for (let i = 0; i < taps.length; i++) worst = Math.max(worst, Math.abs(taps[i] - expected[i]));
    expect(worst).toBeLessThan(1e-15);
  });
  it('Kaiser window is symmetric with unit peak', () => {
    const w = kaiserWindow(11, 5);
    expect(w[5]).toBeCloseTo(1, 15);
    for (let i = 0; i < 11; i++) expect(w[i]).toBeCloseTo(w[10 - i], 15);
  });
});
