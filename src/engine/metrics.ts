/**
 * Match metrics between reference activations a and candidate activations b at one stage
 * (spec section 3), computed on the device so that millions of activations never leave it:
 *
 * - Spearman rho: Pearson correlation of the ranks; tied values share their average rank
 *   (as scipy.stats.spearmanr). Ranks come from one device sort (topk with k = n) and two
 *   binary searches into the sorted values: rank = (#less + #less-or-equal + 1) / 2.
 * - Pearson r (and r^2, which the paper reports).
 * - SNR dB, the paper's formula: 10 log10( sum(a^2) / sum((a - b)^2) ). The authors' code
 *   reports half of this (a ratio of norms); we show the paper's everywhere.
 *
 * Conventions for degenerate vectors (the paper defines only the first):
 * - both all zero: every metric is 0;
 * - a constant vector (zero variance): the correlation it enters is 0 (scipy returns NaN);
 * - b == a with sum(a^2) > 0: SNR is +Infinity; a all zero, b not: SNR is -Infinity.
 *
 * Precision: float32 on the device, float64 on the host. Ranks are exact integers / halves up
 * to 2^23 (8.4M) elements. Every sum is centred and compensated: values are centred on a
 * device-computed mean, the device sums blocks of about sqrt(n) values (so float32 rounding
 * grows with sqrt(n), not n), the host adds the block sums in float64, and the two-pass
 * correction (sum(x - m)^2 - (sum(x - m))^2 / n, Chan, Golub & LeVeque 1983) removes what the
 * float32 mean got wrong. Tested within 1e-5 of scipy on 200,000 elements with ties.
 */
import * as tf from '@tensorflow/tfjs';
import type { MetricSet } from './types.ts';

/** Average (1-based) ranks of a 1-D tensor, ties sharing their average rank. */
export function averageRanks(x: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => {
    const n = x.shape[0];
    // topk sorts descending; searchSorted needs ascending.
    const ascending = tf.reverse(tf.topk(x, n, true).values) as tf.Tensor1D;
    const below = tf.searchSorted(ascending, x, 'left');
    const belowOrEqual = tf.searchSorted(ascending, x, 'right');
    return tf.div(tf.add(tf.add(below, belowOrEqual), 1).toFloat(), 2) as tf.Tensor1D;
  });
}

function checkShapes(a: tf.Tensor, b: tf.Tensor): void {
  if (a.size !== b.size) {
    throw new Error(`Cannot compare activations of different sizes: ${a.shape} vs ${b.shape}`);
  }
  if (a.size === 0) throw new Error('Cannot compare empty activations');
}

/** Sums of consecutive blocks of `block` values (the last zero padded): ~n / block partial sums. */
function blockSums(x: tf.Tensor1D, block: number): tf.Tensor1D {
  const n = x.size;
  const rows = Math.ceil(n / block);
  const padded = rows * block === n ? x : tf.pad(x, [[0, rows * block - n]]);
  return tf.sum(tf.reshape(padded, [rows, block]), 1) as tf.Tensor1D;
}

/** Float64 sum of float32 partial sums (Neumaier-compensated). */
function hostSum(parts: Float32Array | Float64Array, from: number, to: number): number {
  let sum = 0;
  let c = 0;
  for (let i = from; i < to; i++) {
    const v = parts[i];
    const t = sum + v;
    c += Math.abs(sum) >= Math.abs(v) ? sum - t + v : v - t + sum;
    sum = t;
  }
  return sum + c;
}

/** The block sums stageMetrics reads back, in this order. */
const SUMS = ['da', 'db', 'daa', 'dbb', 'dab', 'ra', 'rb', 'raa', 'rbb', 'rab', 'signal', 'noise', 'energyB'] as const;
type SumName = (typeof SUMS)[number];

/** Pearson r from centred sums and the two-pass correction; 0 where either has zero variance. */
function correctedPearson(s: Record<SumName, number>, prefix: 'd' | 'r', n: number): number {
  const a = s[`${prefix}a`];
  const b = s[`${prefix}b`];
  const sab = s[`${prefix}ab`] - (a * b) / n;
  const saa = s[`${prefix}aa`] - (a * a) / n;
  const sbb = s[`${prefix}bb`] - (b * b) / n;
  if (!(saa > 0) || !(sbb > 0)) return 0;
  return Math.max(-1, Math.min(1, sab / Math.sqrt(saa * sbb)));
}

/**
 * Spearman, Pearson, r^2 and SNR (dB) between reference and candidate activations of one
 * stage. Shapes may differ only in layout (same number of elements). One device->host read
 * of about 13 sqrt(n) block sums.
 */
export async function stageMetrics(reference: tf.Tensor, candidate: tf.Tensor): Promise<MetricSet> {
  checkShapes(reference, candidate);
  const n = reference.size;
  const block = Math.max(1, Math.ceil(Math.sqrt(n)));
  const packed = tf.tidy(() => {
    const a = tf.reshape(reference, [-1]).toFloat() as tf.Tensor1D;
    const b = tf.reshape(candidate, [-1]).toFloat() as tf.Tensor1D;
    const mean = (x: tf.Tensor1D) => tf.div(tf.sum(blockSums(x, block)), n);
    const ca = tf.sub(a, mean(a)) as tf.Tensor1D;
    const cb = tf.sub(b, mean(b)) as tf.Tensor1D;
    // Ranks have the exact mean (n + 1) / 2; centred, they are exact halves in float32.
    const mid = (n + 1) / 2;
    const ra = tf.sub(tf.reshape(averageRanks(a), [-1]), mid) as tf.Tensor1D;
    const rb = tf.sub(tf.reshape(averageRanks(b), [-1]), mid) as tf.Tensor1D;
    const terms: Record<SumName, tf.Tensor1D> = {
      da: ca, db: cb, daa: tf.square(ca), dbb: tf.square(cb), dab: tf.mul(ca, cb),
      ra, rb, raa: tf.square(ra), rbb: tf.square(rb), rab: tf.mul(ra, rb),
      signal: tf.square(a), noise: tf.square(tf.sub(a, b)), energyB: tf.square(b),
    };
    return tf.concat(SUMS.map((k) => blockSums(terms[k], block)));
  });
  const parts = (await packed.data()) as Float32Array;
  packed.dispose();
  const rows = parts.length / SUMS.length;
  const sums = Object.fromEntries(SUMS.map((k, i) => [k, hostSum(parts, i * rows, (i + 1) * rows)])) as Record<SumName, number>;
  const pearson = correctedPearson(sums, 'd', n);
  const spearman = correctedPearson(sums, 'r', n);
  return finishMetrics(spearman, pearson, sums.signal, sums.noise, sums.energyB);
}

/** Applies the degenerate-vector conventions to raw sums (shared with the null builder). */
export function finishMetrics(
  spearman: number,
  pearson: number,
  signal: number,
  noise: number,
  energyB: number,
): MetricSet {
  if (signal === 0 && energyB === 0) return { spearman: 0, pearson: 0, r2: 0, snrDb: 0 };
  return { spearman, pearson, r2: pearson * pearson, snrDb: snrDb(signal, noise) };
}

/** The paper's SNR in dB from sum(a^2) and sum((a-b)^2). */
export function snrDb(signal: number, noise: number): number {
  if (noise === 0) return signal === 0 ? 0 : Infinity;
  if (signal === 0) return -Infinity;
  return 10 * Math.log10(signal / noise);
}

/** Metrics at every stage present in both records (reference activations first). */
export async function metricsPerStage(
  reference: Record<string, tf.Tensor>,
  candidate: Record<string, tf.Tensor>,
): Promise<Record<string, MetricSet>> {
  const out: Record<string, MetricSet> = {};
  for (const stage of Object.keys(reference)) {
    if (candidate[stage]) out[stage] = await stageMetrics(reference[stage], candidate[stage]);
  }
  return out;
}
