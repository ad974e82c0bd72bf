/**
 * Gradient checks for the ONNX tests: tf.grad of <probe, f(x)> against central finite
 * differences along random directions, for piecewise-linear nets in float32.
 *
 * - The difference is summed in float64 over f(x + eps d) - f(x) per unit, so units the
 *   step does not reach cancel exactly and float32 rounding of a large total does not swamp
 *   a small change (which lets a direction touch only a small patch of a big input).
 * - ReLUs and max pools make f piecewise linear: a central difference is exact only if no
 *   kink lies within the step. A step counts when its two one-sided differences agree
 *   (true on one linear piece); otherwise a smaller step, then another direction, is tried.
 */
import { expect } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/engine/random.ts';

export interface GradCheckOptions {
  /** A random direction for draw k (default: dense N(0, 1) over the whole input). */
  direction?: (r: Rng, x: tf.Tensor) => tf.Tensor;
  /** Relative tolerance on <grad, d> (default 5e-3). */
  tol?: number;
  /** Directions that must pass (default 3); up to 4x as many are drawn. */
  checks?: number;
  /** Steps tried, largest first (default 1e-3, 2.5e-4). */
  steps?: number[];
  /** Relative disagreement of the one-sided differences still counted as linear (default 2e-3). */
  linearTol?: number;
}

function values(f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor): Float32Array {
  return tf.tidy(() => f(x).dataSync() as Float32Array);
}

/** A dense N(0, 1) direction. */
export function denseDirection(r: Rng, x: tf.Tensor): tf.Tensor {
  return tf.tensor(Float32Array.from({ length: x.size }, () => r.normal()), x.shape);
}

/** N(0, 1) on a random size x size patch of all channels of a [1, H, W, C] input, zero elsewhere. */
export function patchDirection(size: number) {
  return (r: Rng, x: tf.Tensor): tf.Tensor => {
    const [, h, w, c] = x.shape;
    const top = r.int(h - size + 1);
    const left = r.int(w - size + 1);
    const d = new Float32Array(x.size);
    for (let y = top; y < top + size; y++) {
      for (let xx = left; xx < left + size; xx++) for (let k = 0; k < c; k++) d[(y * w + xx) * c + k] = r.normal();
    }
    return tf.tensor(d, x.shape);
  };
}

/**
 * <probe, (f(x + eps d) - f(x - eps d)) / (2 eps)> in float64, or null if every step tried
 * straddles a kink.
 */
export function centralDifference(
  f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor, d: tf.Tensor, probe: Float32Array,
  steps = [1e-3, 2.5e-4], linearTol = 2e-3,
): number | null {
  const a0 = values(f, x);
  for (const eps of steps) {
    const ap = values((v) => f(tf.add(v, tf.mul(d, eps))), x);
    const am = values((v) => f(tf.sub(v, tf.mul(d, eps))), x);
    let up = 0;
    let down = 0;
    // float32 rounding (~1 ulp, random sign) of the units the step changed, summed in
    // quadrature with a 6-sigma margin; unchanged units cancel exactly.
    let rounding = 0;
    for (let i = 0; i < a0.length; i++) {
      up += probe[i] * (ap[i] - a0[i]);
      down += probe[i] * (a0[i] - am[i]);
      if (ap[i] !== a0[i] || am[i] !== a0[i]) rounding += (probe[i] * Math.max(Math.abs(a0[i]), Math.abs(ap[i]), Math.abs(am[i]))) ** 2;
    }
    const slack = 6 * 1.2e-7 * Math.sqrt(rounding);
    if (Math.abs(up - down) <= linearTol * Math.abs(up + down) + slack) return (up + down) / (2 * eps);
  }
  return null;
}

/** Expects d/dx <probe, f(x)> (tf.grad) to match central differences along random directions. */
export function expectGradientMatchesDifferences(f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor, seed: number, o: GradCheckOptions = {}): void {
  const r = new Rng(seed);
  const shape = tf.tidy(() => f(x).shape);
  const probe = r.normalArray(shape.reduce((a, b) => a * b, 1), 0, 1);
  const probeT = tf.tensor(probe, shape);
  const grad = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(f(v), probeT)) as tf.Scalar)(x);
  const g = grad.dataSync();
  const direction = o.direction ?? denseDirection;
  const want = o.checks ?? 3;
  let checked = 0;
  for (let draw = 0; draw < 4 * want && checked < want; draw++) {
    const d = direction(r, x);
    const numeric = centralDifference(f, x, d, probe, o.steps, o.linearTol);
    const dd = d.dataSync();
    d.dispose();
    if (numeric === null) continue;
    let analytic = 0;
    let terms = 0;
    for (let i = 0; i < dd.length; i++) {
      analytic += g[i] * dd[i];
      terms += Math.abs(g[i] * dd[i]);
    }
    // Relative to the result, or to its terms when they nearly cancel.
    expect(Math.abs(analytic - numeric)).toBeLessThan((o.tol ?? 5e-3) * Math.max(Math.abs(numeric), 1e-2 * terms));
    checked++;
  }
  tf.dispose([grad, probeT]);
  expect(checked, 'directions whose finite difference avoided every kink').toBe(want);
}
