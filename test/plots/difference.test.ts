import { describe, expect, it } from 'vitest';
import {
  differenceImage, differenceValues, divergingColour, divergingRgba, formatDifference, legendGradient, maxAbs,
  DIFF_NEGATIVE, DIFF_POSITIVE, DIFF_ZERO,
} from '../../src/plots/difference.ts';
import { toRgba } from '../../src/app/pixels.ts';

describe('differenceValues', () => {
  it('subtracts reference from metamer, averaging colour channels per pixel', () => {
    // 1 x 2 RGB image.
    const reference = new Float32Array([0.5, 0.5, 0.5, 1, 0, 0.25]);
    const metamer = new Float32Array([0.5, 0.75, 1, 0, 0, 0.25]);
    const d = differenceValues(reference, metamer, [1, 2, 3]);
    expect(Array.from(d)).toEqual([(0 + 0.25 + 0.5) / 3, (-1 + 0 + 0) / 3]);
  });

  it('keeps grey images per pixel and rejects mismatched sizes', () => {
    expect(Array.from(differenceValues([10, 20], [13, 15], [1, 2, 1]))).toEqual([3, -5]);
    expect(Array.from(differenceValues([10, 20], [13, 15], [2, 1]))).toEqual([3, -5]);
    expect(() => differenceValues([1, 2, 3], [1, 2], [1, 3])).toThrow(/shape 1x3/);
  });
});

describe('maxAbs', () => {
  it('is the largest finite magnitude, 0 when there is none', () => {
    expect(maxAbs([0.2, -0.7, 0.5])).toBe(0.7);
    expect(maxAbs([NaN, Infinity, -3])).toBe(3);
    expect(maxAbs([])).toBe(0);
  });
});

describe('divergingColour', () => {
  it('is symmetric about 0: neutral at 0, the anchors at +-limit, saturating beyond', () => {
    expect(divergingColour(0, 2)).toEqual([...DIFF_ZERO]);
    expect(divergingColour(2, 2)).toEqual([...DIFF_POSITIVE]);
    expect(divergingColour(-2, 2)).toEqual([...DIFF_NEGATIVE]);
    expect(divergingColour(7, 2)).toEqual([...DIFF_POSITIVE]);
    expect(divergingColour(-7, 2)).toEqual([...DIFF_NEGATIVE]);
  });

  it('blends linearly: a quarter of the way to red at limit/4', () => {
    // 247 + 0.25 * (178 - 247) = 229.75, 247 + 0.25 * (24 - 247) = 191.25, 247 + 0.25 * (43 - 247) = 196
    expect(divergingColour(0.5, 2)).toEqual([229.75, 191.25, 196]);
    // Half-way to blue: (247 + 33) / 2, (247 + 102) / 2, (247 + 172) / 2
    expect(divergingColour(-1, 2)).toEqual([140, 174.5, 209.5]);
  });

  it('maps everything to neutral for identical images (limit 0) and NaN', () => {
    expect(divergingColour(0.3, 0)).toEqual([...DIFF_ZERO]);
    expect(divergingColour(NaN, 1)).toEqual([...DIFF_ZERO]);
  });
});

describe('differenceImage', () => {
  it('scales to the largest |difference| and writes opaque RGBA', () => {
    // 2 x 2 grey image on a 0..255 scale: differences -40, 0, 10, 40.
    const reference = new Float32Array([100, 50, 0, 255]);
    const metamer = new Float32Array([60, 50, 10, 295]);
    const img = differenceImage(reference, metamer, [2, 2, 1]);
    expect(img).toMatchObject({ width: 2, height: 2, maxAbs: 40 });
    expect(Array.from(img.rgba.slice(0, 4))).toEqual([...DIFF_NEGATIVE, 255]);
    expect(Array.from(img.rgba.slice(4, 8))).toEqual([...DIFF_ZERO, 255]);
    // 10 / 40 = a quarter of the way to red; Uint8ClampedArray rounds half to even: 229.75 -> 230, 191.25 -> 191.
    expect(Array.from(img.rgba.slice(8, 12))).toEqual([230, 191, 196, 255]);
    expect(Array.from(img.rgba.slice(12, 16))).toEqual([...DIFF_POSITIVE, 255]);
  });

  it('draws identical images in the neutral colour with a zero legend', () => {
    const same = new Float32Array([0.1, 0.2, 0.3]);
    const img = differenceImage(same, same, [1, 1, 3]);
    expect(img.maxAbs).toBe(0);
    expect(Array.from(img.rgba)).toEqual([...DIFF_ZERO, 255]);
    expect(formatDifference(img.maxAbs)).toBe('0');
  });

  it('writes bytes rounded half to even, as canvases store them', () => {
    // -0.5 of 1: half-way to blue, (140, 174.5, 209.5) -> 140, 174, 210.
    expect(Array.from(divergingRgba([1, -0.5], 1))).toEqual([...DIFF_POSITIVE, 255, 140, 174, 210, 255]);
  });
});

describe('legend', () => {
  it('runs blue -> neutral -> red like the colour map', () => {
    expect(legendGradient()).toBe('linear-gradient(to right, rgb(33, 102, 172), rgb(247, 247, 247), rgb(178, 24, 43))');
    expect(formatDifference(0.123456)).toBe('0.123');
    expect(formatDifference(38.04)).toBe('38');
    expect(formatDifference(2.5e-5)).toBe('2.50e-5');
  });
});

describe('stimulus pixels (reused from pixels.ts)', () => {
  it('maps the model range onto 0..255 grey levels', () => {
    const rgba = toRgba(new Float32Array([0, 127.5, 255]), [1, 3, 1], [0, 255]);
    expect(Array.from(rgba)).toEqual([0, 0, 0, 255, 128, 128, 128, 255, 255, 255, 255, 255]);
  });
});
