/**
 * The cochleagram on the cpu backend, in the small configuration of the fixtures (the paper's
 * configuration runs on wasm in cochleagram-paper.test.ts; the pure-JS cpu backend needs minutes
 * for its 20 GFLOP forward pass).
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../src/platform/tf-node.ts';
import { Cochleagram, type CochleagramConfig } from '../../src/audio/cochleagram.ts';
import { Rng } from '../../src/engine/random.ts';
import { readFixture, readMeta, relativeL2 } from './fixtures.ts';

const small = readMeta('small').params as unknown as CochleagramConfig;
let coch: Cochleagram;

/** The fixtures' loss weights: w[i] = sin(0.5 + 0.618034 i) over the row-major output. */
function fixtureWeights(size: number): Float32Array {
  return Float32Array.from({ length: size }, (_, i) => Math.sin(0.5 + 0.618034 * i));
}

beforeAll(async () => {
  await useNodeBackend('cpu');
  coch = new Cochleagram(small);
});
afterAll(() => coch.dispose());

describe('Cochleagram, small configuration (cpu backend)', () => {
  it('has the configured shape and increasing channel frequencies', () => {
    expect(coch.shape.channelCount).toBe(45);
    expect(coch.shape.frameCount).toBe(45);
    expect(coch.channelFrequencies.length).toBe(45);
  });

  it('float32 output matches the float64 reference (relative L2 < 1e-4)', () => {
    const x = tf.tensor2d(Float32Array.from(readFixture('small', 'signal').data), [1, small.signalLength]);
    const y = coch.apply(x);
    expect(y.shape).toEqual([1, 45, 45]);
    expect(relativeL2(y.dataSync(), readFixture('small', 'cochleagram').data)).toBeLessThan(1e-4);
    tf.dispose([x, y]);
  });

  it('gradient of sum(w * cochleagram) matches the float64 adjoint (clipped compression included)', () => {
    const x = tf.tensor1d(Float32Array.from(readFixture('small', 'signal').data));
    const w = tf.tensor3d(fixtureWeights(45 * 45), [1, 45, 45]);
    const g = tf.grad((s: tf.Tensor) => tf.sum(tf.mul(coch.apply(s), w)))(x);
    expect(relativeL2(g.dataSync(), readFixture('small', 'gradient').data)).toBeLessThan(1e-4);
    tf.dispose([x, w, g]);
  });

  it('gradient agrees with float32 central differences where the compression is smooth', () => {
    // The true derivative differs from the spec's on purpose where the clip or the fake ReLU act,
    // so this check lifts the clip and uses a loud signal that keeps every downsampled envelope
    // clearly above 0 (no fake-ReLU samples): there the custom gradients must be exact.
    const unclipped = new Cochleagram({ ...small, gradientClip: 1e9 });
    const n = small.signalLength;
    const rng = new Rng(99);
    const t = Float64Array.from({ length: n }, (_, i) => i / small.sampleRate);
    const signal = Float32Array.from(t, (ti, i) =>
      Math.sin(2 * Math.PI * 440 * ti) + 0.7 * Math.sin(2 * Math.PI * 1500 * ti + 1) + 0.5 * Math.sin(2 * Math.PI * 97 * ti) + rng.normal() + 0 * i,
    );
    const x = tf.tensor1d(signal);
    const wValues = Float32Array.from(rng.normalArray(45 * 45, 0, 1));
    const w = tf.tensor3d(wValues, [1, 45, 45]);
    const y = unclipped.apply(x);
    const minEnvelope = Math.min(...y.dataSync()) ** (1 / 0.3);
    expect(minEnvelope).toBeGreaterThan(5e-3);
    // Centred on y(x) so that the float32 loss is small and its rounding does not swamp the
    // differences; the gradient is the same.
    const loss = (s: tf.Tensor) => tf.sum(tf.mul(tf.sub(unclipped.apply(s), y), w));
    const g = tf.grad(loss)(x).dataSync();
    const gScale = Math.max(...Array.from(g, Math.abs));
    const eps = 0.05;
    for (const i of [17, 1234, 3999]) {
      const lossAt = (delta: number) => {
        const v = signal.slice();
        v[i] += delta;
        return tf.tidy(() => loss(tf.tensor1d(v)).dataSync()[0]);
      };
      const fd = (lossAt(eps) - lossAt(-eps)) / (2 * eps);
      // Measured: |fd - g| <= 2.4e-5 with gScale 0.22 (float32 forward passes).
      expect(Math.abs(fd - g[i]), `sample ${i}: fd ${fd} grad ${g[i]}`).toBeLessThan(1e-2 * Math.abs(g[i]) + 1e-3 * gScale);
    }
    tf.dispose([x, w, y]);
    unclipped.dispose();
  });

  it('leaks no tensors across repeated apply + grad', () => {
    const x = tf.tensor1d(Float32Array.from(readFixture('small', 'signal').data));
    const w = tf.tensor3d(fixtureWeights(45 * 45), [1, 45, 45]);
    const step = () => {
      tf.dispose(coch.apply(x));
      tf.dispose(tf.grad((s: tf.Tensor) => tf.sum(tf.mul(coch.apply(s), w)))(x));
    };
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 2; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w]);
  });

  it('rejects a wrongly shaped input and use after dispose', () => {
    const other = new Cochleagram(small);
    expect(() => other.apply(tf.zeros([2, small.signalLength]))).toThrow(/expects/);
    other.dispose();
    expect(() => other.apply(tf.zeros([small.signalLength]))).toThrow(/dispose/);
  });
});
