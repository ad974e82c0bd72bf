/** How often a run shows its image, measures every stage and saves a checkpoint (page and CLI alike). Pure. */
import type { RunConfig } from './types.ts';

/** Runs this short measure every stage only at the end (the engine always does then). */
export const METRICS_ONLY_AT_END_BELOW = 100;

/**
 * For a run of `total` steps: ~200 image updates (every step for short runs) and ~20 metric
 * updates. Measuring every stage costs a forward pass plus a rank sort of every activation
 * (seconds for HMAX S2 on a CPU), so short runs measure only at the end (metricsEvery 0).
 */
export function liveCadence(total: number): Pick<RunConfig, 'snapshotEvery' | 'metricsEvery'> {
  return {
    snapshotEvery: Math.max(1, Math.ceil(total / 200)),
    metricsEvery: total < METRICS_ONLY_AT_END_BELOW ? 0 : Math.ceil(total / 20),
  };
}

/** ~100 resumable checkpoints per run, so a closed tab loses at most 1% of it. */
export function checkpointEvery(total: number): number {
  return Math.max(1, Math.ceil(total / 100));
}
