/**
 * Builds a model's null distribution (spec section 3): Spearman, Pearson and SNR between
 * random pairs of natural stimuli, at every stage.
 *
 * Exact and cheap: every stimulus's activations are computed once per stage and reduced to
 * z-scored average ranks (centred, unit L2 norm; zeros for a constant vector), the raw values
 * and a few float64 scalars (sum of squares, mean, centred norm). Then each pair costs one
 * pass with three float64 sums: Spearman = <zr_a, zr_b> (Pearson of average ranks),
 * Pearson = sum((a - mean_a)(b - mean_b)) / (norms), SNR from sum(a^2) and sum((a-b)^2).
 * Metric conventions (degenerate vectors, clipping) are those of `stageMetrics` via
 * `finishMetrics`. Memory: features of all stimuli are held for one group of stages at a time
 * (2 float32 per activation per stimulus); stages are grouped to stay under a byte budget,
 * at the cost of one extra forward pass per stimulus per group.
 */
import * as tf from '@tensorflow/tfjs';
import { finishMetrics } from './metrics.ts';
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
  /** Feature memory per stage group (default 1 GiB). */
  memoryBudgetBytes?: number;
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
 * rank = (#less + #less-or-equal + 1) / 2, by binary search in the sorted values. A native
 * typed-array sort is several times faster than sorting indices with a comparator.
 */
export function averageRanksJs(x: Float32Array): Float64Array {
  const n = x.length;
  const sorted = Float32Array.from(x).sort();
  const ranks = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = x[i];
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    const less = lo;
    hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid] <= v) lo = mid + 1;
      else hi = mid;
    }
    ranks[i] = (less + lo + 1) / 2;
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
 * Spearman, Pearson and SNR (dB) of reference a against b from their features, in one pass
 * with float64 sums: Pearson from centred products (no cancellation), SNR from sum((a-b)^2)
 * exactly as stageMetrics computes it.
 */
export function pairMetrics(a: StageFeatures, b: StageFeatures): Record<MetricName, number> {
  const ra = a.raw;
  const rb = b.raw;
  const za = a.zRanks;
  const zb = b.zRanks;
  const ma = a.mean;
  const mb = b.mean;
  let noise = 0;
  let cross = 0;
  let rankDot = 0;
  for (let i = 0; i < ra.length; i++) {
    const x = ra[i];
    const y = rb[i];
    const d = x - y;
    noise += d * d;
    cross += (x - ma) * (y - mb);
    rankDot += za[i] * zb[i];
  }
  const den = a.centredNorm * b.centredNorm;
  const pearson = den > 0 ? clip1(cross / den) : 0;
  const m = finishMetrics(clip1(rankDot), pearson, a.energy, noise, b.energy);
  return { spearman: m.spearman, pearson: m.pearson, snrDb: m.snrDb };
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

/** Computes the raw null values (exposed for tests and for callers that keep the samples). */
export async function computeNullValues(opts: BuildNullOptions): Promise<NullValues> {
  const { model, stimuli, signal } = opts;
  const stages = [...(opts.stages ?? model.stages)];
  for (const s of stages) if (!model.stages.includes(s)) throw new Error(`model "${model.id}" has no stage "${s}"`);
  if (stages.length === 0) throw new Error('no stages to build a null distribution for');
  const budget = opts.memoryBudgetBytes ?? 1 << 30;

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
  const groups = groupStages(stages, sizes, poolSize, budget);

  for (const group of groups) {
    const features: Record<string, StageFeatures[]> = Object.fromEntries(group.map((s) => [s, []]));
    let k = 0;
    for await (const { x, owned } of iterateStimuli(stimuli)) {
      checkAbort(signal);
      if (k >= poolSize) throw new Error('the stimulus source yielded more stimuli on a later pass');
      const acts = model.forward(x, group);
      if (owned) x.dispose();
      try {
        for (const s of group) {
          if (acts[s].size !== sizes[s]) throw new Error(`stage "${s}": activation size changed between stimuli (${sizes[s]} vs ${acts[s].size})`);
          features[s].push(stageFeatures((await acts[s].data()) as Float32Array));
        }
      } finally {
        tf.dispose(Object.values(acts));
      }
      k++;
      opts.onProgress?.({ phase: 'activations', stages: group, done: k, total: poolSize });
      // Let the event loop breathe (progress output, abort signals).
      await new Promise((r) => setTimeout(r, 0));
    }
    if (k !== poolSize) throw new Error(`the stimulus source yielded ${k} stimuli on a later pass, ${poolSize} on the first`);

    for (const s of group) {
      const out = Object.fromEntries(NULL_METRICS.map((m) => [m, new Float64Array(pairs.length)])) as Record<MetricName, Float64Array>;
      const f = features[s];
      for (let p = 0; p < pairs.length; p++) {
        const [i, j] = pairs[p];
        const m = pairMetrics(f[i], f[j]);
        for (const name of NULL_METRICS) out[name][p] = m[name];
        if ((p & 1023) === 1023) {
          checkAbort(signal);
          opts.onProgress?.({ phase: 'pairs', stages: [s], done: p + 1, total: pairs.length });
          await new Promise((r) => setTimeout(r, 0));
        }
      }
      opts.onProgress?.({ phase: 'pairs', stages: [s], done: pairs.length, total: pairs.length });
      values[s] = out;
    }
  }
  return { pairs, values, poolSize };
}

/** Builds the full `null.json` content for a model. */
export async function buildNullDistribution(opts: BuildNullOptions): Promise<NullDistribution> {
  const levels = [...(opts.quantileLevels ?? QUANTILE_LEVELS)];
  const { values, poolSize } = await computeNullValues(opts);
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
    model: opts.model.id,
    source: `${opts.sourceDescription ?? 'natural stimuli'}; ${opts.pairs} pairs from a pool of ${poolSize}, seed ${opts.seed}`,
    createdAt: new Date().toISOString(),
    quantileLevels: levels,
    stages,
  };
}
