import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { useNodeBackend } from '../../../src/platform/tf-node.ts';
import { importNaturalStimuli } from '../../../src/models/import/natural-for-import.ts';
import { nodeModelSource } from '../../../src/models/source-node.ts';
import type { InputSpec } from '../../../src/engine/types.ts';

const source = nodeModelSource();
const image = (shape: number[], range: [number, number] = [0, 1]): InputSpec => ({ modality: 'image', shape, range, init: { mean: 0.5, std: 0.05 } });

async function values(spec: InputSpec, count: number, seed: number) {
  const n = await importNaturalStimuli(spec, count, seed, source);
  const data = n.stimuli.map((t) => {
    expect(t.shape).toEqual([1, ...spec.shape]);
    return t.dataSync() as Float32Array;
  });
  tf.dispose(n.stimuli);
  return { data, groups: n.groups, description: n.description };
}

beforeAll(async () => {
  await useNodeBackend('cpu');
});

describe('importNaturalStimuli', () => {
  it('image crops: seeded, in range, from several photos, varied, no tensor left behind', async () => {
    const before = tf.memory().numTensors;
    const a = await values(image([48, 40, 3]), 12, 7);
    expect(tf.memory().numTensors).toBe(before);
    const b = await values(image([48, 40, 3]), 12, 7);
    expect(b.data).toEqual(a.data);
    expect(b.groups).toEqual(a.groups);
    expect(new Set(a.groups).size).toBeGreaterThan(3);
    for (const g of a.groups) expect(g >= 0 && g < 13).toBe(true);
    for (const d of a.data) {
      expect(Math.min(...d)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...d)).toBeLessThanOrEqual(1);
      // A photo crop, not a flat field.
      expect(Math.max(...d) - Math.min(...d)).toBeGreaterThan(0.2);
    }
    expect(a.data[1]).not.toEqual(a.data[0]);
    expect(a.description).toContain('centernet');
  });

  it('the value range is an affine map of [0, 1], and grey is the Rec. 601 luminance of the RGB crops', async () => {
    const rgb = await values(image([32, 32, 3]), 4, 3);
    const wide = await values(image([32, 32, 3], [-1, 1]), 4, 3);
    const grey = await values(image([32, 32, 1]), 4, 3);
    expect(grey.groups).toEqual(rgb.groups);
    for (let k = 0; k < 4; k++) {
      let maxAffine = 0;
      let maxLuma = 0;
      for (let i = 0; i < 32 * 32; i++) {
        for (let ch = 0; ch < 3; ch++) maxAffine = Math.max(maxAffine, Math.abs(wide.data[k][3 * i + ch] - (2 * rgb.data[k][3 * i + ch] - 1)));
        const luma = 0.299 * rgb.data[k][3 * i] + 0.587 * rgb.data[k][3 * i + 1] + 0.114 * rgb.data[k][3 * i + 2];
        maxLuma = Math.max(maxLuma, Math.abs(grey.data[k][i] - luma));
      }
      expect(maxAffine).toBeLessThan(1e-5);
      // Resizing is linear, so luminance commutes with it (up to float32 rounding).
      expect(maxLuma).toBeLessThan(1e-4);
    }
  });

  it('audio: distinct 2-s clips at RMS 0.1 (zero mean), each its own group', async () => {
    const spec: InputSpec = { modality: 'audio', shape: [40000], range: [-1, 1], init: { mean: 0, std: 1e-7 }, sampleRate: 20000 };
    const a = await values(spec, 5, 1);
    expect(new Set(a.groups).size).toBe(5);
    for (const d of a.data) {
      const mean = d.reduce((s, v) => s + v, 0) / d.length;
      const rms = Math.sqrt(d.reduce((s, v) => s + (v - mean) ** 2, 0) / d.length);
      expect(Math.abs(mean)).toBeLessThan(1e-4);
      expect(rms).toBeCloseTo(0.1, 3);
    }
    expect(a.data[0]).not.toEqual(a.data[1]);
  });

  it('says why it cannot serve an input', async () => {
    await expect(importNaturalStimuli(image([32, 32, 4]), 4, 0, source)).rejects.toThrow('natural images need an image input of 1 or 3 channels [H, W, C], the model takes [32,32,4]');
    const short: InputSpec = { modality: 'audio', shape: [16000], range: [-1, 1], init: { mean: 0, std: 1e-7 }, sampleRate: 16000 };
    await expect(importNaturalStimuli(short, 4, 0, source)).rejects.toThrow('natural audio clips are 40000 samples at 20000 Hz; the model takes [16000] at 16000 Hz');
    await expect(importNaturalStimuli(image([8, 8, 3]), 1, 0, source)).rejects.toThrow('need at least 2 natural stimuli, asked for 1');
  });
});
