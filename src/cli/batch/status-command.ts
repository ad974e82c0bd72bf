/** `metamer batch status DIR`: done / running / failed / left, overall and per model. */
import { resolve } from 'node:path';
import { parse } from '../args.ts';
import { UsageError } from '../errors.ts';
import { bar, type CliIo } from '../io.ts';
import { jobStatus, readBatchManifest, type JobState, type JobStatus } from './job-files.ts';

export const STATUS_USAGE = `metamer batch status DIR [--json]
  Counts DIR's jobs: done, running (with the step reached and how long since it was last
  heard from), failed (with the error), left (with the checkpoint step of a job cut off).
  --json prints every job's state.`;

/** A running job not heard from for this long was probably cut off (its shard can be rerun). */
const STALE_SECONDS = 600;

export async function batchStatus(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(argv, { help: { type: 'boolean', short: 'h' }, json: { type: 'boolean' } }, true);
  if (values.help) {
    io.out(`Usage: ${STATUS_USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('give one batch folder: metamer batch status DIR');
  const dir = resolve(positionals[0]);
  const manifest = readBatchManifest(dir);
  const statuses = manifest.jobs.map((j) => jobStatus(dir, j));
  if (values.json) {
    io.out(`${JSON.stringify(statuses.map((s) => ({ id: s.job.id, index: s.job.index, state: s.state, step: s.step, error: s.error, idleSeconds: s.idleSeconds })), null, 1)}\n`);
    return 0;
  }
  const count = (list: JobStatus[], state: JobState) => list.filter((s) => s.state === state).length;
  const line = (name: string, list: JobStatus[]) =>
    `${name.padEnd(24)} ${bar(count(list, 'done'), list.length, 20)}  done ${count(list, 'done')}, running ${count(list, 'running')}, failed ${count(list, 'failed')}, left ${count(list, 'left')} of ${list.length}`;
  const lines = [line('all jobs', statuses)];
  for (const model of [...new Set(manifest.jobs.map((j) => j.model))]) lines.push(line(model, statuses.filter((s) => s.job.model === model)));
  const total = manifest.settings.passes * manifest.settings.itersPerPass;
  for (const s of statuses) {
    if (s.state === 'failed') lines.push(`failed   ${s.job.id}: ${s.error}`);
    if (s.state === 'running') {
      const stale = (s.idleSeconds ?? 0) > STALE_SECONDS ? ' - probably cut off; rerun its shard to resume' : '';
      lines.push(`running  ${s.job.id}: step ${s.step ?? 0}/${total}, last heard ${Math.round(s.idleSeconds ?? 0)} s ago${stale}`);
    }
    if (s.state === 'left' && s.step !== null) lines.push(`left     ${s.job.id}: resumes at step ${s.step}/${total}`);
  }
  io.out(`${lines.join('\n')}\n`);
  return 0;
}
