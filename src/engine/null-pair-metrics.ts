/** The metrics of one pair from its dot products and the per-stimulus scalars (null builder). */
import { finishMetrics } from './metrics.ts';
import type { StageScalars } from './null-features.ts';
import type { MetricName } from './types.ts';

function clip1(r: number): number {
  return r > 1 ? 1 : r < -1 ? -1 : r;
}

/**
 * The three metrics of reference i against j from the dot products of their raw values and of
 * their z-scored ranks (conventions of stageMetrics): sum((a-b)^2) = |a|^2 + |b|^2 - 2 a.b
 * (exactly 0 for identical vectors: a.a is summed in the order of the energy) and
 * sum((a-ma)(b-mb)) = a.b - n ma mb. Float32 products are exact in float64, so these sums lose
 * nothing measurable for pairs of different stimuli (relative error ~1e-12).
 */
export function finishPair(rankDot: number, dot: number, units: number, s: StageScalars, i: number, j: number): Record<MetricName, number> {
  const noise = Math.max(0, s.energy[i] + s.energy[j] - 2 * dot);
  const cross = dot - units * s.mean[i] * s.mean[j];
  const den = s.centredNorm[i] * s.centredNorm[j];
  const pearson = den > 0 ? clip1(cross / den) : 0;
  const m = finishMetrics(clip1(rankDot), pearson, s.energy[i], noise, s.energy[j]);
  return { spearman: m.spearman, pearson: m.pearson, snrDb: m.snrDb };
}
