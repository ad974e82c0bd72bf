import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initialNoise, initialNoiseData } from '../../src/engine/noise.ts';
import { NODE_BACKENDS, useNodeBackend } from '../../src/platform/tf-node.ts';
import { imageSpec, take } from './helpers.ts';

describe('initial noise', () => {
  it('is N(mean, std^2) clamped to the range, [1, ...shape]', () => {
    const spec = imageSpec([64, 64, 3]);
    const d = initialNoiseData(spec, 3);
    expect(d.length).toBe(64 * 64 * 3);
    const mean = d.reduce((s, a) => s + a, 0) / d.length;
    const std = Math.sqrt(d.reduce((s, a) => s + (a - mean) ** 2, 0) / d.length);
    expect(mean).toBeCloseTo(0.5, 2);
    expect(std).toBeCloseTo(0.05, 2);
    const wide = initialNoiseData({ ...spec, init: { mean: 0.5, std: 1 } }, 3);
    expect(Math.min(...wide)).toBe(0);
    expect(Math.max(...wide)).toBe(1);
    expect(initialNoiseData(spec, 4)).not.toEqual(d);
  });

  it.each(NODE_BACKENDS)('same seed gives the same noise on the %s backend', async (backend) => {
    await useNodeBackend(backend);
    const spec = { ...imageSpec([5, 7, 3]), init: { mean: 0.5, std: 0.3 } };
    const t = initialNoise(spec, 11);
    expect(t.shape).toEqual([1, 5, 7, 3]);
    expect(Array.from(take(t))).toEqual(Array.from(initialNoiseData(spec, 11)));
    const audio = initialNoise({ modality: 'audio', shape: [100], range: [-1, 1], init: { mean: 0, std: 1e-7 } }, 2);
    expect(audio.shape).toEqual([1, 100]);
    audio.dispose();
    expect(tf.getBackend()).toBe(backend);
  });
});
