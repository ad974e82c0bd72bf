/**
 * The input normalisation's fast form (mean and std repeated to the input's full shape: wasm's
 * broadcasting Sub/Div are a slow generic loop) is bit-identical to the broadcasting form, in
 * value and gradient, and both are (x - mean) / std per channel in float64 within float32
 * rounding.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setFastGradients } from '../../src/engine/fast-gradients.ts';
import { Rng } from '../../src/engine/random.ts';
import { normalizeInput } from '../../src/engine/staged-model.ts';
import { useNodeBackend } from '../../src/platform/tf-node.ts';
import { imageSpec } from './helpers.ts';

const spec = { ...imageSpec([5, 7, 3]), normalization: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } };

describe('normalizeInput on wasm', () => {
  beforeAll(async () => {
    await useNodeBackend('wasm');
  });
  afterAll(() => setFastGradients(true));

  it('full-size statistics give the broadcasting form bit for bit, value and gradient', () => {
    const rng = new Rng(3);
    const x = tf.tensor(Float32Array.from({ length: 105 }, () => rng.uniform()), [1, 5, 7, 3]);
    const dir = tf.tensor(Float32Array.from({ length: 105 }, () => rng.uniform() - 0.5), [1, 5, 7, 3]);
    const run = (fast: boolean) => {
      setFastGradients(fast);
      const y = tf.tidy(() => normalizeInput(x, spec));
      const g = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(normalizeInput(xx, spec), dir)))(x);
      return { y: y.dataSync(), g: g.dataSync(), dispose: () => tf.dispose([y, g]) };
    };
    run(true).dispose(); // statistics made once
    const before = tf.memory().numTensors;
    const fast = run(true);
    const plain = run(false);
    expect(Array.from(fast.y)).toEqual(Array.from(plain.y));
    expect(Array.from(fast.g)).toEqual(Array.from(plain.g));
    const raw = x.dataSync();
    const { mean, std } = spec.normalization;
    for (let i = 0; i < raw.length; i++) {
      expect(fast.y[i]).toBeCloseTo((raw[i] - mean[i % 3]) / std[i % 3], 5);
      expect(fast.g[i]).toBeCloseTo(dir.dataSync()[i] / std[i % 3], 5);
    }
    fast.dispose();
    plain.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, dir]);
  });
});
