/**
 * The Gram path of the null builder's pair pass: dot products of all stimuli (upper triangle) in
 * 4 x 4 register blocks, accumulated block by block so a stage can be split over processes.
 */
import type { FeatureStore } from './feature-store.ts';
import { blockUnitsFor, TILE_UNITS } from './null-blocks.ts';
import type { StageScalars } from './null-features.ts';
import { finishPair } from './null-pair-metrics.ts';
import { NULL_METRICS, type MetricName } from './types.ts';

/**
 * Adds units [from, to) of the 4 x 4 dot products of rows a0..a3 with columns b0..b3 to the
 * Gram matrix G (n x n, row-major) at rows i.., columns j... Each entry is one float64 sum over
 * the units in order, exactly as a one-pair loop would add them; sixteen at once load each
 * value once per four products and give the CPU sixteen independent chains.
 */
function gram4x4(
  a0: Float32Array, a1: Float32Array, a2: Float32Array, a3: Float32Array,
  b0: Float32Array, b1: Float32Array, b2: Float32Array, b3: Float32Array,
  from: number, to: number, G: Float64Array, n: number, i: number, j: number,
): void {
  const r0 = i * n + j, r1 = r0 + n, r2 = r1 + n, r3 = r2 + n;
  let s00 = G[r0], s01 = G[r0 + 1], s02 = G[r0 + 2], s03 = G[r0 + 3];
  let s10 = G[r1], s11 = G[r1 + 1], s12 = G[r1 + 2], s13 = G[r1 + 3];
  let s20 = G[r2], s21 = G[r2 + 1], s22 = G[r2 + 2], s23 = G[r2 + 3];
  let s30 = G[r3], s31 = G[r3 + 1], s32 = G[r3 + 2], s33 = G[r3 + 3];
  for (let u = from; u < to; u++) {
    const x0 = a0[u], x1 = a1[u], x2 = a2[u], x3 = a3[u];
    const y0 = b0[u], y1 = b1[u], y2 = b2[u], y3 = b3[u];
    s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3;
    s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3;
    s20 += x2 * y0; s21 += x2 * y1; s22 += x2 * y2; s23 += x2 * y3;
    s30 += x3 * y0; s31 += x3 * y1; s32 += x3 * y2; s33 += x3 * y3;
  }
  G[r0] = s00; G[r0 + 1] = s01; G[r0 + 2] = s02; G[r0 + 3] = s03;
  G[r1] = s10; G[r1 + 1] = s11; G[r1 + 2] = s12; G[r1 + 3] = s13;
  G[r2] = s20; G[r2 + 1] = s21; G[r2 + 2] = s22; G[r2 + 3] = s23;
  G[r3] = s30; G[r3 + 1] = s31; G[r3 + 2] = s32; G[r3 + 3] = s33;
}

/** Gram matrices (upper triangle, i <= j at [i * n4 + j]) of raw values and of z-scored ranks. */
export interface StageGram {
  /** poolSize rounded up to a multiple of 4 (the padding stimuli are zeros). */
  n4: number;
  raw: Float64Array;
  ranks: Float64Array;
}

export function emptyStageGram(poolSize: number): StageGram {
  const n4 = Math.ceil(poolSize / 4) * 4;
  return { n4, raw: new Float64Array(n4 * n4), ranks: new Float64Array(n4 * n4) };
}

/**
 * Adds units [start, end) of a stage to `gram` (sums continue from its values, unit after
 * unit), reading blocks of all stimuli that fit `budget` bytes. onTick (about every 100 ms)
 * gets the units done so far; it may abort by throwing.
 */
export async function accumulateStageGram(
  store: FeatureStore, stage: string, poolSize: number, start: number, end: number, budget: number,
  gram: StageGram, onTick?: (unitsDone: number) => void | Promise<void>,
): Promise<void> {
  const n4 = gram.n4;
  const blockUnits = blockUnitsFor(store, end - start, poolSize, budget);
  const empty = new Float32Array(0);
  const buffers = Array.from({ length: poolSize }, () =>
    store.spills ? { zRanks: new Float32Array(blockUnits), raw: new Float32Array(blockUnits) } : { zRanks: empty, raw: empty },
  );
  const zeros = new Float32Array(Math.min(blockUnits, end - start));
  let lastTick = Date.now();
  for (let b0 = start; b0 < end; b0 += blockUnits) {
    const b1 = Math.min(end, b0 + blockUnits);
    const raw: Float32Array[] = [];
    const ranks: Float32Array[] = [];
    for (let k = 0; k < n4; k++) {
      const blk = k < poolSize ? await store.readBlock(k, stage, b0, b1, buffers[k]) : { zRanks: zeros, raw: zeros };
      raw.push(blk.raw);
      ranks.push(blk.zRanks);
    }
    for (let t = 0; t < b1 - b0; t += TILE_UNITS) {
      const tEnd = Math.min(b1 - b0, t + TILE_UNITS);
      for (let i = 0; i < n4; i += 4) {
        for (let j = i; j < n4; j += 4) {
          gram4x4(raw[i], raw[i + 1], raw[i + 2], raw[i + 3], raw[j], raw[j + 1], raw[j + 2], raw[j + 3], t, tEnd, gram.raw, n4, i, j);
          gram4x4(ranks[i], ranks[i + 1], ranks[i + 2], ranks[i + 3], ranks[j], ranks[j + 1], ranks[j + 2], ranks[j + 3], t, tEnd, gram.ranks, n4, i, j);
        }
      }
      if (onTick && Date.now() - lastTick > 100) {
        await onTick(b0 + tEnd - start);
        lastTick = Date.now();
      }
    }
  }
}

/** The metrics of every pair [reference, other] of a stage from its Gram matrices. */
export function gramPairValues(pairs: Array<[number, number]>, units: number, scalars: StageScalars, gram: StageGram): Record<MetricName, Float64Array> {
  const out = Object.fromEntries(NULL_METRICS.map((m) => [m, new Float64Array(pairs.length)])) as Record<MetricName, Float64Array>;
  for (let p = 0; p < pairs.length; p++) {
    const [i, j] = pairs[p];
    const g = Math.min(i, j) * gram.n4 + Math.max(i, j);
    const m = finishPair(gram.ranks[g], gram.raw[g], units, scalars, i, j);
    for (const name of NULL_METRICS) out[name][p] = m[name];
  }
  return out;
}
