/**
 * The match metrics (spec section 3) in float64 on the host, for arrays that are already in
 * memory (the CLI's `metamer metrics`): exact average ranks (ties shared, as
 * scipy.stats.rankdata), and Pearson / SNR from compensated (Neumaier) sums of centred values
 * with the two-pass correction, so they agree with scipy in float64 (tested to 1e-9). The
 * degenerate-vector conventions are those of metrics.ts (finishMetrics). NaN or Infinity are
 * refused: no metric of them means anything.
 */
import { finishMetrics } from './metrics.ts';
import type { MetricSet } from './types.ts';

/** Neumaier's compensated sum of f(i) for i < n. */
export function compensatedSum(n: number, f: (i: number) => number): number {
  let sum = 0;
  let c = 0;
  for (let i = 0; i < n; i++) {
    const v = f(i);
    const t = sum + v;
    c += Math.abs(sum) >= Math.abs(v) ? sum - t + v : v - t + sum;
    sum = t;
  }
  return sum + c;
}

/** Average (1-based) ranks in float64, ties sharing their average rank. */
export function averageRanks64(x: ArrayLike<number>): Float64Array {
  const n = x.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((i, j) => x[i] - x[j]);
  const ranks = new Float64Array(n);
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && x[order[end]] === x[order[start]]) end++;
    const rank = (start + 1 + end) / 2; // mean of ranks start+1 .. end
    for (let k = start; k < end; k++) ranks[order[k]] = rank;
    start = end;
  }
  return ranks;
}

/** Pearson r in float64 (0 when either vector is constant), clipped to [-1, 1]. */
export function pearson64(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  const ma = compensatedSum(n, (i) => a[i]) / n;
  const mb = compensatedSum(n, (i) => b[i]) / n;
  // Two-pass with the correction term: exact for any approximate mean.
  const da = compensatedSum(n, (i) => a[i] - ma);
  const db = compensatedSum(n, (i) => b[i] - mb);
  const sab = compensatedSum(n, (i) => (a[i] - ma) * (b[i] - mb)) - (da * db) / n;
  const saa = compensatedSum(n, (i) => (a[i] - ma) ** 2) - (da * da) / n;
  const sbb = compensatedSum(n, (i) => (b[i] - mb) ** 2) - (db * db) / n;
  if (!(saa > 0) || !(sbb > 0)) return 0;
  return Math.max(-1, Math.min(1, sab / Math.sqrt(saa * sbb)));
}

function firstNonFinite(x: ArrayLike<number>): number {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) return i;
  return -1;
}

/** Spearman, Pearson, r^2 and SNR (dB) in float64; `reference` is a. */
export function metricsFloat64(reference: ArrayLike<number>, candidate: ArrayLike<number>): MetricSet {
  if (reference.length !== candidate.length) throw new Error(`cannot compare ${reference.length} values with ${candidate.length}`);
  if (reference.length === 0) throw new Error('cannot compare empty arrays');
  for (const [x, which] of [[reference, 'reference'], [candidate, 'candidate']] as const) {
    const i = firstNonFinite(x);
    if (i >= 0) throw new Error(`the ${which} holds ${x[i]} at element ${i}; metrics need finite values`);
  }
  const n = reference.length;
  const signal = compensatedSum(n, (i) => reference[i] * reference[i]);
  const noise = compensatedSum(n, (i) => (reference[i] - candidate[i]) ** 2);
  const energyB = compensatedSum(n, (i) => candidate[i] * candidate[i]);
  const pearson = pearson64(reference, candidate);
  const spearman = pearson64(averageRanks64(reference), averageRanks64(candidate));
  return finishMetrics(spearman, pearson, signal, noise, energyB);
}
