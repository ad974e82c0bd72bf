/**
 * The files of one batch job under DIR/jobs/<id>/ and the state they describe:
 *   running.json     who runs it (host, pid, shard) and the last step reached; heartbeat
 *   checkpoint.json  the engine's resumable state + the loss history so far (atomic)
 *   failed.json      the error that ended the last attempt
 *   run.json         the run record (metamer-run-export/1), metamer.png|wav, metamer.npy
 *   done.json        written last: the job is complete (versions, backend, weights hash, time)
 * Every file is written atomically, and done.json only after the outputs, so "done" means the
 * outputs are whole.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { validateBatchManifest, type BatchJob, type BatchManifest } from '../../batch/plan.ts';

export const MANIFEST_FILE = 'manifest.json';
export const JOBS_DIR = 'jobs';
export const FILES = {
  running: 'running.json',
  checkpoint: 'checkpoint.json',
  failed: 'failed.json',
  record: 'run.json',
  npy: 'metamer.npy',
  done: 'done.json',
} as const;

export type JobState = 'done' | 'running' | 'failed' | 'left';

export interface JobStatus {
  job: BatchJob;
  state: JobState;
  /** Steps reached (running or resumable), when known. */
  step: number | null;
  /** Error of a failed job. */
  error: string | null;
  /** Seconds since running.json was last updated (a running job). */
  idleSeconds: number | null;
}

export function jobDir(batchDir: string, job: Pick<BatchJob, 'id'>): string {
  return join(batchDir, JOBS_DIR, job.id);
}

export function readJson<T>(path: string): T {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${path} not found` : `cannot read ${path}: ${code ?? (e as Error).message}`);
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
  }
}

export function readBatchManifest(batchDir: string): BatchManifest {
  const path = join(batchDir, MANIFEST_FILE);
  if (!existsSync(path)) throw new Error(`${path} not found: is ${batchDir} a batch folder (made by "metamer batch plan")?`);
  return validateBatchManifest(readJson(path), path);
}

export function jobStatus(batchDir: string, job: BatchJob, now = Date.now()): JobStatus {
  const dir = jobDir(batchDir, job);
  const base: JobStatus = { job, state: 'left', step: null, error: null, idleSeconds: null };
  if (!existsSync(dir)) return base;
  if (existsSync(join(dir, FILES.done))) return { ...base, state: 'done' };
  if (existsSync(join(dir, FILES.failed))) {
    const f = readJson<{ error?: string; step?: number }>(join(dir, FILES.failed));
    return { ...base, state: 'failed', error: f.error ?? 'unknown error', step: f.step ?? null };
  }
  const checkpoint = join(dir, FILES.checkpoint);
  const runningPath = join(dir, FILES.running);
  if (existsSync(runningPath)) {
    const r = readJson<{ step?: number }>(runningPath);
    return { ...base, state: 'running', step: r.step ?? null, idleSeconds: Math.max(0, (now - statSync(runningPath).mtimeMs) / 1000) };
  }
  if (existsSync(checkpoint)) return { ...base, step: readJson<{ state?: { step?: number } }>(checkpoint).state?.step ?? null };
  return base;
}

/** Stray temporary files of writes cut off by a kill (never mistaken for outputs). */
export function strayTempFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.startsWith('.') && f.endsWith('.tmp'));
}
