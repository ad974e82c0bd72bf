/**
 * Gradients against central finite differences of float64 re-implementations (cpu backend:
 * tfjs computes in float32, so agreement is to ~1e-5 relative).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { fakeRelu, relu } from '../../src/engine/fake-relu.ts';
import { l2Norm, relativeL2Loss } from '../../src/engine/loss.ts';
import { MetamerRun } from '../../src/engine/metamer-run.ts';
import { makeRunConfig } from '../../src/engine/presets.ts';
import { Rng } from '../../src/engine/random.ts';
import { alphaNorm, regularizedLoss, totalVariation } from '../../src/engine/regularizers.ts';
import { stagedModelFromFunction } from '../../src/engine/staged-model.ts';
import { useNodeBackend } from '../../src/platform/tf-node.ts';
import { imageSpec, l2, pick, take } from './helpers.ts';

beforeAll(async () => {
  await useNodeBackend('cpu');
});

function centralDiff(f: (x: Float64Array) => number, x: Float64Array, h = 1e-6): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const xp = Float64Array.from(x);
    const xm = Float64Array.from(x);
    xp[i] += h;
    xm[i] -= h;
    g[i] = (f(xp) - f(xm)) / (2 * h);
  }
  return g;
}

function relErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  return l2(got, want) / l2(want);
}

const norm64 = (v: number[]) => Math.sqrt(v.reduce((s, a) => s + a * a, 0));

describe('fake ReLU', () => {
  it('forward is max(x,0), backward the identity; the true ReLU matches finite differences', () => {
    const xv = [-1.5, -0.2, 0.3, 2, -0.7, 1.1];
    const w = [0.3, -1, 2, 0.5, 1.5, -0.25];
    const x = tf.tensor1d(xv);
    const wt = tf.tensor1d(w);
    expect(Array.from(take(fakeRelu(x)))).toEqual(Array.from(take(tf.relu(x))));
    const gFake = take(tf.grad((t: tf.Tensor) => tf.sum(tf.mul(wt, relu(t, true))))(x));
    const gTrue = take(tf.grad((t: tf.Tensor) => tf.sum(tf.mul(wt, relu(t, false))))(x));
    const fd = centralDiff((v) => v.reduce((s, a, i) => s + w[i] * Math.max(a, 0), 0), Float64Array.from(xv));
    for (let i = 0; i < xv.length; i++) {
      expect(gFake[i]).toBeCloseTo(w[i], 6); // identity everywhere, negative inputs included
      expect(gTrue[i]).toBeCloseTo(fd[i], 5);
      if (xv[i] > 0) expect(gFake[i]).toBeCloseTo(fd[i], 5);
    }
    tf.dispose([x, wt]);
  });
});

describe('losses', () => {
  const H = 3;
  const W = 3;
  const C = 2;
  const n = H * W * C;
  const units = 5;
  const rng = new Rng(5);
  const Wm = Array.from(rng.normalArray(units * n, 0, 0.5));
  const bias = Array.from(rng.normalArray(units, 0, 0.1));
  const x0 = Float64Array.from(rng.normalArray(n, 0.5, 0.2));
  const ref = Float64Array.from(rng.normalArray(n, 0.5, 0.2));
  const maskV = [1, 0, 1, 1, 0];
  const mean = [0.4, 0.6];
  const std = [0.2, 0.3];

  const stage64 = (x: Float64Array) =>
    Array.from({ length: units }, (_, u) => Math.tanh(bias[u] + x.reduce((s, a, i) => s + Wm[u * n + i] * a, 0)));
  const normalized64 = (x: Float64Array) => Array.from(x, (v, i) => (v - mean[i % C]) / std[i % C]);

  const model = () =>
    stagedModelFromFunction({
      id: 'tanh-dense',
      stages: ['fc'],
      inputSpec: imageSpec([H, W, C], { normalization: { mean, std }, range: [-10, 10] }),
      normalize: false,
      forward: (x, stages) =>
        pick({ fc: () => tf.tanh(tf.add(tf.matMul(tf.reshape(x, [1, n]), tf.tensor2d(Wm, [units, n]), false, true), bias)) }, stages),
    });

  it('relative L2 loss (masked and not) matches float64 values and finite differences', () => {
    const A64 = stage64(ref);
    for (const masked of [false, true]) {
      const f64 = (x: Float64Array) => {
        const Ap = stage64(x);
        const m = masked ? maskV : maskV.map(() => 1);
        return norm64(A64.map((a, i) => m[i] * (a - Ap[i]))) / norm64(A64.map((a, i) => m[i] * a));
      };
      const mdl = model();
      const A = tf.tensor2d(A64, [1, units]);
      const mask = masked ? tf.tensor2d(maskV, [1, units]) : null;
      const x = tf.tensor(Float32Array.from(x0), [1, H, W, C]);
      const f = (t: tf.Tensor) => relativeL2Loss(A, mdl.forward(t, ['fc']).fc, mask);
      const { value, grad } = tf.valueAndGrad(f)(x);
      expect(take(value)[0]).toBeCloseTo(f64(x0), 5);
      expect(relErr(take(grad), centralDiff(f64, x0))).toBeLessThan(2e-5);
      tf.dispose([A, x]);
      mask?.dispose();
      mdl.dispose();
    }
  });

  it("the run's objective, regularised (alpha norm + TV on the normalised input), matches finite differences", () => {
    const la = 0.05;
    const ltv = 0.01;
    const f64 = (x: Float64Array) => {
      const A = stage64(ref);
      const Ap = stage64(x);
      const xn = normalized64(x);
      const mu = xn.reduce((s, a) => s + a, 0) / xn.length;
      const a6 = Math.pow(xn.reduce((s, a) => s + Math.abs(a - mu) ** 6, 0), 1 / 6);
      let tv = 0;
      const at = (h: number, w: number, c: number) => xn[(h * W + w) * C + c];
      for (let h = 0; h < H; h++)
        for (let w = 0; w < W; w++)
          for (let c = 0; c < C; c++) {
            if (w + 1 < W) tv += (at(h, w + 1, c) - at(h, w, c)) ** 2;
            if (h + 1 < H) tv += (at(h + 1, w, c) - at(h, w, c)) ** 2;
          }
      return norm64(A.map((a, i) => a - Ap[i])) / norm64(Ap) + la * a6 + ltv * tv;
    };
    const mdl = model();
    const reference = tf.tensor(Float32Array.from(ref), [1, H, W, C]);
    const cfg = makeRunConfig('fc', { regularizers: { tv: ltv, alphaNorm: la, alpha: 6 }, passes: 1, itersPerPass: 1 });
    const run = new MetamerRun(mdl, reference, cfg);
    const x = tf.tensor(Float32Array.from(x0), [1, H, W, C]);
    const { value, grad } = tf.valueAndGrad((t: tf.Tensor) => run.objective(t))(x);
    expect(take(value)[0]).toBeCloseTo(f64(x0), 5);
    expect(relErr(take(grad), centralDiff(f64, x0))).toBeLessThan(2e-5);
    tf.dispose([x, reference]);
    run.dispose();
    mdl.dispose();
  });

  it('is gradient-safe at zero: no NaN when A = 0 or A = A\'', () => {
    const z = tf.zeros([1, 4]);
    const v = tf.tensor2d([[1, -2, 3, 0.5]]);
    // ||A|| = 0: the plain distance.
    expect(take(relativeL2Loss(z, v))[0]).toBeCloseTo(Math.sqrt(1 + 4 + 9 + 0.25), 5);
    const g0 = take(tf.grad((t: tf.Tensor) => relativeL2Loss(t, t))(v));
    expect(Array.from(g0).every((a) => a === 0)).toBe(true);
    const g1 = take(tf.grad((t: tf.Tensor) => relativeL2Loss(z, t))(z.clone()));
    expect(Array.from(g1).every(Number.isFinite)).toBe(true);
    const g2 = take(tf.grad((t: tf.Tensor) => tf.add(alphaNorm(t, 6), l2Norm(t)))(z));
    expect(Array.from(g2).every((a) => a === 0)).toBe(true);
    const img = tf.ones([1, 2, 2, 1]);
    expect(take(totalVariation(img))[0]).toBe(0);
    const reg = regularizedLoss(v, v, img, { tv: 1, alphaNorm: 1, alpha: 6 });
    expect(take(reg)[0]).toBe(0);
    tf.dispose([z, v, img]);
  });
});
