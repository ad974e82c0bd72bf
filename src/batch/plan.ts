/**
 * A batch plan (`metamer-batch/1`): every job of models x stages x references x seeds, with the
 * settings all jobs share (step budget, optimizer, backend) and a seed per job that depends only
 * on the batch seed and what the job is, so a job gives the same metamer wherever it runs.
 * Pure data; the CLI writes it as manifest.json in the batch folder.
 */
import { createHash } from 'node:crypto';
import type { RunSettings } from '../engine/run-recipe.ts';

export const BATCH_FORMAT = 'metamer-batch/1' as const;

/** A job's reference: a model's bundled stimulus, or a file (path relative to the batch folder). */
export type BatchReference =
  | { kind: 'bundled'; index: number; label: string; path: string }
  | { kind: 'file'; path: string; name: string };

export interface BatchJob {
  /** Position in the plan: shards take jobs by index. */
  index: number;
  /** Unique, file-name safe: the job's folder under jobs/. */
  id: string;
  model: string;
  stage: string;
  reference: BatchReference;
  /** 0-based seed replicate. */
  replicate: number;
  /** The run's seed (RunConfig.seed). */
  seed: number;
}

export interface BatchSettings {
  /**
   * The run settings every job shares, as "metamer generate" and the page take them (seed
   * excepted: each job has its own); a job's RunConfig is runConfigFor(stage, {...run, seed}).
   */
  run: Omit<RunSettings, 'seed'>;
  /** The resolved step budget (passes x itersPerPass), for people reading the plan. */
  passes: number;
  itersPerPass: number;
  /** tfjs backend the jobs run on. */
  backend: string;
  /** Steps between checkpoints (a job cut off resumes from the last one). */
  checkpointEvery: number;
  /** Read models from this folder instead of the repository's models/ (relative to the batch folder or absolute). */
  modelsDir: string | null;
}

export interface BatchManifest {
  format: typeof BATCH_FORMAT;
  createdAt: string;
  /** The seed every job seed derives from. */
  batchSeed: number;
  /** Default number of shards (e.g. a Kubernetes Indexed Job's completions), null = none. */
  shards: number | null;
  settings: BatchSettings;
  jobs: BatchJob[];
}

/** What one model contributes to the plan. */
export interface PlanModel {
  id: string;
  stages: readonly string[];
  references: readonly BatchReference[];
}

export interface PlanInput {
  models: readonly PlanModel[];
  seeds: number;
  batchSeed: number;
  shards: number | null;
  settings: BatchSettings;
  now?: Date;
}

/** A name part safe in a file name. */
function safe(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '') || 'x';
}

function referenceKey(r: BatchReference): string {
  return r.kind === 'bundled' ? `bundled:${r.index}` : `file:${r.path}`;
}

/**
 * The seed of one job: the first 32 bits of SHA-256 over the batch seed and the job's identity,
 * so adding a model or a stage to a plan leaves every other job's seed unchanged.
 */
export function jobSeed(batchSeed: number, model: string, stage: string, reference: BatchReference, replicate: number): number {
  const digest = createHash('sha256').update(`${batchSeed}\n${model}\n${stage}\n${referenceKey(reference)}\n${replicate}`).digest();
  return digest.readUInt32BE(0);
}

/** The plan: jobs ordered model, then reference, then seed, then stage (one task's jobs share a model). */
export function planBatch(input: PlanInput): BatchManifest {
  if (!Number.isInteger(input.seeds) || input.seeds < 1) throw new Error(`seeds must be a positive integer, got ${input.seeds}`);
  if (input.models.length === 0) throw new Error('a batch needs at least one model');
  const jobs: BatchJob[] = [];
  const ids = new Set<string>();
  for (const m of input.models) {
    if (m.stages.length === 0) throw new Error(`model "${m.id}": no stages to run`);
    if (m.references.length === 0) throw new Error(`model "${m.id}": no references`);
    m.references.forEach((reference, r) => {
      const refName = reference.kind === 'bundled' ? `${reference.index}-${reference.label}` : reference.name;
      for (let replicate = 0; replicate < input.seeds; replicate++) {
        for (const stage of m.stages) {
          let id = `${safe(m.id)}__${safe(stage)}__r${r}-${safe(refName)}__s${replicate}`;
          // Two file names that sanitise alike still get distinct folders.
          if (ids.has(id)) id = `${id}__${jobs.length}`;
          ids.add(id);
          jobs.push({ index: jobs.length, id, model: m.id, stage, reference, replicate, seed: jobSeed(input.batchSeed, m.id, stage, reference, replicate) });
        }
      }
    });
  }
  return {
    format: BATCH_FORMAT,
    createdAt: (input.now ?? new Date()).toISOString(),
    batchSeed: input.batchSeed,
    shards: input.shards,
    settings: structuredClone(input.settings),
    jobs,
  };
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Checks a parsed manifest.json; throws one line naming the problem. */
export function validateBatchManifest(json: unknown, file: string): BatchManifest {
  const bad = (what: string): never => {
    throw new Error(`${file}: ${what}`);
  };
  if (!isObject(json)) bad('not a JSON object');
  const m = json as Record<string, unknown>;
  if (m.format !== BATCH_FORMAT) bad(`format must be "${BATCH_FORMAT}", got ${JSON.stringify(m.format)}`);
  const s = m.settings;
  if (!isObject(s)) bad('"settings" is missing');
  const settings = s as Record<string, unknown>;
  for (const k of ['passes', 'itersPerPass', 'checkpointEvery']) {
    if (!Number.isInteger(settings[k]) || (settings[k] as number) < (k === 'checkpointEvery' ? 0 : 1)) bad(`settings.${k} must be an integer`);
  }
  if (!isObject(settings.run)) bad('settings.run must be an object (the run settings)');
  if (typeof settings.backend !== 'string') bad('settings.backend must be a string');
  if (m.shards !== null && (!Number.isInteger(m.shards) || (m.shards as number) < 1)) bad('"shards" must be a positive integer or null');
  if (!Array.isArray(m.jobs) || m.jobs.length === 0) bad('"jobs" must be a non-empty array');
  (m.jobs as unknown[]).forEach((j, i) => {
    if (!isObject(j)) bad(`jobs[${i}] is not an object`);
    const job = j as Record<string, unknown>;
    if (job.index !== i) bad(`jobs[${i}].index must be ${i}`);
    for (const k of ['id', 'model', 'stage']) if (typeof job[k] !== 'string' || job[k] === '') bad(`jobs[${i}].${k} must be a non-empty string`);
    if (!/^[A-Za-z0-9._-]+$/.test(job.id as string)) bad(`jobs[${i}].id "${job.id}" is not a safe folder name`);
    if (!Number.isInteger(job.seed) || (job.seed as number) < 0 || (job.seed as number) > 0xffffffff) bad(`jobs[${i}].seed must be an integer in [0, 2^32)`);
    const r = job.reference;
    if (!isObject(r) || (r.kind !== 'bundled' && r.kind !== 'file')) bad(`jobs[${i}].reference must be a bundled or file reference`);
  });
  return json as unknown as BatchManifest;
}
