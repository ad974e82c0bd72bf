/**
 * Builds a model's null distribution (spec section 3): Spearman, Pearson and SNR between
 * random pairs of natural stimuli, at every stage.
 *
 * Exact and cheap: every stimulus's activations are computed once per stage and reduced to
 * z-scored average ranks (centred, unit L2 norm; zeros for a constant vector), the raw values
 * and a few float64 scalars (sum of squares, mean, centred norm). Then each pair needs two
 * float64 dot products: Spearman = <zr_a, zr_b> (Pearson of average ranks), Pearson from
 * <a, b> - n mean_a mean_b over the centred norms, SNR from sum(a^2) and
 * sum((a-b)^2) = sum(a^2) + sum(b^2) - 2 <a, b>. When the pairs are a large share of all pairs
 * the dot products of all stimuli are computed as Gram matrices in 4 x 4 register blocks
 * (about 5x faster per pair in JS than one loop per pair with three sums).
 * Metric conventions (degenerate vectors, clipping) are those of `stageMetrics` via
 * `finishMetrics`.
 *
 * Memory: the ranks and raw values (8 bytes per activation per stimulus) wait in a
 * FeatureStore (feature-store.ts). In memory (default), stages are grouped so that a group's
 * features of all stimuli fit the byte budget, at the cost of one extra forward pass per
 * stimulus per group. A spilling store (on disk) takes all stages in one forward pass, and the
 * pair pass reads the units in blocks [start, end) that fit the budget for all stimuli; each
 * pair's float64 sums carry over from block to block, unit after unit, so the result does not
 * depend on the block size or the store.
 */
import * as tf from '@tensorflow/tfjs';
import { finishMetrics } from './metrics.ts';
import { InMemoryFeatureStore, type FeatureBlock, type FeatureStore } from './feature-store.ts';
import { summarizeNull, QUANTILE_LEVELS, NULL_FORMAT } from './null-distribution.ts';
import { Rng } from './random.ts';
import { NULL_METRICS, type MetricName, type NullDistribution, type NullSummary, type StagedModel } from './types.ts';

/** Tensors ([1, ...inputShape]) the builder may iterate more than once (one pass per stage group). */
export type StimulusSource =
  | readonly tf.Tensor[]
  | (() => AsyncIterable<tf.Tensor> | Iterable<tf.Tensor> | Promise<AsyncIterable<tf.Tensor> | Iterable<tf.Tensor>>);

export interface NullProgress {
  phase: 'activations' | 'pairs';
  stages: string[];
  done: number;
  total: number;
}

export interface BuildNullOptions {
  model: StagedModel;
  /**
   * The stimulus pool. An array is used as is (the caller owns and disposes it). A factory
   * must yield the same stimuli in the same order on every call; the builder disposes the
   * tensors it yields.
   */
  stimuli: StimulusSource;
  pairs: number;
  seed: number;
  stages?: readonly string[];
  /** Description of the stimuli stored in the file. */
  sourceDescription?: string;
  quantileLevels?: readonly number[];
  bins?: number;
  /**
   * Feature memory (default 1 GiB): per stage group for an in-memory store, per block of the
   * pair pass (all stimuli x block units x 8 bytes) for a spilling store.
   */
  memoryBudgetBytes?: number;
  /**
   * Where per-stimulus features wait for the pair pass (default: in memory). A spilling store
   * (e.g. on disk, scripts/lib/file-feature-store.ts) lets stages of any size be built with
   * one forward pass and blocks that fit memoryBudgetBytes.
   */
  featureStore?: FeatureStore;
  /**
   * The feature store already holds the features of every stimulus at every stage (written
   * with storeStimulusFeatures, e.g. by several processes): skip the forward passes. The
   * stimuli are still read once to learn the pool and activation sizes.
   */
  featuresStored?: boolean;
  /** How the pair pass runs (default 'auto'; see PairPass). */
  pairPass?: PairPass;
  /**
   * Source of each stimulus (e.g. the photo a crop was cut from): pairs of one source are never
   * drawn, so overlapping crops of one photo do not inflate the null. Default: all distinct.
   */
  groups?: readonly number[];
  onProgress?: (p: NullProgress) => void;
  signal?: AbortSignal;
}

/** One stimulus's reduced activations at one stage (8 bytes per activation). */
export interface StageFeatures {
  /** Average ranks, centred and scaled to unit L2 norm (zeros for a constant vector). */
  zRanks: Float32Array;
  raw: Float32Array;
  /** sum(raw^2), mean(raw) and ||raw - mean||, in float64. */
  energy: number;
  mean: number;
  centredNorm: number;
}

/**
 * Average (1-based) ranks, ties sharing their average rank (scipy.stats.rankdata 'average'):
 * a tie group of t equal values after s smaller ones gets rank (s + (s + t) + 1) / 2, i.e.
 * (#less + #less-or-equal + 1) / 2. The values are sorted with their indices by an LSD radix
 * sort on order-preserving 32-bit keys (-0 counted as +0): linear time, about 20x faster on
 * 9 M values than binary searches into a sorted copy, which miss the cache at every step.
 */
export function averageRanksJs(x: Float32Array): Float64Array {
  const n = x.length;
  const bits = new Uint32Array(x.buffer, x.byteOffset, n);
  let keys = new Uint32Array(n);
  let order = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const v = x[i];
    if (v !== v) throw new Error(`cannot rank NaN (value ${i} of ${n})`);
    const b = bits[i];
    // Negative floats: flip all bits; positive: flip the sign bit. Then unsigned order = float order.
    keys[i] = v === 0 ? 0x80000000 : b & 0x80000000 ? ~b >>> 0 : (b | 0x80000000) >>> 0;
    order[i] = i;
  }
  let keysTmp = new Uint32Array(n);
  let orderTmp = new Uint32Array(n);
  const count = new Uint32Array(2048);
  for (const shift of [0, 11, 22]) {
    count.fill(0);
    for (let i = 0; i < n; i++) count[(keys[i] >>> shift) & 2047]++;
    if (count[(keys[0] >>> shift) & 2047] === n) continue; // one bucket: this digit is already sorted
    let sum = 0;
    for (let d = 0; d < 2048; d++) {
      const c = count[d];
      count[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const k = keys[i];
      const dst = count[(k >>> shift) & 2047]++;
      keysTmp[dst] = k;
      orderTmp[dst] = order[i];
    }
    [keys, keysTmp] = [keysTmp, keys];
    [order, orderTmp] = [orderTmp, order];
  }
  const ranks = new Float64Array(n);
  for (let s = 0; s < n; ) {
    let e = s + 1;
    while (e < n && keys[e] === keys[s]) e++;
    const rank = (s + e + 1) / 2;
    for (let k = s; k < e; k++) ranks[order[k]] = rank;
    s = e;
  }
  return ranks;
}

/** (v - mean) / ||v - mean||, computed in float64; all zeros when v is constant. */
export function zScore(v: ArrayLike<number>): Float32Array {
  const n = v.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += v[i];
  mean /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (v[i] - mean) ** 2;
  const out = new Float32Array(n);
  if (ss === 0) return out;
  const inv = 1 / Math.sqrt(ss);
  for (let i = 0; i < n; i++) out[i] = (v[i] - mean) * inv;
  return out;
}

export function stageFeatures(raw: Float32Array): StageFeatures {
  let energy = 0;
  let mean = 0;
  for (let i = 0; i < raw.length; i++) {
    energy += raw[i] * raw[i];
    mean += raw[i];
  }
  mean /= raw.length;
  let ss = 0;
  for (let i = 0; i < raw.length; i++) ss += (raw[i] - mean) ** 2;
  return { zRanks: zScore(averageRanksJs(raw)), raw, energy, mean, centredNorm: Math.sqrt(ss) };
}

function clip1(r: number): number {
  return r > 1 ? 1 : r < -1 ? -1 : r;
}

/**
 * `count` distinct unordered pairs {i, j}, i != j, from a pool of n, each oriented at random:
 * [reference, other]. With `groups`, only pairs of different groups are drawn. Deterministic for a seed.
 */
export function drawPairs(n: number, count: number, rng: Rng, groups?: readonly number[]): Array<[number, number]> {
  if (groups && groups.length !== n) throw new Error(`groups has ${groups.length} entries for a pool of ${n}`);
  const eligible = (i: number, j: number) => !groups || groups[i] !== groups[j];
  let total = (n * (n - 1)) / 2;
  if (groups) {
    const sizes = new Map<number, number>();
    for (const g of groups) sizes.set(g, (sizes.get(g) ?? 0) + 1);
    for (const k of sizes.values()) total -= (k * (k - 1)) / 2;
  }
  if (!Number.isInteger(count) || count < 1) throw new Error(`pairs must be a positive integer, got ${count}`);
  if (count > total) {
    throw new Error(`cannot draw ${count} distinct pairs from ${n} stimuli (at most ${total}${groups ? ' across different sources' : ''})`);
  }
  const chosen: Array<[number, number]> = [];
  if (count * 2 > total) {
    // Dense: partial Fisher-Yates over all eligible pairs.
    const all: Array<[number, number]> = [];
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (eligible(i, j)) all.push([i, j]);
    for (let k = 0; k < count; k++) {
      const r = k + rng.int(all.length - k);
      [all[k], all[r]] = [all[r], all[k]];
      chosen.push(all[k]);
    }
  } else {
    const seen = new Set<number>();
    while (chosen.length < count) {
      const i = rng.int(n);
      const j = rng.int(n);
      if (i === j || !eligible(i, j)) continue;
      const lo = Math.min(i, j);
      const hi = Math.max(i, j);
      const key = lo * n + hi;
      if (seen.has(key)) continue;
      seen.add(key);
      chosen.push([lo, hi]);
    }
  }
  return chosen.map(([i, j]) => (rng.uniform() < 0.5 ? [i, j] : [j, i]));
}

async function* iterateStimuli(source: StimulusSource): AsyncGenerator<{ x: tf.Tensor; owned: boolean }> {
  if (typeof source !== 'function') {
    for (const x of source as readonly tf.Tensor[]) yield { x, owned: false };
    return;
  }
  const it = await source();
  for await (const x of it as AsyncIterable<tf.Tensor>) yield { x, owned: true };
}

function checkAbort(signal?: AbortSignal): void {
  if (signal?.aborted) throw new Error('null distribution build aborted');
}

/** Groups consecutive stages so that the features of all stimuli in a group fit the budget. */
function groupStages(stages: readonly string[], sizes: Record<string, number>, n: number, budget: number): string[][] {
  const groups: string[][] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const s of stages) {
    const b = sizes[s] * n * 8;
    if (current.length > 0 && bytes + b > budget) {
      groups.push(current);
      current = [];
      bytes = 0;
    }
    current.push(s);
    bytes += b;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/** Values of every metric for every pair, per stage: the raw material of the summaries. */
export interface NullValues {
  pairs: Array<[number, number]>;
  values: Record<string, Record<MetricName, Float64Array>>;
  poolSize: number;
}

/**
 * Units per cache tile of the pair pass: all pairs are advanced over one tile before the next,
 * so the tile of all stimuli (poolSize x TILE x 8 bytes) stays in cache while pairs revisit it.
 */
const TILE_UNITS = 2048;

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

/**
 * How the pair pass runs: 'gram' computes the dot products of all stimuli (upper triangle,
 * 4 x 4 blocks), 'pairs' only those of the drawn pairs; 'auto' takes the Gram matrix when the
 * pairs are at least 40% of all pairs (it does about 2.5x more work per unit than one pair
 * alone, but costs about as much in total then). Both give bit-identical sums.
 */
export type PairPass = 'auto' | 'gram' | 'pairs';

/** Per-stimulus scalars of one stage (the arrays go to the feature store). */
export interface StageScalars {
  energy: Float64Array;
  mean: Float64Array;
  centredNorm: Float64Array;
}

/** The scalars of stimuli 0 .. poolSize-1 at a stage, from the store. */
export async function loadStageScalars(store: FeatureStore, stage: string, poolSize: number): Promise<StageScalars> {
  const sc = { energy: new Float64Array(poolSize), mean: new Float64Array(poolSize), centredNorm: new Float64Array(poolSize) };
  for (let k = 0; k < poolSize; k++) {
    const f = await store.scalars(k, stage);
    sc.energy[k] = f.energy;
    sc.mean[k] = f.mean;
    sc.centredNorm[k] = f.centredNorm;
  }
  return sc;
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

/**
 * Units per block of the pair pass: the whole stage for an in-memory store (blocks are views),
 * else as many units as fit the budget for all stimuli (8 bytes each).
 */
function blockUnitsFor(store: FeatureStore, units: number, poolSize: number, budget: number): number {
  if (!store.spills) return units;
  return Math.max(1, Math.min(units, Math.floor(budget / (poolSize * 8))));
}

/** The pair pass of one stage: blockwise, tile by tile, all pairs per tile; then the metrics. */
async function stagePairValues(
  stage: string, units: number, poolSize: number, pairs: Array<[number, number]>, scalars: StageScalars,
  store: FeatureStore, budget: number, opts: BuildNullOptions,
): Promise<Record<MetricName, Float64Array>> {
  const tick = async (unitsDone: number) => {
    checkAbort(opts.signal);
    opts.onProgress?.({ phase: 'pairs', stages: [stage], done: Math.floor((pairs.length * unitsDone) / units), total: pairs.length });
    await new Promise((r) => setTimeout(r, 0));
  };
  const mode = opts.pairPass ?? 'auto';
  let out: Record<MetricName, Float64Array>;
  if (mode === 'gram' || (mode === 'auto' && pairs.length * 5 >= poolSize * (poolSize - 1))) {
    const gram = emptyStageGram(poolSize);
    await accumulateStageGram(store, stage, poolSize, 0, units, budget, gram, tick);
    out = gramPairValues(pairs, units, scalars, gram);
  } else {
    out = await sparsePairValues(stage, units, poolSize, pairs, scalars, store, budget, tick);
  }
  opts.onProgress?.({ phase: 'pairs', stages: [stage], done: pairs.length, total: pairs.length });
  return out;
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

/**
 * The three metrics of reference i against j from the dot products of their raw values and of
 * their z-scored ranks (conventions of stageMetrics): sum((a-b)^2) = |a|^2 + |b|^2 - 2 a.b
 * (exactly 0 for identical vectors: a.a is summed in the order of the energy) and
 * sum((a-ma)(b-mb)) = a.b - n ma mb. Float32 products are exact in float64, so these sums lose
 * nothing measurable for pairs of different stimuli (relative error ~1e-12).
 */
function finishPair(rankDot: number, dot: number, units: number, s: StageScalars, i: number, j: number): Record<MetricName, number> {
  const noise = Math.max(0, s.energy[i] + s.energy[j] - 2 * dot);
  const cross = dot - units * s.mean[i] * s.mean[j];
  const den = s.centredNorm[i] * s.centredNorm[j];
  const pearson = den > 0 ? clip1(cross / den) : 0;
  const m = finishMetrics(clip1(rankDot), pearson, s.energy[i], noise, s.energy[j]);
  return { spearman: m.spearman, pearson: m.pearson, snrDb: m.snrDb };
}

/**
 * One forward pass of stimulus x (number k of the pool): its features at every stage of
 * `stages` go to the store. `sizes` (optional) are the expected activation sizes.
 */
export async function storeStimulusFeatures(
  model: StagedModel, x: tf.Tensor, k: number, stages: readonly string[], sizes: Record<string, number> | null, store: FeatureStore,
): Promise<void> {
  const acts = model.forward(x, stages);
  try {
    for (const s of stages) {
      if (sizes && acts[s].size !== sizes[s]) throw new Error(`stage "${s}": activation size changed between stimuli (${sizes[s]} vs ${acts[s].size})`);
      let f: StageFeatures;
      try {
        f = stageFeatures((await acts[s].data()) as Float32Array);
      } catch (e) {
        throw new Error(`stage "${s}", stimulus ${k}: ${(e as Error).message}`);
      }
      await store.put(k, s, f);
    }
  } finally {
    tf.dispose(Object.values(acts));
  }
}

/** Computes the raw null values (exposed for tests and for callers that keep the samples). */
export async function computeNullValues(opts: BuildNullOptions): Promise<NullValues> {
  const { model, stimuli, signal } = opts;
  const stages = [...(opts.stages ?? model.stages)];
  for (const s of stages) if (!model.stages.includes(s)) throw new Error(`model "${model.id}" has no stage "${s}"`);
  if (stages.length === 0) throw new Error('no stages to build a null distribution for');
  const budget = opts.memoryBudgetBytes ?? 1 << 30;
  const store = opts.featureStore ?? new InMemoryFeatureStore();

  // Pass 0 learns the activation sizes and the pool size: one forward pass, first stimulus.
  let poolSize = 0;
  const sizes: Record<string, number> = {};
  if (typeof stimuli !== 'function') {
    poolSize = stimuli.length;
    if (poolSize < 2) throw new Error(`need at least 2 stimuli, got ${poolSize}`);
    const acts = model.forward(stimuli[0], stages);
    for (const s of stages) sizes[s] = acts[s].size;
    tf.dispose(Object.values(acts));
  } else {
    for await (const { x, owned } of iterateStimuli(stimuli)) {
      if (poolSize === 0) {
        const acts = model.forward(x, stages);
        for (const s of stages) sizes[s] = acts[s].size;
        tf.dispose(Object.values(acts));
      }
      if (owned) x.dispose();
      poolSize++;
    }
    if (poolSize < 2) throw new Error(`need at least 2 stimuli, got ${poolSize}`);
  }

  const rng = new Rng(opts.seed);
  const pairs = drawPairs(poolSize, opts.pairs, rng, opts.groups);
  const values: NullValues['values'] = {};
  // A spilling store holds any amount: one forward pass for all stages. In memory: stage groups.
  const groups = store.spills || opts.featuresStored ? [stages] : groupStages(stages, sizes, poolSize, budget);

  for (const group of groups) {
    if (!opts.featuresStored) {
      let k = 0;
      for await (const { x, owned } of iterateStimuli(stimuli)) {
        checkAbort(signal);
        if (k >= poolSize) throw new Error('the stimulus source yielded more stimuli on a later pass');
        try {
          await storeStimulusFeatures(model, x, k, group, sizes, store);
        } finally {
          if (owned) x.dispose();
        }
        k++;
        opts.onProgress?.({ phase: 'activations', stages: group, done: k, total: poolSize });
        // Let the event loop breathe (progress output, abort signals).
        await new Promise((r) => setTimeout(r, 0));
      }
      if (k !== poolSize) throw new Error(`the stimulus source yielded ${k} stimuli on a later pass, ${poolSize} on the first`);
    }
    const scalars: Record<string, StageScalars> = {};
    for (const s of group) scalars[s] = await loadStageScalars(store, s, poolSize);

    for (const s of group) {
      values[s] = await stagePairValues(s, sizes[s], poolSize, pairs, scalars[s], store, budget, opts);
      await store.release(s);
    }
  }
  return { pairs, values, poolSize };
}

/** Builds the full `null.json` content for a model. */
export async function buildNullDistribution(opts: BuildNullOptions): Promise<NullDistribution> {
  const { values, poolSize } = await computeNullValues(opts);
  return nullDistributionFromValues(opts.model.id, values, poolSize, opts);
}

/** `null.json` content from the pair values of every stage (e.g. computed by several processes). */
export function nullDistributionFromValues(
  modelId: string,
  values: NullValues['values'],
  poolSize: number,
  opts: Pick<BuildNullOptions, 'pairs' | 'seed' | 'sourceDescription' | 'quantileLevels' | 'bins'>,
): NullDistribution {
  const levels = [...(opts.quantileLevels ?? QUANTILE_LEVELS)];
  const stages: NullDistribution['stages'] = {};
  for (const [stage, perMetric] of Object.entries(values)) {
    stages[stage] = Object.fromEntries(
      NULL_METRICS.map((m) => {
        try {
          return [m, summarizeNull(perMetric[m], levels, opts.bins ?? 50)];
        } catch (e) {
          throw new Error(`stage "${stage}", ${m}: ${(e as Error).message}`);
        }
      }),
    ) as Record<MetricName, NullSummary>;
  }
  return {
    format: NULL_FORMAT,
    model: modelId,
    source: `${opts.sourceDescription ?? 'natural stimuli'}; ${opts.pairs} pairs from a pool of ${poolSize}, seed ${opts.seed}`,
    createdAt: new Date().toISOString(),
    quantileLevels: levels,
    stages,
  };
}
