import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../src/platform/tf-node.ts';
import { makeCompression } from '../../src/audio/compress.ts';
import { complexMagnitude } from '../../src/audio/envelope.ts';

beforeAll(async () => {
  await useNodeBackend('cpu');
});

const params = { power: 0.3, offset: 1e-8, gradientClip: 5 };
// Negative (fake-ReLU branch), zero, tiny and small (clipped), and larger values (unclipped).
const xs = [-0.5, -1e-3, 0, 1e-9, 1e-4, 0.01, 0.0178, 0.0181, 0.05, 0.3, 1, 7.5];

describe('clipped-gradient power compression', () => {
  const compress = makeCompression(params);

  it('forward is (max(x, 0) + 1e-8)^0.3', () => {
    const y = compress(tf.tensor1d(xs)).dataSync();
    xs.forEach((x, i) => {
      const expected = (Math.max(x, 0) + 1e-8) ** 0.3;
      expect(Math.abs(y[i] - expected) / expected).toBeLessThan(1e-6);
    });
  });

  it('backward is dy * clip(0.3 (max(x,0) + 1e-8)^-0.7, -5, 5): fake ReLU, clipped derivative', () => {
    const dy = xs.map((_, i) => 0.5 + 0.25 * i);
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(compress(x), tf.tensor1d(dy))))(tf.tensor1d(xs)).dataSync();
    xs.forEach((x, i) => {
      const derivative = Math.min(5, 0.3 * (Math.max(x, 0) + 1e-8) ** -0.7);
      const expected = dy[i] * derivative;
      expect(Math.abs(g[i] - expected) / expected).toBeLessThan(1e-6);
    });
    // The clip boundary: 0.3 x^-0.7 = 5 at x = 0.06^(1/0.7) ~ 0.01796.
    expect(g[6] / dy[6]).toBeCloseTo(5, 6);
    expect(g[7] / dy[7]).toBeLessThan(5);
    // Negative inputs still get gradient (identity through the max).
    expect(g[0]).toBeGreaterThan(0);
  });

  it('the unclipped branch agrees with central differences of the forward', () => {
    const values = [0.05, 0.3, 1, 7.5];
    const g = tf.grad((x: tf.Tensor) => tf.sum(compress(x)))(tf.tensor1d(values)).dataSync();
    values.forEach((x, i) => {
      const h = 1e-4 * x;
      const fd = ((x + h + 1e-8) ** 0.3 - (x - h + 1e-8) ** 0.3) / (2 * h); // float64 closed form
      expect(Math.abs(g[i] - fd) / fd).toBeLessThan(1e-6);
    });
  });
});

describe('complex magnitude', () => {
  it('is sqrt(re^2 + im^2) with gradient (re, im)/|z|, and 0 (not NaN) at z = 0', () => {
    const re = tf.tensor1d([3, 0, -1e-3, 0]);
    const im = tf.tensor1d([4, 2, 1e-3, 0]);
    const magnitude = complexMagnitude(re, im).dataSync();
    [5, 2, Math.SQRT2 * 1e-3, 0].forEach((v, i) => expect(Math.abs(magnitude[i] - v)).toBeLessThanOrEqual(1e-6 * v));
    const [gRe, gIm] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(complexMagnitude(a, b)))([re, im]).map((t) => t.dataSync());
    const expectRe = [0.6, 0, -Math.SQRT1_2, 0];
    const expectIm = [0.8, 1, Math.SQRT1_2, 0];
    expectRe.forEach((v, i) => expect(gRe[i]).toBeCloseTo(v, 6));
    expectIm.forEach((v, i) => expect(gIm[i]).toBeCloseTo(v, 6));
  });
});
