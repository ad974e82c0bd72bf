/**
 * The soak check's core: a long metamer run through the real run loop (MetamerRun.run with
 * progress events, periodic metrics and snapshots, eta halving between passes), sampling
 * tf.memory() and the process's memory every `sampleEvery` steps. Flat means: the same number
 * of tensors and tensor bytes at every sample, and process memory that stops growing after
 * warm-up (judged by the caller; see bench/soak.ts and test/bench/soak.test.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { MetamerRun } from '../src/engine/metamer-run.ts';
import { makeRunConfig } from '../src/engine/presets.ts';
import { loadBuiltinModel, loadReference } from '../src/models/registry.ts';
import { nodeModelSource } from '../src/models/source-node.ts';

export interface SoakSample {
  step: number;
  numTensors: number;
  tensorBytes: number;
  rssMB: number;
  heapUsedMB: number;
  externalMB: number;
}

export interface SoakOptions {
  modelId: string;
  stage: string;
  passes: number;
  itersPerPass: number;
  sampleEvery: number;
  /** Steps between live metrics at every stage (0: only at the end). */
  metricsEvery: number;
  onSample?: (s: SoakSample) => void;
}

export interface SoakResult {
  samples: SoakSample[];
  steps: number;
  seconds: number;
  finalLoss: number;
  /** Tensors alive before the model was loaded and after everything was disposed. */
  tensorsBefore: number;
  tensorsAfter: number;
}

const MB = 2 ** 20;

function sample(step: number): SoakSample {
  // With --expose-gc, collect first so that heap numbers show what is alive, not garbage.
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  const t = tf.memory();
  return { step, numTensors: t.numTensors, tensorBytes: t.numBytes, rssMB: m.rss / MB, heapUsedMB: m.heapUsed / MB, externalMB: m.external / MB };
}

export async function soak(opts: SoakOptions): Promise<SoakResult> {
  const tensorsBefore = tf.memory().numTensors;
  const source = nodeModelSource();
  const { manifest, model } = await loadBuiltinModel(opts.modelId, source);
  const reference = await loadReference(manifest, source);
  const config = makeRunConfig(opts.stage, { passes: opts.passes, itersPerPass: opts.itersPerPass, seed: 1, metricsEvery: opts.metricsEvery, snapshotEvery: opts.metricsEvery });
  const run = new MetamerRun(model, reference, config);
  const samples: SoakSample[] = [];
  let finalLoss = NaN;
  let error: string | undefined;
  const started = performance.now();
  try {
    const outcome = await run.run({
      progressEvery: opts.sampleEvery,
      onEvent: (e) => {
        if (e.type === 'progress') {
          const last = e.records[e.records.length - 1];
          finalLoss = last.loss;
          if ((last.step + 1) % opts.sampleEvery === 0) {
            const s = sample(last.step + 1);
            samples.push(s);
            opts.onSample?.(s);
          }
        } else if (e.type === 'error') error = e.message;
      },
    });
    if (outcome !== 'done') throw new Error(`soak run ended "${outcome}"${error ? `: ${error}` : ''}`);
  } finally {
    run.dispose();
    reference.dispose();
    model.dispose();
  }
  const seconds = (performance.now() - started) / 1000;
  return { samples, steps: opts.passes * opts.itersPerPass, seconds, finalLoss, tensorsBefore, tensorsAfter: tf.memory().numTensors };
}

/** Least-squares slope of y over x (per unit of x). */
export function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den > 0 ? num / den : 0;
}
