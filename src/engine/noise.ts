/**
 * The seeded noise a metamer starts from (spec section 2). Drawn with the engine's Rng in
 * JavaScript (not tf.random*), then clamped to the input range, so one seed gives the same
 * noise on every backend.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from './random.ts';
import type { InputSpec } from './types.ts';

/** The noise as a Float32Array of prod(spec.shape) values (no batch dimension). */
export function initialNoiseData(spec: InputSpec, seed: number): Float32Array {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const data = new Rng(seed).normalArray(n, spec.init.mean, spec.init.std);
  const [lo, hi] = spec.range;
  for (let i = 0; i < n; i++) data[i] = Math.min(hi, Math.max(lo, data[i]));
  return data;
}

/** N(init.mean, init.std^2) noise of shape [1, ...spec.shape], clamped to spec.range. Caller disposes. */
export function initialNoise(spec: InputSpec, seed: number): tf.Tensor {
  return tf.tensor(initialNoiseData(spec, seed), [1, ...spec.shape], 'float32');
}
