/**
 * "Generate all stages" for the page and the CLI (one code path): one metamer per stage from
 * the same reference and the same seeded noise. Models with a batched forward
 * (StagedModel.forwardEach) run every stage in one batched pass (BatchedMetamerRun); the
 * others (ONNX and TF.js graph imports, whose graphs are fixed to batch 1) run the stages one
 * after another, transparently, with the same events; `allStagesMode` says which and why.
 */
import type * as tf from '@tensorflow/tfjs';
import { BatchedMetamerRun, inModelOrder, type StageEvent } from './batched-metamer-run.ts';
import { MetamerRun } from './metamer-run.ts';
import type { RunConfig, StagedModel } from './types.ts';

export type AllStagesMode = 'batched' | 'sequential';

export interface AllStagesPlan {
  mode: AllStagesMode;
  /** One line for the user: how the stages run. */
  reason: string;
}

/** How an all-stages batch of `model` runs. */
export function allStagesMode(model: StagedModel): AllStagesPlan {
  if (model.forwardEach) return { mode: 'batched', reason: `all stages of "${model.id}" optimised together in one batched pass` };
  return {
    mode: 'sequential',
    reason: `model "${model.id}" runs with batch 1 only (no batched forward): its stages run one after another`,
  };
}

export interface AllStagesOptions {
  onEvent: (e: StageEvent) => void;
  signal?: AbortSignal;
  progressEvery?: number;
  yieldEvery?: number;
  /** Metrics at every stage (default) or at each run's own stage only. */
  measure?: 'all' | 'own';
  /** Force a mode (tests and the bench compare the two); default allStagesMode(model). */
  mode?: AllStagesMode;
}

/**
 * Runs one metamer per stage (default: every stage) and reports each stage's events as a
 * separate run of that stage would. Resolves 'stopped' when aborted, else 'done' (a stage
 * that failed has had its 'error' event). The caller keeps the model and the reference.
 */
export async function runAllStages(
  model: StagedModel,
  reference: tf.Tensor,
  config: RunConfig,
  stages: readonly string[] = model.stages,
  opts: AllStagesOptions,
): Promise<'done' | 'stopped'> {
  const ordered = inModelOrder(model, stages);
  const mode = opts.mode ?? allStagesMode(model).mode;
  const measureStages = opts.measure === 'own' ? ('own' as const) : undefined;
  if (mode === 'batched') {
    const batch = new BatchedMetamerRun(model, reference, config, ordered);
    try {
      return await batch.run({ onEvent: opts.onEvent, signal: opts.signal, progressEvery: opts.progressEvery, yieldEvery: opts.yieldEvery, measureStages });
    } finally {
      batch.dispose();
    }
  }
  for (const stage of ordered) {
    if (opts.signal?.aborted) return 'stopped';
    let run: MetamerRun;
    try {
      run = new MetamerRun(model, reference, { ...config, stage });
    } catch (err) {
      opts.onEvent({ stage, event: { type: 'error', step: 0, message: err instanceof Error ? err.message : String(err) } });
      continue;
    }
    try {
      const outcome = await run.run({
        onEvent: (event) => opts.onEvent({ stage, event }),
        signal: opts.signal,
        progressEvery: opts.progressEvery,
        yieldEvery: opts.yieldEvery,
        measureStages: opts.measure === 'own' ? [stage] : undefined,
      });
      if (outcome === 'stopped') return 'stopped';
    } finally {
      run.dispose();
    }
  }
  return 'done';
}
