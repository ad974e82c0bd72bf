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
 * Precision: float32 on device. Ranks are exact integers / halves up to 2^23 (8.4M) elements.
 * Sums use centred values, so Pearson/Spearman agree with float64 to ~1e-6 for typical sizes.
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

/** Pearson r of two 1-D tensors as a scalar tensor; 0 where either has zero variance. */
function pearsonTensor(a: tf.Tensor1D, b: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const ac = tf.sub(a, tf.mean(a));
    const bc = tf.sub(b, tf.mean(b));
    const num = tf.sum(tf.mul(ac, bc));
    const den = tf.sqrt(tf.mul(tf.sum(tf.square(ac)), tf.sum(tf.square(bc))));
    const safeDen = tf.where(tf.greater(den, 0), den, tf.onesLike(den));
    const r = tf.where(tf.greater(den, 0), tf.div(num, safeDen), tf.zerosLike(den));
    return tf.clipByValue(r, -1, 1) as tf.Scalar;
  });
}

function checkShapes(a: tf.Tensor, b: tf.Tensor): void {
  if (a.size !== b.size) {
    throw new Error(`Cannot compare activations of different sizes: ${a.shape} vs ${b.shape}`);
  }
  if (a.size === 0) throw new Error('Cannot compare empty activations');
}

/**
 * Spearman, Pearson, r^2 and SNR (dB) between reference and candidate activations of one
 * stage. Shapes may differ only in layout (same number of elements). One device->host read.
 */
export async function stageMetrics(reference: tf.Tensor, candidate: tf.Tensor): Promise<MetricSet> {
  checkShapes(reference, candidate);
  const packed = tf.tidy(() => {
    const a = tf.reshape(reference, [-1]).toFloat() as tf.Tensor1D;
    const b = tf.reshape(candidate, [-1]).toFloat() as tf.Tensor1D;
    const pearson = pearsonTensor(a, b);
    const spearman = pearsonTensor(averageRanks(a), averageRanks(b));
    const signal = tf.sum(tf.square(a));
    const noise = tf.sum(tf.square(tf.sub(a, b)));
    const energyB = tf.sum(tf.square(b));
    return tf.stack([spearman, pearson, signal, noise, energyB]);
  });
  const [spearman, pearson, signal, noise, energyB] = Array.from(await packed.data());
  packed.dispose();
  return finishMetrics(spearman, pearson, signal, noise, energyB);
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
