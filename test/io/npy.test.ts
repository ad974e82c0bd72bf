import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseNpy, writeNpy } from '../../src/io/npy.ts';
import { Rng } from '../../src/engine/random.ts';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'npy');
const index = JSON.parse(readFileSync(join(DIR, 'index.json'), 'utf8')) as Record<string, { shape: number[]; values: number[] }>;

describe('parseNpy on files written by numpy', () => {
  for (const [file, want] of Object.entries(index)) {
    it(`reads ${file}`, () => {
      const arr = parseNpy(readFileSync(join(DIR, file)));
      expect(arr.shape).toEqual(want.shape);
      expect(arr.data.length).toBe(want.values.length);
      // Converted to float32: equal to numpy's float64 view rounded to float32.
      want.values.forEach((v, i) => expect(arr.data[i]).toBe(Math.fround(v)));
    });
  }

  it.each([
    ['bad_fortran.npy', /fortran_order/],
    ['bad_bigendian.npy', /big-endian/],
    ['bad_object.npy', /object arrays/],
  ])('refuses %s with a clear error', (file, message) => {
    expect(() => parseNpy(readFileSync(join(DIR, file)))).toThrow(message);
  });

  it('refuses non-npy and truncated data', () => {
    expect(() => parseNpy(new TextEncoder().encode('hello world, not numpy'))).toThrow(/bad magic/);
    const good = readFileSync(join(DIR, 'dtype_f4.npy'));
    expect(() => parseNpy(good.subarray(0, good.length - 3))).toThrow(/truncated data/);
  });
});

describe('writeNpy', () => {
  it('round-trips shapes including scalars, 1-D and empty arrays, byte-exact values', () => {
    const rng = new Rng(3);
    for (const shape of [[], [7], [2, 3, 4], [0, 5], [1, 250, 250, 1]]) {
      const n = shape.reduce((a, b) => a * b, 1);
      const data = rng.normalArray(n, 0, 10);
      const bytes = writeNpy(data, shape);
      // numpy's format rule: the data offset is a multiple of 64, header ends with a newline.
      const headerLen = new DataView(bytes.buffer).getUint16(8, true);
      expect((10 + headerLen) % 64).toBe(0);
      expect(bytes[10 + headerLen - 1]).toBe(0x0a);
      const back = parseNpy(bytes);
      expect(back.shape).toEqual(shape);
      expect(back.dtype).toBe('<f4');
      expect(Array.from(back.data)).toEqual(Array.from(data));
    }
  });

  it('rejects data that does not fit the shape', () => {
    expect(() => writeNpy(new Float32Array(5), [2, 3])).toThrow(/holds 6 values/);
  });
});
