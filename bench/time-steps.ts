/**
 * Optimizer steps/s of one model at one stage, timed through the engine's own asynchronous
 * loop (MetamerRun.run), as the CLI and the page run it. Works on every backend, WebGPU in
 * Node included (which cannot read a tensor synchronously). The first `warmup` steps
 * (kernel set-up, shader compilation) are excluded; each timed step includes the engine's
 * own read-back of its loss, so GPU work is really finished.
 */
import type * as tf from '@tensorflow/tfjs';
import { MetamerRun } from '../src/engine/metamer-run.ts';
import { makeRunConfig } from '../src/engine/presets.ts';
import type { StagedModel } from '../src/engine/types.ts';

export interface StepTiming {
  stepsPerSecond: number;
  /** Wall time of the warm-up steps (compilation included), in ms. */
  warmupMs: number;
}

export async function timeSteps(model: StagedModel, reference: tf.Tensor, stage: string, steps: number, warmup = 1): Promise<StepTiming> {
  // One step more than needed: the run is stopped after the last timed step, so that it does
  // not spend time on its end-of-run metrics.
  const run = new MetamerRun(model, reference, makeRunConfig(stage, { passes: 1, itersPerPass: warmup + steps + 1, metricsEvery: 0, snapshotEvery: 0 }));
  const stop = new AbortController();
  const start = performance.now();
  let t0 = start;
  let t1 = start;
  let done = 0;
  try {
    const outcome = await run.run({
      progressEvery: 1,
      yieldEvery: 0,
      signal: stop.signal,
      onEvent: (e) => {
        if (e.type !== 'progress') return;
        done += e.records.length;
        if (done === warmup) t0 = performance.now();
        if (done === warmup + steps) {
          t1 = performance.now();
          stop.abort();
        }
      },
    });
    if (outcome === 'error' || done < warmup + steps) throw new Error(`the run at ${stage} ended after ${done} steps (${outcome})`);
  } finally {
    run.dispose();
  }
  return { stepsPerSecond: steps / ((t1 - t0) / 1000), warmupMs: t0 - start };
}
