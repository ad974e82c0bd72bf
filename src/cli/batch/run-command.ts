/** `metamer batch run DIR [--shard i/n]`: runs this process's share of a batch's jobs. */
import { resolve } from 'node:path';
import { parse, intOption } from '../args.ts';
import { cliBackend } from '../backend.ts';
import { UsageError } from '../errors.ts';
import { progressReporter, type CliIo } from '../io.ts';
import { parseShard, shardFromEnv, shardIndices, type Shard } from '../../batch/shard.ts';
import { ANY_NODE_BACKENDS, type AnyNodeBackend } from '../../platform/tf-node.ts';
import { jobStatus, readBatchManifest } from './job-files.ts';
import { ModelCache, modelsDirOf, runJob } from './job-runner.ts';

/** Exit codes of "metamer batch run" (documented in the README). */
export const BATCH_EXIT = { allDone: 0, error: 1, usage: 2, someFailed: 3, interrupted: 4 } as const;

export const RUN_USAGE = `metamer batch run DIR [--shard i/n] [--shards N]
  Runs this process's share of DIR's jobs: --shard i/n (0-based), else the scheduler's own
  variables - a Slurm array task (SLURM_ARRAY_TASK_ID with SLURM_ARRAY_TASK_COUNT or
  _MIN/_MAX) or a Kubernetes Indexed Job pod (JOB_COMPLETION_INDEX; the count from --shards
  or the plan's --shards) - else every job. Shard i takes jobs i, i+n, i+2n, ... Done jobs are
  skipped, failed ones retried, a job cut off resumes from its last checkpoint; SIGTERM or
  SIGINT saves a checkpoint and stops. Exit codes: 0 all of the shard's jobs done, 3 some
  failed (see "metamer batch status"), 4 interrupted (rerun to resume), 2 usage, 1 other error.`;

export async function batchRun(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(argv, { help: { type: 'boolean', short: 'h' }, shard: { type: 'string' }, shards: { type: 'string' } }, true);
  if (values.help) {
    io.out(`Usage: ${RUN_USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('give one batch folder: metamer batch run DIR [--shard i/n]');
  const dir = resolve(positionals[0]);
  const manifest = readBatchManifest(dir);
  let shard: Shard | null;
  try {
    const count = values.shards === undefined ? manifest.shards : intOption(values.shards, 'shards', undefined, 1);
    shard = values.shard !== undefined ? parseShard(values.shard) : shardFromEnv(process.env, count);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const backend = manifest.settings.backend as AnyNodeBackend;
  if (!ANY_NODE_BACKENDS.includes(backend)) throw new Error(`${dir}: backend "${backend}" is not available here (${ANY_NODE_BACKENDS.join(', ')})`);
  const indices = shard ? shardIndices(manifest.jobs.length, shard) : manifest.jobs.map((j) => j.index);
  const mine = indices.map((i) => manifest.jobs[i]);
  const todo = mine.filter((j) => jobStatus(dir, j).state !== 'done');
  const where = shard ? `shard ${shard.index}/${shard.count} (${shard.source})` : 'all shards';
  io.err(`${where}: ${mine.length} jobs, ${mine.length - todo.length} already done, ${todo.length} to run\n`);
  if (todo.length === 0) return BATCH_EXIT.allDone;

  // webgpu: a GPU, or a software device only with METAMER_ALLOW_SOFTWARE_GPU=1 in the jobs' environment.
  const tf = await cliBackend(backend, io);
  const models = new ModelCache(modelsDirOf(dir, manifest));
  const stopper = new AbortController();
  const onSignal = () => stopper.abort();
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  const progress = progressReporter(io);
  let failed = 0;
  let stopped = false;
  try {
    for (const [k, job] of todo.entries()) {
      if (stopper.signal.aborted) {
        stopped = true;
        break;
      }
      const started = Date.now();
      const r = await runJob(
        {
          batchDir: dir,
          manifest,
          tf,
          models,
          shard,
          signal: stopper.signal,
          onStep: (j, rec, total) => progress.update(`[${k + 1}/${todo.length}] ${j.id}: step ${rec.step + 1}/${total} loss ${rec.loss.toExponential(3)}`),
        },
        job,
      );
      const secs = ((Date.now() - started) / 1000).toFixed(1);
      if (r.outcome === 'done') progress.done(`[${k + 1}/${todo.length}] ${job.id}: done in ${secs} s${r.resumedFrom > 0 ? ` (resumed at step ${r.resumedFrom})` : ''}`);
      else if (r.outcome === 'failed') {
        failed++;
        progress.done(`[${k + 1}/${todo.length}] ${job.id}: FAILED: ${r.error}`);
      } else {
        stopped = true;
        progress.done(`[${k + 1}/${todo.length}] ${job.id}: stopped at step ${r.step}, checkpoint saved`);
        break;
      }
    }
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    await models.dispose();
  }
  if (stopped) {
    io.err(`interrupted: rerun "metamer batch run" for this shard to resume\n`);
    return BATCH_EXIT.interrupted;
  }
  if (failed > 0) {
    io.err(`${failed} of ${todo.length} jobs failed (see "metamer batch status ${positionals[0]}")\n`);
    return BATCH_EXIT.someFailed;
  }
  io.err(`all ${mine.length} jobs of ${where} done\n`);
  return BATCH_EXIT.allDone;
}
