/**
 * `metamer generate --stage all`: one metamer per stage of the model from the same reference
 * and noise, through the engine's all-stages runner (one batched pass where the model allows
 * it, else the stages one after another). Each stage's folder is the run record a single run
 * writes (runRecord + writeRunFolder); summary.json lists every stage's outcome.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as tfTypes from '@tensorflow/tfjs';
import { allStagesMode, runAllStages } from '../../engine/all-stages-run.ts';
import { totalSteps } from '../../engine/presets.ts';
import type { RunConfig, StepRecord } from '../../engine/types.ts';
import type { MetricsEntry } from '../../export/saved-run.ts';
import { bar, progressReporter, type CliIo } from '../io.ts';
import type { ResolvedModel } from '../model-arg.ts';
import { runRecord, writeRunFolder } from '../run-folder.ts';

/** The --stage value that generates every stage. */
export const ALL_STAGES = 'all';

export interface AllStagesJob {
  outDir: string;
  loaded: ResolvedModel;
  modelArg: string;
  /** Shared by every stage (its stage field is replaced per stage). */
  config: RunConfig;
  measure: 'all' | 'stage';
  reference: tfTypes.Tensor;
  inputPath: string;
  inputDescription: string;
  signal: AbortSignal;
}

/** What one stage's events left: history, metric history and last iterate, or its error. */
interface StageResult {
  history: StepRecord[];
  metrics: MetricsEntry[];
  snapshot: { shape: number[]; data: Float32Array } | null;
  error: string | null;
  stopped: boolean;
}

/** A folder name for a stage (imported models' stage names may hold '/' or ':'). */
export function stageFolder(stage: string): string {
  return stage.replace(/[^A-Za-z0-9._-]/g, '_');
}

function json(value: unknown): string {
  return `${JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2)}\n`;
}

export async function generateAllStages(tf: typeof tfTypes, io: CliIo, job: AllStagesJob): Promise<void> {
  const { model, manifest } = job.loaded;
  const stages = model.stages;
  const total = totalSteps(job.config);
  const plan = allStagesMode(model);
  io.err(`all stages (${stages.join(', ')}): ${plan.reason}\n`);
  const results = new Map<string, StageResult>(
    stages.map((s) => [s, { history: [], metrics: [], snapshot: null, error: null, stopped: false }]),
  );
  const progress = progressReporter(io);
  const started = Date.now();
  // Batched: every stage advances together; sequential: stage after stage. Either way the
  // work done is the number of steps recorded over all stages.
  const work = stages.length * total;
  let done = 0;
  const outcome = await runAllStages(model, job.reference, job.config, stages, {
    signal: job.signal,
    measure: job.measure === 'stage' ? 'own' : 'all',
    onEvent: ({ stage, event }) => {
      const r = results.get(stage)!;
      if (event.type === 'progress') {
        r.history.push(...event.records);
        done += event.records.length;
        const elapsed = (Date.now() - started) / 1000;
        const left = done > 0 ? (elapsed / done) * (work - done) : 0;
        const what = plan.mode === 'batched' ? `${stages.length} stages` : stage;
        progress.update(`${bar(done, work)} ${what} step ${r.history.length}/${total}  loss ${event.records.at(-1)!.loss.toExponential(3)}  ${elapsed.toFixed(0)} s elapsed, ~${left.toFixed(0)} s left`);
      } else if (event.type === 'metrics') {
        r.metrics.push({ step: event.step, stages: event.stages });
      } else if (event.type === 'snapshot') {
        r.snapshot = { shape: event.shape, data: event.data };
      } else if (event.type === 'error') {
        r.error = event.message;
      } else if (event.type === 'done') {
        r.stopped = event.stopped;
      }
    },
  });
  const seconds = (Date.now() - started) / 1000;
  progress.done(`${outcome === 'stopped' ? 'stopped' : 'done'}: ${stages.length} stages (${plan.mode}) in ${seconds.toFixed(1)} s`);

  const summary: Record<string, unknown>[] = [];
  for (const stage of stages) {
    const r = results.get(stage)!;
    const line = { stage, folder: stageFolder(stage), stepsRun: r.history.length, finalLoss: r.history.at(-1)?.loss ?? null };
    if (r.error || !r.snapshot) {
      summary.push({ ...line, outcome: r.error ? 'error' : 'not run', error: r.error, pass: null });
      io.err(`${stage}: ${r.error ? `failed: ${r.error}` : 'not run'}\n`);
      continue;
    }
    const dir = join(job.outDir, stageFolder(stage));
    await mkdir(dir, { recursive: true });
    const metamer = tf.tensor(r.snapshot.data, [1, ...r.snapshot.shape]);
    try {
      const stageOutcome = r.stopped ? 'stopped' : 'done';
      const { record, verdictText } = await runRecord(tf, {
        loaded: job.loaded, modelArg: job.modelArg, stage, config: { ...job.config, stage }, measure: job.measure,
        inputPath: job.inputPath, reference: job.reference, metamer, history: r.history, metricHistory: r.metrics,
        outcome: stageOutcome, started, total,
      });
      await writeRunFolder(dir, record, manifest);
      const metrics = r.metrics.at(-1)?.stages[stage] ?? null;
      summary.push({ ...line, outcome: stageOutcome, pass: record.verdict?.pass ?? null, metrics });
      io.err(`${stage}: ${verdictText}  (final loss ${line.finalLoss?.toExponential(4) ?? 'n/a'}) -> ${dir}\n`);
    } finally {
      metamer.dispose();
    }
  }
  await writeFile(
    join(job.outDir, 'summary.json'),
    json({
      model: manifest.id, mode: plan.mode, reason: plan.reason, seed: job.config.seed, steps: total, outcome, seconds,
      backend: tf.getBackend(), input: { path: job.inputPath, preparation: job.inputDescription }, stages: summary,
    }),
  );
  io.err(`wrote ${stages.length} stage folders and summary.json to ${job.outDir}\n`);
}
