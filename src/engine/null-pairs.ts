/**
 * The pair pass of the null builder: for each drawn pair, the dot products of raw values and of
 * z-scored ranks over a stage's units, by the Gram path (null-gram.ts) or one loop per pair.
 * Both add each pair's float64 sums unit after unit, so they give bit-identical results.
 */
import type { FeatureBlock, FeatureStore } from './feature-store.ts';
import { blockUnitsFor, TILE_UNITS } from './null-blocks.ts';
import type { StageScalars } from './null-features.ts';
import { accumulateStageGram, emptyStageGram, gramPairValues } from './null-gram.ts';
import { finishPair } from './null-pair-metrics.ts';
import { NULL_METRICS, type MetricName } from './types.ts';

/**
 * How the pair pass runs: 'gram' computes the dot products of all stimuli (upper triangle,
 * 4 x 4 blocks), 'pairs' only those of the drawn pairs; 'auto' takes the Gram matrix when the
 * pairs are at least 40% of all pairs (it does about 2.5x more work per unit than one pair
 * alone, but costs about as much in total then). Both give bit-identical sums.
 */
export type PairPass = 'auto' | 'gram' | 'pairs';

/**
 * The pair pass of one stage: blockwise, tile by tile, all pairs per tile; then the metrics.
 * onTick (about every 100 ms) gets the units done so far; it may abort by throwing.
 */
export async function stagePairValues(
  stage: string, units: number, poolSize: number, pairs: Array<[number, number]>, scalars: StageScalars,
  store: FeatureStore, budget: number, mode: PairPass, onTick: (unitsDone: number) => Promise<void>,
): Promise<Record<MetricName, Float64Array>> {
  if (mode === 'gram' || (mode === 'auto' && pairs.length * 5 >= poolSize * (poolSize - 1))) {
    const gram = emptyStageGram(poolSize);
    await accumulateStageGram(store, stage, poolSize, 0, units, budget, gram, onTick);
    return gramPairValues(pairs, units, scalars, gram);
  }
  return sparsePairValues(stage, units, poolSize, pairs, scalars, store, budget, onTick);
}

/** The Gram update for one pair: raw dot at dots[p], rank dot at rankDots[p]. */
function pairDots(a: FeatureBlock, b: FeatureBlock, from: number, to: number, dots: Float64Array, rankDots: Float64Array, p: number): void {
  const ra = a.raw, za = a.zRanks, rb = b.raw, zb = b.zRanks;
  let dot = dots[p], rankDot = rankDots[p];
  for (let u = from; u < to; u++) {
    dot += ra[u] * rb[u];
    rankDot += za[u] * zb[u];
  }
  dots[p] = dot;
  rankDots[p] = rankDot;
}

/** The pair pass for few pairs: one loop per pair over each tile, only the stimuli in pairs read. */
async function sparsePairValues(
  stage: string, units: number, poolSize: number, pairs: Array<[number, number]>, scalars: StageScalars,
  store: FeatureStore, budget: number, onTick: (unitsDone: number) => Promise<void>,
): Promise<Record<MetricName, Float64Array>> {
  const blockUnits = blockUnitsFor(store, units, poolSize, budget);
  const used = new Uint8Array(poolSize);
  for (const [i, j] of pairs) used[i] = used[j] = 1;
  const dots = new Float64Array(pairs.length);
  const rankDots = new Float64Array(pairs.length);
  const empty = new Float32Array(0);
  const buffers = Array.from({ length: poolSize }, (_, k) =>
    store.spills && used[k] ? { zRanks: new Float32Array(blockUnits), raw: new Float32Array(blockUnits) } : { zRanks: empty, raw: empty },
  );
  let lastTick = Date.now();
  for (let start = 0; start < units; start += blockUnits) {
    const end = Math.min(units, start + blockUnits);
    const blocks: FeatureBlock[] = [];
    for (let k = 0; k < poolSize; k++) if (used[k]) blocks[k] = await store.readBlock(k, stage, start, end, buffers[k]);
    for (let t = 0; t < end - start; t += TILE_UNITS) {
      const tEnd = Math.min(end - start, t + TILE_UNITS);
      for (let p = 0; p < pairs.length; p++) pairDots(blocks[pairs[p][0]], blocks[pairs[p][1]], t, tEnd, dots, rankDots, p);
      if (Date.now() - lastTick > 100) {
        await onTick(start + tEnd);
        lastTick = Date.now();
      }
    }
  }
  const out = Object.fromEntries(NULL_METRICS.map((m) => [m, new Float64Array(pairs.length)])) as Record<MetricName, Float64Array>;
  for (let p = 0; p < pairs.length; p++) {
    const m = finishPair(rankDots[p], dots[p], units, scalars, pairs[p][0], pairs[p][1]);
    for (const name of NULL_METRICS) out[name][p] = m[name];
  }
  return out;
}
