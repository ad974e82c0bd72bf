/**
 * Runs one batch job end to end, by the recipe the page and "metamer generate" share: the run
 * config from the plan's run settings and the job's seed (runConfigFor), the metamer run with
 * atomic checkpoints (resumed from the last one if the job was cut off), the success test
 * (judgeMetamer), then the run folder "metamer generate" writes (writeRunFolder: run.json in the
 * page's metamer-run-export/1 format, metamer.png|.wav, metamer.npy) and last done.json. The run
 * folder is written into a staging folder and each file renamed into place, so every output
 * appears whole or not at all.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type * as tfTypes from '@tensorflow/tfjs';
import type { BatchJob, BatchManifest } from '../../batch/plan.ts';
import type { Shard } from '../../batch/shard.ts';
import { MetamerRun, type RunState } from '../../engine/metamer-run.ts';
import { runConfigFor } from '../../engine/run-recipe.ts';
import type { StepRecord } from '../../engine/types.ts';
import { APP_NAME, APP_VERSION } from '../../export/app-version.ts';
import type { MetricsEntry, SavedReference, SavedRun } from '../../export/saved-run.ts';
import { judgeMetamer } from '../../models/judge.ts';
import { weightsHashOf } from '../../models/weights-hash.ts';
import type { LoadedModel, ModelSource } from '../../models/manifest.ts';
import { loadBuiltinModel, loadReference } from '../../models/registry.ts';
import { nodeModelSource } from '../../models/source-node.ts';
import { prepareInput } from '../prepare-input.ts';
import { writeRunFolder } from '../run-folder.ts';
import { jsonText, writeFileAtomic } from './atomic.ts';
import { checkpointJson, parseCheckpoint } from './checkpoint.ts';
import { FILES, jobDir, readJson } from './job-files.ts';

/** Models loaded once per process and shared by its jobs. */
export class ModelCache {
  private readonly loaded = new Map<string, Promise<LoadedModel>>();
  readonly source: ModelSource;

  constructor(modelsDir: string | undefined) {
    this.source = nodeModelSource(modelsDir);
  }

  get(id: string): Promise<LoadedModel> {
    let p = this.loaded.get(id);
    if (!p) {
      p = loadBuiltinModel(id, this.source);
      this.loaded.set(id, p);
    }
    return p;
  }

  async dispose(): Promise<void> {
    for (const p of this.loaded.values()) {
      try {
        (await p).model.dispose();
      } catch {
        // A model that failed to load has nothing to free.
      }
    }
    this.loaded.clear();
  }
}

/** The folder the plan's relative paths are relative to. */
export function resolveFromBatch(batchDir: string, path: string): string {
  return isAbsolute(path) ? path : resolve(batchDir, path);
}

export function modelsDirOf(batchDir: string, manifest: BatchManifest): string | undefined {
  return manifest.settings.modelsDir === null ? undefined : resolveFromBatch(batchDir, manifest.settings.modelsDir);
}

export interface JobContext {
  batchDir: string;
  manifest: BatchManifest;
  tf: typeof tfTypes;
  models: ModelCache;
  shard: Shard | null;
  signal?: AbortSignal;
  /** Each completed step (progress lines). */
  onStep?: (job: BatchJob, record: StepRecord, total: number) => void;
}

export type JobOutcome = { outcome: 'done'; resumedFrom: number } | { outcome: 'stopped'; step: number } | { outcome: 'failed'; error: string };

/** What done.json records beside the run record. */
export interface DoneFile {
  job: string;
  record: string;
  metamer: string;
  npy: string;
  weightsHash: string;
  backend: string;
  versions: { app: string; tfjs: string; node: string };
  host: string;
  shard: string | null;
  resumedFrom: number;
  seconds: number;
  finishedAt: string;
}

async function referenceTensor(ctx: JobContext, job: BatchJob, loaded: LoadedModel): Promise<{ tensor: tfTypes.Tensor; saved: SavedReference }> {
  const ref = job.reference;
  if (ref.kind === 'bundled') {
    return { tensor: await loadReference(loaded.manifest, ctx.models.source, ref.index), saved: { kind: 'bundled', index: ref.index } };
  }
  const prepared = await prepareInput(resolveFromBatch(ctx.batchDir, ref.path), loaded.manifest.inputSpec);
  const data = new Float32Array((await prepared.tensor.data()) as Float32Array);
  return { tensor: prepared.tensor, saved: { kind: 'user', name: ref.name, shape: [...loaded.manifest.inputSpec.shape], data } };
}

/** Moves every file of `from` into `to` (one rename each: atomic on one file system), then removes `from`. */
function moveFiles(from: string, to: string): string[] {
  const names = readdirSync(from);
  for (const name of names) renameSync(join(from, name), join(to, name));
  rmSync(from, { recursive: true, force: true });
  return names;
}

/** Runs (or resumes) one job; never throws for the job's own failures (they go to failed.json). */
export async function runJob(ctx: JobContext, job: BatchJob): Promise<JobOutcome> {
  const dir = jobDir(ctx.batchDir, job);
  mkdirSync(dir, { recursive: true });
  const started = Date.now();
  const { tf } = ctx;
  const s = ctx.manifest.settings;
  const shardText = ctx.shard ? `${ctx.shard.index}/${ctx.shard.count}` : null;
  const heartbeat = (step: number) =>
    writeFileAtomic(join(dir, FILES.running), jsonText({ host: hostname(), pid: process.pid, shard: shardText, step, updatedAt: new Date().toISOString() }));
  rmSync(join(dir, FILES.failed), { force: true });
  // Leftovers of an attempt killed while writing (a job belongs to one shard: nobody else's).
  for (const f of readdirSync(dir)) if (f.startsWith('.staging-') || f.endsWith('.tmp')) rmSync(join(dir, f), { recursive: true, force: true });
  heartbeat(0);

  let run: MetamerRun | undefined;
  let reference: tfTypes.Tensor | undefined;
  let metamer: tfTypes.Tensor | undefined;
  let records: StepRecord[] = [];
  let metrics: MetricsEntry[] = [];
  try {
    const loaded = await ctx.models.get(job.model);
    const { model, manifest } = loaded;
    if (!model.stages.includes(job.stage)) throw new Error(`model "${job.model}" has no stage "${job.stage}" (stages: ${model.stages.join(', ')})`);
    const ref = await referenceTensor(ctx, job, loaded);
    reference = ref.tensor;
    // The page's and generate's recipe: the same settings and seed give the same config.
    const config = runConfigFor(job.stage, { ...s.run, seed: job.seed });

    let resume: RunState | undefined;
    const checkpointPath = join(dir, FILES.checkpoint);
    if (existsSync(checkpointPath)) {
      const c = parseCheckpoint(readJson(checkpointPath), checkpointPath, job.id);
      resume = c.state;
      records = c.records;
      metrics = c.metrics;
    }
    const resumedFrom = resume?.step ?? 0;
    run = new MetamerRun(model, reference, config, resume);
    // The engine measures at step k after saving the checkpoint of step k, and a resumed run
    // starts past that point: measure here what the uninterrupted run measured at step k.
    if (resume && config.metricsEvery > 0 && resumedFrom % config.metricsEvery === 0 && resumedFrom < run.totalSteps && metrics.at(-1)?.step !== resumedFrom) {
      metrics.push({ step: resumedFrom, stages: await run.measure() });
    }
    let errorMessage: string | undefined;
    const outcome = await run.run({
      signal: ctx.signal,
      progressEvery: 1,
      checkpointEvery: s.checkpointEvery,
      onCheckpoint: (state) => {
        writeFileAtomic(checkpointPath, JSON.stringify(checkpointJson(job.id, state, records, metrics)));
        heartbeat(state.step);
      },
      onEvent: (e) => {
        if (e.type === 'progress') {
          records.push(...e.records);
          for (const r of e.records) ctx.onStep?.(job, r, run!.totalSteps);
        } else if (e.type === 'metrics') metrics.push({ step: e.step, stages: e.stages });
        else if (e.type === 'error') errorMessage = e.message;
      },
    });
    if (outcome === 'error') throw new Error(`optimisation failed: ${errorMessage ?? 'unknown error'}`);
    if (outcome === 'stopped') {
      const state = await run.saveStateAsync();
      writeFileAtomic(checkpointPath, JSON.stringify(checkpointJson(job.id, state, records, metrics)));
      rmSync(join(dir, FILES.running), { force: true });
      return { outcome: 'stopped', step: state.step };
    }

    metamer = run.current();
    if (metrics.at(-1)?.step !== run.step) metrics.push({ step: run.step, stages: await run.measure() });
    const judged = await judgeMetamer({
      model, manifest, nullDistribution: loaded.nullDistribution, stage: job.stage, metrics: metrics.at(-1)!.stages, reference, metamer,
    });
    const data = Float32Array.from((await metamer.data()) as Float32Array);
    const weightsHash = await weightsHashOf(manifest);
    const backend = tf.getBackend();
    const savedRun: SavedRun = {
      // The job id, not a time-based one: a job gives the same record wherever and whenever it runs.
      id: job.id,
      createdAt: started,
      updatedAt: Date.now(),
      modelId: manifest.id,
      modelName: manifest.name,
      weightsHash,
      stage: job.stage,
      reference: ref.saved,
      settings: { config, measure: 'all', backend },
      status: 'done',
      step: run.step,
      totalSteps: run.totalSteps,
      records,
      metrics,
      verdict: judged.verdict,
      snapshot: { step: run.step, shape: [...model.inputSpec.shape], data },
      state: null,
      // One group per model, reference and seed: the page shows its stages side by side.
      group: `batch:${job.model}:${job.reference.kind === 'bundled' ? job.reference.index : job.reference.path}:${job.replicate}`,
    };
    const staging = join(dir, `.staging-${process.pid}`);
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging);
    await writeRunFolder(staging, savedRun, manifest);
    const files = moveFiles(staging, dir);
    const done: DoneFile = {
      job: job.id,
      record: 'run.json',
      metamer: files.find((f) => /^metamer\.(png|wav)$/.test(f)) ?? 'metamer.npy',
      npy: FILES.npy,
      weightsHash,
      backend,
      versions: { app: `${APP_NAME} ${APP_VERSION}`, tfjs: tf.version.tfjs, node: process.version },
      host: hostname(),
      shard: shardText,
      resumedFrom,
      seconds: (Date.now() - started) / 1000,
      finishedAt: new Date().toISOString(),
    };
    writeFileAtomic(join(dir, FILES.done), jsonText(done));
    rmSync(checkpointPath, { force: true });
    rmSync(join(dir, FILES.running), { force: true });
    return { outcome: 'done', resumedFrom };
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    writeFileAtomic(join(dir, FILES.failed), jsonText({ job: job.id, error, step: run?.step ?? null, host: hostname(), at: new Date().toISOString() }));
    rmSync(join(dir, FILES.running), { force: true });
    return { outcome: 'failed', error };
  } finally {
    run?.dispose();
    reference?.dispose();
    metamer?.dispose();
  }
}
