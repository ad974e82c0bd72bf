import { describe, expect, it } from 'vitest';
import { toRgba } from '../../src/app/pixels.ts';

describe('toRgba', () => {
  it('maps a grey 0..255 image to opaque grey pixels, clamping out-of-range values', () => {
    const data = Float32Array.from([0, 127.4, 255, 300, -5, NaN]);
    const rgba = toRgba(data, [2, 3, 1], [0, 255]);
    const expected = [0, 127, 255, 255, 0, 0];
    expect(rgba).toHaveLength(2 * 3 * 4);
    for (let p = 0; p < 6; p++) {
      expect([rgba[p * 4], rgba[p * 4 + 1], rgba[p * 4 + 2], rgba[p * 4 + 3]]).toEqual([expected[p], expected[p], expected[p], 255]);
    }
  });

  it('rescales a [0,1] RGB image channel by channel', () => {
    const data = Float32Array.from([1, 0.5, 0, 0.25, 0.75, 1]);
    const rgba = toRgba(data, [1, 2, 3], [0, 1]);
    // Reference: round(v * 255), with .5 cases avoided except 127.5 -> 128 (round half to even gives 128).
    expect(Array.from(rgba)).toEqual([255, 128, 0, 255, 64, 191, 255, 255]);
  });

  it('maps a symmetric range so that its middle is mid-grey', () => {
    const rgba = toRgba(Float32Array.from([-1, 0, 1]), [1, 3, 1], [-1, 1]);
    expect([rgba[0], rgba[4], rgba[8]]).toEqual([0, 128, 255]);
  });

  it('rejects a shape that does not match the data', () => {
    expect(() => toRgba(new Float32Array(5), [2, 3, 1], [0, 1])).toThrow(/shape 2x3x1/);
    expect(() => toRgba(new Float32Array(8), [2, 2, 2], [0, 1])).toThrow(/2 channels/);
  });
});
