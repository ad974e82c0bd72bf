import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/engine/random.ts';
import { stimulusToPng } from '../../src/export/stimulus-png.ts';

/** Reference mapping in float64, written out from the definition (clamp, then scale to 0..255, round half up). */
function expectedByte(x: number, lo: number, hi: number): number {
  if (Number.isNaN(x)) return 0;
  const clamped = Math.min(hi, Math.max(lo, x));
  return Math.floor(((clamped - lo) / (hi - lo)) * 255 + 0.5);
}

describe('stimulusToPng', () => {
  it('encodes an RGB stimulus in [0, 1] that decodes to the clamped, scaled pixels', () => {
    const rng = new Rng(1);
    const [h, w, c] = [5, 7, 3];
    const data = Float32Array.from({ length: h * w * c }, () => rng.uniform() * 1.4 - 0.2); // some out of range
    const png = decode(stimulusToPng(data, [h, w, c], [0, 1]));
    expect([png.width, png.height, png.channels, png.depth]).toEqual([w, h, 3, 8]);
    expect(Array.from(png.data)).toEqual(Array.from(data, (x) => expectedByte(x, 0, 1)));
  });

  it('keeps integer grey levels of a 0..255 model exactly and maps the range ends to 0 and 255', () => {
    const data = Float32Array.from([0, 1, 127, 128, 254, 255, -3, 300, 12.4, 12.6, Number.NaN, Infinity]);
    const png = decode(stimulusToPng(data, [3, 4, 1], [0, 255]));
    expect(png.channels).toBe(1);
    expect(Array.from(png.data)).toEqual([0, 1, 127, 128, 254, 255, 0, 255, 12, 13, 0, 255]);
  });

  it('uses the full scale for any range and accepts [H, W] as grey', () => {
    const data = Float32Array.from([-1, -0.5, 0, 0.5, 1, 2]);
    const png = decode(stimulusToPng(data, [2, 3], [-1, 1]));
    expect([png.width, png.height, png.channels]).toEqual([3, 2, 1]);
    expect(Array.from(png.data)).toEqual(Array.from(data, (x) => expectedByte(x, -1, 1)));
    expect(Array.from(png.data)).toEqual([0, 64, 128, 191, 255, 255]);
  });

  it('writes text metadata and refuses mismatched shapes or ranges', () => {
    const png = decode(stimulusToPng(new Float32Array(4), [2, 2, 1], [0, 1], { text: { Comment: 'hmax C1 step 10' } }));
    expect(png.text.Comment).toBe('hmax C1 step 10');
    expect(() => stimulusToPng(new Float32Array(5), [2, 2, 1], [0, 1])).toThrow(/needs 4/);
    expect(() => stimulusToPng(new Float32Array(10), [1, 2, 5], [0, 1])).toThrow(/1 to 4 channels/);
    expect(() => stimulusToPng(new Float32Array(4), [2, 2, 1], [1, 1])).toThrow(/lo < hi/);
  });
});
