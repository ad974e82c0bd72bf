/**
 * Per-stimulus features of the null builder (see null-builder.ts): one forward pass reduces each
 * stage's activations to z-scored average ranks, the raw values and float64 scalars, which wait
 * in a FeatureStore for the pair pass.
 */
import * as tf from '@tensorflow/tfjs';
import type { FeatureStore } from './feature-store.ts';
import { averageRanksJs, zScore } from './null-ranks.ts';
import type { StagedModel } from './types.ts';

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
