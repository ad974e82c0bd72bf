import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { useNodeBackend } from '../../src/platform/tf-node.ts';
import { FastConv } from '../../src/models/hmax/fast-conv.ts';

beforeAll(async () => {
  await useNodeBackend('cpu');
});

describe('FastConv', () => {
  for (const [padding, kh, kw] of [['same', 5, 3], ['valid', 4, 3], ['valid', 2, 2]] as const) {
    it(`${padding} ${kh}x${kw}: value and input gradient equal tf.conv2d's (asymmetric kernel, 3 -> 2 channels)`, () => {
      const before = tf.memory().numTensors;
      const k = tf.randomNormal([kh, kw, 3, 2], 0, 1, 'float32', 4) as tf.Tensor4D;
      const conv = new FastConv(k, padding);
      const { valueErr, gradErr, gradScale } = tf.tidy(() => {
        const x = tf.randomNormal([1, 9, 11, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
        const yRef = tf.conv2d(x, k, 1, padding);
        const w = tf.randomNormal(yRef.shape, 0, 1, 'float32', 6);
        const valueErr = tf.max(tf.abs(tf.sub(conv.apply(x), yRef))).dataSync()[0];
        const gFast = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(conv.apply(xx as tf.Tensor4D), w)))(x);
        const gRef = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xx as tf.Tensor4D, k, 1, padding), w)))(x);
        expect(gFast.shape).toEqual(x.shape);
        return {
          valueErr,
          gradErr: tf.max(tf.abs(tf.sub(gFast, gRef))).dataSync()[0],
          gradScale: tf.max(tf.abs(gRef)).dataSync()[0],
        };
      });
      expect(valueErr).toBeLessThan(1e-5);
      expect(gradScale).toBeGreaterThan(0.1);
      expect(gradErr).toBeLessThan(1e-5 * gradScale);
      conv.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it("rejects an even kernel with 'same' padding", () => {
    const k = tf.ones([4, 4, 1, 1]) as tf.Tensor4D;
    expect(() => new FastConv(k, 'same')).toThrow(/odd kernel/);
    k.dispose();
  });
});
