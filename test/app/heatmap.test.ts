import { describe, expect, it } from 'vitest';
import { interpolateMagma, rgb } from 'd3';
import { colourLut, erbFrequencyTicks, heatmapRgba, lutIndex, LUT_SIZE, valueRange } from '../../src/plots/heatmap.ts';
import { erb } from '../../src/audio/erb.ts';
import { DEFAULT_COCHLEAGRAM_CONFIG } from '../../src/audio/cochleagram-config.ts';
import { bandPassCentresErb } from '../../src/audio/filterbank.ts';
import { channelFrequencies } from '../../src/worker/cochleagram-snapshots.ts';

describe('heatmap colour scale', () => {
  it('samples magma at i / 255', () => {
    const lut = colourLut();
    for (const i of [0, 1, 100, 254, 255]) {
      const c = rgb(interpolateMagma(i / 255));
      expect([lut[i * 3], lut[i * 3 + 1], lut[i * 3 + 2]]).toEqual([c.r, c.g, c.b].map(Math.round));
    }
  });

  it('maps a value linearly between the range ends, clamped', () => {
    const [lo, hi] = [-2, 6];
    for (const v of [-2, -1.3, 0, 1.7, 5.99, 6]) expect(lutIndex(v, lo, hi)).toBe(Math.round(((v - lo) / (hi - lo)) * 255));
    expect(lutIndex(-10, lo, hi)).toBe(0);
    expect(lutIndex(10, lo, hi)).toBe(LUT_SIZE - 1);
    expect(lutIndex(Number.NaN, lo, hi)).toBe(0);
  });

  it('finds the finite range and never returns an empty one', () => {
    expect(valueRange([3, -1, Number.NaN, 2, Infinity])).toEqual([-1, 3]);
    expect(valueRange([5, 5])).toEqual([5, 6]);
    expect(valueRange([])).toEqual([0, 1]);
  });

  it('puts channel 0 on the bottom row and colours every pixel from its value', () => {
    const channels = 3;
    const frames = 4;
    const data = Float32Array.from({ length: channels * frames }, (_, i) => i); // value = ch * frames + t
    const lut = colourLut();
    const img = heatmapRgba(data, channels, frames, [0, 11], lut);
    expect(img.length).toBe(channels * frames * 4);
    for (let ch = 0; ch < channels; ch++) {
      for (let t = 0; t < frames; t++) {
        const o = ((channels - 1 - ch) * frames + t) * 4;
        const k = Math.round(((ch * frames + t) / 11) * 255) * 3;
        expect([img[o], img[o + 1], img[o + 2], img[o + 3]]).toEqual([lut[k], lut[k + 1], lut[k + 2], 255]);
      }
    }
    expect(() => heatmapRgba(data, 2, 4)).toThrow(/12 values/);
  });
});

describe('frequency ticks at ERB positions', () => {
  const freqs = channelFrequencies({ ...DEFAULT_COCHLEAGRAM_CONFIG });
  const { centres, spacing } = bandPassCentresErb({ ...DEFAULT_COCHLEAGRAM_CONFIG });
  const s = DEFAULT_COCHLEAGRAM_CONFIG.sampleFactor;

  it('has the paper\'s 211 increasing channels between 0 Hz and above 10 kHz', () => {
    expect(freqs.length).toBe(211);
    for (let i = 1; i < freqs.length; i++) expect(freqs[i]).toBeGreaterThanOrEqual(freqs[i - 1]);
  });

  it('places each tick at (erb(f) - erb(c_0)) / d + s channels (closed form)', () => {
    const ticks = erbFrequencyTicks(freqs, [100, 200, 500, 1000, 2000, 5000, 10000]);
    expect(ticks.map((t) => t.hz)).toEqual([100, 200, 500, 1000, 2000, 5000, 10000]);
    for (const t of ticks) {
      // Band-pass channel j (0-based) is channel s + j, at ERB centres[0] + j d.
      const expected = s + (erb(t.hz) - centres[0]) / spacing;
      expect(t.channel).toBeCloseTo(expected, 9);
    }
    expect(ticks.find((t) => t.hz === 1000)?.label).toBe('1 k');
    expect(ticks.find((t) => t.hz === 500)?.label).toBe('500');
  });

  it('drops ticks outside the channels', () => {
    expect(erbFrequencyTicks(freqs, [20000]).length).toBe(0);
    expect(erbFrequencyTicks([100, 200, 300], [50, 150]).map((t) => t.channel)).toHaveLength(1);
  });
});
