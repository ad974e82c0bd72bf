/** A tiny staged model for null-builder and CLI tests: conv -> relu -> pool, plus degenerate stages. */
import * as tf from '@tensorflow/tfjs';
import type { StagedModel } from '../../src/engine/types.ts';
import { Rng } from '../../src/engine/random.ts';

export function toyModel(): StagedModel {
  const rng = new Rng(11);
  const kernel = tf.tensor4d(rng.normalArray(3 * 3 * 1 * 2, 0, 1), [3, 3, 1, 2]);
  return {
    id: 'toy',
    stages: ['conv', 'relu', 'pool', 'zero', 'flat'],
    inputSpec: { modality: 'image', shape: [8, 8, 1], range: [0, 1], init: { mean: 0.5, std: 0.05 } },
    forward(x, stages) {
      return tf.tidy(() => {
        const conv = tf.conv2d(x as tf.Tensor4D, kernel, 1, 'valid');
        const relu = tf.relu(conv);
        const all: Record<string, () => tf.Tensor> = {
          conv: () => conv,
          relu: () => relu,
          pool: () => tf.maxPool(relu as tf.Tensor4D, 2, 2, 'valid'),
          // Degenerate stages: all zeros (every metric 0) and a constant (correlations 0).
          zero: () => tf.mul(tf.sum(x), 0).reshape([1, 1]).tile([1, 5]),
          flat: () => tf.onesLike(conv),
        };
        const out: Record<string, tf.Tensor> = {};
        for (const s of stages) out[s] = all[s]().clone();
        return out;
      });
    },
    dispose() {
      kernel.dispose();
    },
  };
}

/** n quantised random images (quantised so that activations contain ties). */
export function toyStimuli(n: number, seed: number): tf.Tensor[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () =>
    tf.tensor4d(Array.from({ length: 64 }, () => Math.round(rng.uniform() * 4) / 4), [1, 8, 8, 1]),
  );
}
