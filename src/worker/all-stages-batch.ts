/**
 * The worker side of "Generate all stages": loads the model and reference, runs the engine's
 * all-stages runner (one batched pass where the model allows it, else the stages one after
 * another) and posts each stage's events, its success test once it is complete, and the end.
 */
import * as tf from '@tensorflow/tfjs';
import { allStagesMode, runAllStages } from '../engine/all-stages-run.ts';
import type { MetricSet } from '../engine/types.ts';
import { judgeStage, prepareAllStages } from './engine-runtime.ts';
import type { WorkerCommand, WorkerEvent } from './protocol.ts';

/** StepRecords per progress message: one batched step of every stage is one message per stage. */
const PROGRESS_EVERY = 5;

export async function runAllStagesBatch(
  cmd: Extract<WorkerCommand, { type: 'start-all' }>,
  post: (e: WorkerEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  const { loaded, reference, config } = await prepareAllStages(cmd.modelId, cmd.stages, cmd.config, cmd.referenceIndex, cmd.referenceData);
  try {
    const { model, manifest } = loaded;
    const stages = model.stages.filter((s) => cmd.stages.includes(s));
    const plan = allStagesMode(model);
    post({ type: 'batch-started', mode: plan.mode, reason: plan.reason, stages, totalSteps: config.passes * config.itersPerPass, config, manifest });
    const latest = new Map<string, { shape: number[]; data: Float32Array }>();
    const metrics = new Map<string, Record<string, MetricSet>>();
    // Verdicts need read-backs (the readout): chained so they arrive in order, after their stage's 'done'.
    let verdicts: Promise<void> = Promise.resolve();
    const judge = (stage: string) => {
      verdicts = verdicts.then(async () => {
        const snap = latest.get(stage);
        const metamer = snap ? tf.tensor(snap.data, [1, ...snap.shape]) : null;
        try {
          const verdict = metamer ? await judgeStage(loaded, stage, metrics.get(stage) ?? {}, reference, metamer) : null;
          post({ type: 'stage-verdict', stage, verdict });
        } catch (err) {
          console.error(`success test of ${stage} failed: ${err instanceof Error ? err.message : String(err)}`);
          post({ type: 'stage-verdict', stage, verdict: null });
        } finally {
          metamer?.dispose();
        }
      });
    };
    const outcome = await runAllStages(model, reference, config, stages, {
      signal,
      measure: cmd.measure === 'stage' ? 'own' : 'all',
      progressEvery: PROGRESS_EVERY,
      onEvent: ({ stage, event }) => {
        // A copy: posting transfers (detaches) the snapshot's buffer.
        if (event.type === 'snapshot') latest.set(stage, { shape: event.shape, data: event.data.slice() });
        if (event.type === 'metrics') metrics.set(stage, event.stages);
        post({ type: 'stage-event', stage, event });
        if (event.type === 'done' && !event.stopped) judge(stage);
      },
    });
    await verdicts;
    post({ type: 'batch-done', stopped: outcome === 'stopped' });
  } finally {
    reference.dispose();
  }
}
