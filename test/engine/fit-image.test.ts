import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/engine/random.ts';
import { cropBox, fitImageToInput } from '../../src/engine/fit-image.ts';
import { useNodeBackend } from '../../src/platform/tf-node.ts';

/** Same-size RGBA bytes through the shared fitting: only channels, alpha and range act. */
function rgbaFit(rgba: ArrayLike<number>, width: number, height: number, channels: 1 | 3, range: [number, number]): Float32Array {
  return fitImageToInput({ width, height, channels: 4, data: rgba, max: 255 }, { shape: [height, width, channels], range }).data;
}

describe('centre crop to the model aspect ratio', () => {
  it('keeps one full side, matches the aspect ratio to within a pixel, and centres the box', () => {
    const rng = new Rng(12345);
    for (let i = 0; i < 600; i++) {
      const [sw, sh, dw, dh] = [1 + rng.int(3000), 1 + rng.int(3000), 1 + rng.int(400), 1 + rng.int(400)];
      const b = cropBox(sw, sh, dw, dh);
      const where = `${sw}x${sh} -> ${dw}x${dh}: ${JSON.stringify(b)}`;
      expect(b.x >= 0 && b.y >= 0 && b.x + b.width <= sw && b.y + b.height <= sh, where).toBe(true);
      expect(b.width === sw || b.height === sh, where).toBe(true);
      // The free side is the exact-ratio length rounded (float64 reference), at least 1.
      if (b.height === sh && b.width !== sw) expect(b.width, where).toBe(Math.max(1, Math.round(sh * dw / dh)));
      if (b.width === sw && b.height !== sh) expect(b.height, where).toBe(Math.max(1, Math.round(sw * dh / dw)));
      // The box is the largest of its ratio: the other side does not fit.
      if (b.width === sw && b.height === sh) expect(Math.abs(sw / sh - dw / dh) * sh, where).toBeLessThanOrEqual(1);
      const [left, right] = [b.x, sw - b.x - b.width];
      const [top, bottom] = [b.y, sh - b.y - b.height];
      expect(right - left === 0 || right - left === 1, where).toBe(true);
      expect(bottom - top === 0 || bottom - top === 1, where).toBe(true);
    }
  });

  it('crops the sides of a landscape photo and the top and bottom of a portrait one', () => {
    expect(cropBox(640, 480, 250, 250)).toEqual({ x: 80, y: 0, width: 480, height: 480 });
    expect(cropBox(480, 640, 250, 250)).toEqual({ x: 0, y: 80, width: 480, height: 480 });
    expect(cropBox(300, 200, 96, 64)).toEqual({ x: 0, y: 0, width: 300, height: 200 });
    expect(() => cropBox(0, 10, 5, 5)).toThrow(/positive/);
  });
});

describe('RGBA to model values', () => {
  /** Float64 reference written out per pixel: composite over white, BT.601 luma, linear map. */
  function reference(rgba: number[], channels: 1 | 3, [lo, hi]: [number, number]): number[] {
    const out: number[] = [];
    for (let i = 0; i < rgba.length; i += 4) {
      const alpha = rgba[i + 3] / 255;
      const over = (v: number): number => v * alpha + 255 * (1 - alpha);
      const [r, g, b] = [over(rgba[i]), over(rgba[i + 1]), over(rgba[i + 2])];
      const toRange = (v: number): number => lo + (v / 255) * (hi - lo);
      if (channels === 1) out.push(toRange(0.299 * r + 0.587 * g + 0.114 * b));
      else out.push(toRange(r), toRange(g), toRange(b));
    }
    return out;
  }

  it('matches a float64 reference for grey and RGB models and any range', () => {
    const rng = new Rng(7);
    const [w, h] = [13, 7];
    const rgba = Array.from({ length: w * h * 4 }, () => rng.int(256));
    for (const [channels, range] of [[1, [0, 255]], [1, [-1, 1]], [3, [0, 1]], [3, [-2.5, 3]]] as [1 | 3, [number, number]][]) {
      const got = rgbaFit(Uint8ClampedArray.from(rgba), w, h, channels, range);
      const want = reference(rgba, channels, range);
      expect(got.length).toBe(want.length);
      const tol = 1e-6 * (range[1] - range[0]);
      for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i]), `${channels} ${range} [${i}]`).toBeLessThan(tol);
    }
  });

  it('maps black, white and pure primaries to known values', () => {
    const px = [0, 0, 0, 255, 255, 255, 255, 255, 255, 0, 0, 255, 10, 20, 30, 0];
    expect(Array.from(rgbaFit(px, 4, 1, 1, [0, 255]))).toEqual([0, 255, expect.closeTo(76.245, 4), 255]);
    expect(Array.from(rgbaFit(px, 4, 1, 3, [-1, 1]))).toEqual([-1, -1, -1, 1, 1, 1, 1, -1, -1, 1, 1, 1]);
    expect(() => rgbaFit(px, 5, 1, 1, [0, 1])).toThrow(/truncated/);
  });
});

describe('fitImageToInput: crop, box average and bilinear resize', () => {
  it('crops, box-averages and converts to grey exactly (closed form)', () => {
    // 4x8 RGB image, value depends on row and column; target 2x2 grey in 0..255.
    const [h, w] = [4, 8];
    const rgb = (r: number, c: number) => [(r + c) / 16, c / 8, r / 4];
    const data = new Float32Array(h * w * 3);
    for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) data.set(rgb(r, c), (r * w + c) * 3);
    const { data: got, steps } = fitImageToInput({ height: h, width: w, channels: 3, data, max: 1 }, { shape: [2, 2, 1], range: [0, 255] });
    const luma = (r: number, c: number) => {
      const [R, G, B] = rgb(r, c);
      return 0.299 * R + 0.587 * G + 0.114 * B;
    };
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 2; j++) {
        // Crop: columns 2..5; 2x2 blocks.
        const rows = [2 * i, 2 * i + 1];
        const cols = [2 + 2 * j, 3 + 2 * j];
        const mean = rows.flatMap((r) => cols.map((c) => luma(r, c))).reduce((a, b) => a + b) / 4;
        expect(got[i * 2 + j]).toBeCloseTo(255 * mean, 3);
      }
    }
    expect(steps.join(', ')).toBe('read 8x4x3, converted to grey (Rec. 601 luma), centre-cropped to 4x4, box-averaged 2x2, scaled to the model\'s range [0, 255]');
  });

  it('resizes bilinearly with half-pixel centres (a ramp stays a ramp)', () => {
    // 3x3 grey ramp over columns -> 2x2: samples at source x = 0.25 and 1.75.
    const data = Float32Array.from([0, 0.1, 0.2, 0, 0.1, 0.2, 0, 0.1, 0.2]);
    const { data: got, steps } = fitImageToInput({ height: 3, width: 3, channels: 1, data, max: 1 }, { shape: [2, 2, 1], range: [0, 1] });
    expect(Array.from(got)).toEqual([0.025, 0.175, 0.025, 0.175].map((v) => expect.closeTo(v, 6)));
    expect(steps.join(', ')).toBe('read 3x3x1, resized (bilinear) to 2x2');
  });

  it('matches tfjs avgPool + resizeBilinear(half-pixel centres) on random pictures', async () => {
    await useNodeBackend('cpu');
    const rng = new Rng(3);
    for (const [h, w, th, tw, c] of [[37, 53, 10, 14, 3], [90, 61, 28, 28, 1], [20, 20, 31, 17, 3], [250, 300, 64, 64, 1]]) {
      const data = Float32Array.from({ length: h * w * c }, () => rng.uniform());
      const got = fitImageToInput({ height: h, width: w, channels: c, data, max: 1 }, { shape: [th, tw, c], range: [0, 1] }).data;
      const box = cropBox(w, h, tw, th);
      const f = Math.floor(Math.min(box.height / th, box.width / tw));
      const want = tf.tidy(() => {
        let x: tf.Tensor3D = tf.slice(tf.tensor3d(data, [h, w, c]), [box.y, box.x, 0], [box.height, box.width, c]);
        if (f >= 2) x = tf.avgPool(x, f, f, 'valid');
        return tf.image.resizeBilinear(x, [th, tw], false, true).dataSync();
      });
      let worst = 0;
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
      expect(worst, `${h}x${w} -> ${th}x${tw}x${c}`).toBeLessThan(1e-5);
    }
  });
});
