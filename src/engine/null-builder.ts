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
 *
 * This file drives the build (options, progress, stage groups, passes). The parts: ranks
 * (null-ranks.ts), per-stimulus features and scalars (null-features.ts), the pairs
 * (null-draw-pairs.ts), the pair pass (null-pairs.ts, Gram path null-gram.ts, blocks and tiles
 * null-blocks.ts, metrics of a pair null-pair-metrics.ts), the stimulus pool (null-stimuli.ts)
 * and stage groups (null-stage-groups.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { InMemoryFeatureStore, type FeatureStore } from './feature-store.ts';
import { summarizeNull, QUANTILE_LEVELS, NULL_FORMAT } from './null-distribution.ts';
import { drawPairs } from './null-draw-pairs.ts';
import { loadStageScalars, storeStimulusFeatures, type StageScalars } from './null-features.ts';
import { stagePairValues, type PairPass } from './null-pairs.ts';
import { groupStages } from './null-stage-groups.ts';
import { iterateStimuli, type StimulusSource } from './null-stimuli.ts';
import { Rng } from './random.ts';
import { NULL_METRICS, type MetricName, type NullDistribution, type NullSummary, type StagedModel } from './types.ts';

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
  /**
   * Only the drawn pairs [start, end) (a shard of the build): the pairs are drawn in full as
   * for the whole build, so the shards' values, concatenated in order, are the whole build's.
   */
  pairRange?: readonly [number, number];
}

function checkAbort(signal?: AbortSignal): void {
  if (signal?.aborted) throw new Error('null distribution build aborted');
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
  const allPairs = drawPairs(poolSize, opts.pairs, rng, opts.groups);
  const range = opts.pairRange ?? [0, allPairs.length];
  if (!(Number.isInteger(range[0]) && Number.isInteger(range[1]) && range[0] >= 0 && range[0] <= range[1] && range[1] <= allPairs.length)) {
    throw new Error(`pair range [${range[0]}, ${range[1]}) is outside the ${allPairs.length} pairs`);
  }
  const pairs = allPairs.slice(range[0], range[1]);
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
      const tick = async (unitsDone: number) => {
        checkAbort(signal);
        opts.onProgress?.({ phase: 'pairs', stages: [s], done: Math.floor((pairs.length * unitsDone) / sizes[s]), total: pairs.length });
        await new Promise((r) => setTimeout(r, 0));
      };
      values[s] = await stagePairValues(s, sizes[s], poolSize, pairs, scalars[s], store, budget, opts.pairPass ?? 'auto', tick);
      opts.onProgress?.({ phase: 'pairs', stages: [s], done: pairs.length, total: pairs.length });
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
