import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { useNodeBackend, NODE_BACKENDS } from '../../src/platform/tf-node.ts';
import { averageRanks, stageMetrics } from '../../src/engine/metrics.ts';
import { Rng } from '../../src/engine/random.ts';
import { naiveAverageRanks, pearson64, snr64, spearman64 } from './reference-metrics.ts';

/** Values with many ties: integers in a small range, scaled. */
function tiedVector(rng: Rng, n: number, levels: number): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = (rng.int(levels) - levels / 2) * 0.25;
  return x;
}

describe.each(NODE_BACKENDS)('metrics on the %s backend', (backend) => {
  beforeAll(async () => {
    await useNodeBackend(backend);
  });

  it('average ranks match O(n^2) counting, with ties', async () => {
    const x = tiedVector(new Rng(3), 500, 17);
    const ranks = averageRanks(tf.tensor1d(x));
    const got = await ranks.data();
    ranks.dispose();
    const want = naiveAverageRanks(x);
    for (let i = 0; i < x.length; i++) expect(got[i]).toBeCloseTo(want[i], 6);
  });

  it('agrees with float64 references on tied, correlated data', async () => {
    const rng = new Rng(11);
    for (const [n, levels] of [[10, 3], [257, 9], [1500, 40], [1200, 100000]] as const) {
      const a = tiedVector(rng, n, levels);
      const b = new Float32Array(n);
      for (let i = 0; i < n; i++) b[i] = a[i] * 0.7 + (rng.int(levels) - levels / 2) * 0.1;
      const m = await stageMetrics(tf.tensor1d(a), tf.tensor1d(b));
      expect(m.spearman).toBeCloseTo(spearman64(a, b), 5);
      expect(m.pearson).toBeCloseTo(pearson64(a, b), 5);
      expect(m.r2).toBeCloseTo(pearson64(a, b) ** 2, 5);
      expect(m.snrDb).toBeCloseTo(snr64(a, b), 3);
    }
  });

  it('closed forms: identical, negated, scaled and shifted vectors', async () => {
    const a = tf.tensor1d([0.3, -1, 2, 5, 5, 7]);
    const same = await stageMetrics(a, a);
    expect(same.spearman).toBeCloseTo(1, 6);
    expect(same.pearson).toBeCloseTo(1, 6);
    expect(same.snrDb).toBe(Infinity);
    const neg = await stageMetrics(a, tf.neg(a));
    expect(neg.pearson).toBeCloseTo(-1, 6);
    expect(neg.spearman).toBeCloseTo(-1, 6);
    // b = 2a: sum(a^2) / sum(a^2) = 1 -> 0 dB; b = a/2: 10 log10(4) dB.
    expect((await stageMetrics(a, tf.mul(a, 2))).snrDb).toBeCloseTo(0, 5);
    expect((await stageMetrics(a, tf.mul(a, 0.5))).snrDb).toBeCloseTo(10 * Math.log10(4), 4);
    // Monotone but non-linear: Spearman 1, Pearson < 1.
    const cubed = await stageMetrics(a, tf.pow(a, 3));
    expect(cubed.spearman).toBeCloseTo(1, 6);
    expect(cubed.pearson).toBeLessThan(0.99);
  });

  it('degenerate vectors: all zero, constant, zero reference', async () => {
    const z = tf.zeros([4, 5]);
    expect(await stageMetrics(z, z)).toEqual({ spearman: 0, pearson: 0, r2: 0, snrDb: 0 });
    const c = tf.fill([20], 3);
    const v = tf.linspace(0, 1, 20);
    const cv = await stageMetrics(c, v);
    expect(cv.spearman).toBe(0);
    expect(cv.pearson).toBe(0);
    expect(cv.snrDb).toBeCloseTo(snr64(await c.data(), await v.data()), 4);
    expect((await stageMetrics(tf.zeros([20]), v)).snrDb).toBe(-Infinity);
  });

  it('accepts differently laid out tensors of equal size and rejects unequal sizes', async () => {
    const a = tf.range(0, 12).reshape([3, 4]);
    const m = await stageMetrics(a, tf.range(0, 12).reshape([1, 2, 6]));
    expect(m.pearson).toBeCloseTo(1, 6);
    await expect(stageMetrics(a, tf.zeros([5]))).rejects.toThrow(/different sizes/);
  });

  it('leaks no tensors', async () => {
    const a = tf.randomNormal([1000]);
    const b = tf.randomNormal([1000]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) await stageMetrics(a, b);
    expect(tf.memory().numTensors).toBe(before);
    a.dispose();
    b.dispose();
  });
});
