import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { centreCropBox, fitImage, prepareInput } from '../../src/cli/prepare-input.ts';
import { writeNpy } from '../../src/io/npy.ts';
import { useNodeBackend } from '../../src/platform/tf-node.ts';
import type { InputSpec } from '../../src/engine/types.ts';

const grey = (shape: number[], range: [number, number] = [0, 255]): InputSpec => ({
  modality: 'image', shape, range, init: { mean: 0.5, std: 0.05 },
});

beforeAll(async () => {
  await useNodeBackend('cpu');
});

describe('centreCropBox', () => {
  it('keeps the largest centred window of the target aspect', () => {
    expect(centreCropBox(819, 1024, 250, 250)).toEqual({ top: 0, left: 102, height: 819, width: 819 });
    expect(centreCropBox(100, 50, 10, 10)).toEqual({ top: 25, left: 0, height: 50, width: 50 });
    expect(centreCropBox(40, 60, 20, 30)).toEqual({ top: 0, left: 0, height: 40, width: 60 });
  });
});

describe('fitImage', () => {
  it('crops, box-averages and converts to grey exactly (closed form)', () => {
    // 4x8 RGB image, value depends on row and column; target 2x2 grey in 0..255.
    const [h, w] = [4, 8];
    const rgb = (r: number, c: number) => [(r + c) / 16, c / 8, r / 4];
    const data = new Float32Array(h * w * 3);
    for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) data.set(rgb(r, c), (r * w + c) * 3);
    const before = tf.memory().numTensors;
    const { tensor, description } = fitImage({ height: h, width: w, channels: 3, data }, grey([2, 2, 1]));
    expect(tensor.shape).toEqual([1, 2, 2, 1]);
    const got = tensor.dataSync();
    tensor.dispose();
    expect(tf.memory().numTensors).toBe(before);
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
    expect(description).toBe('read 8x4x3, converted to grey (Rec. 601 luma), centre-cropped to 4x4, box-averaged 2x2, scaled to the model\'s range [0, 255]');
  });

  it('resizes bilinearly with half-pixel centres (a ramp stays a ramp)', () => {
    // 3x3 grey ramp over columns -> 2x2: samples at source x = 0.25 and 1.75.
    const data = Float32Array.from([0, 0.1, 0.2, 0, 0.1, 0.2, 0, 0.1, 0.2]);
    const { tensor, description } = fitImage({ height: 3, width: 3, channels: 1, data }, grey([2, 2, 1], [0, 1]));
    expect(Array.from(tensor.dataSync())).toEqual([0.025, 0.175, 0.025, 0.175].map((v) => expect.closeTo(v, 6)));
    tensor.dispose();
    expect(description).toBe('read 3x3x1, resized (bilinear) to 2x2');
  });
});

describe('prepareInput', () => {
  const dir = mkdtempSync(join(tmpdir(), 'prep-'));

  it('takes a .npy of the right size as raw values, clipping to the range', async () => {
    const path = join(dir, 'x.npy');
    writeFileSync(path, writeNpy(Float32Array.from([-1, 0.5, 2, 1]), [2, 2]));
    const { tensor, description } = await prepareInput(path, grey([2, 2, 1], [0, 1]));
    expect(tensor.shape).toEqual([1, 2, 2, 1]);
    expect(Array.from(tensor.dataSync())).toEqual([0, 0.5, 1, 1]);
    tensor.dispose();
    expect(description).toMatch(/2 values clipped to \[0, 1\]/);
  });

  it('rejects wrong sizes, unknown formats, missing files and non-image input for audio models', async () => {
    const path = join(dir, 'y.npy');
    writeFileSync(path, writeNpy(new Float32Array(3), [3]));
    await expect(prepareInput(path, grey([2, 2, 1]))).rejects.toThrow(/has shape \[3\] \(3 values\); the model's input is \[2,2,1\]/);
    await expect(prepareInput(join(dir, 'x.gif'), grey([2, 2, 1]))).rejects.toThrow(/must be \.png, \.jpg, \.jpeg or \.npy/);
    await expect(prepareInput(join(dir, 'missing.png'), grey([2, 2, 1]))).rejects.toThrow(/cannot read .*missing\.png: ENOENT/);
    const audio: InputSpec = { modality: 'audio', shape: [40000], range: [-1, 1], init: { mean: 0, std: 1e-7 } };
    // Audio models take WAV (or .npy): a missing WAV names the file, an image is refused.
    await expect(prepareInput(join(dir, 'a.wav'), audio)).rejects.toThrow(/cannot read .*a\.wav: ENOENT/);
    await expect(prepareInput(join(dir, 'a.png'), audio)).rejects.toThrow(/audio model takes a \.wav file or a \.npy of 40000 raw samples/);
  });
});
