/**
 * A local simulation of a cluster: a tiny batch run by one process, and by three shard
 * processes in parallel (one of them from a Kubernetes completion index) with one shard killed
 * (SIGKILL) mid-job and rerun. Every job is done exactly once and the outputs are identical.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { BIN, REPO, cliInProcess } from '../run-cli.ts';
import { batchOutputs, cliAsync, killAtCheckpoint } from './helpers.ts';
import type { BatchManifest } from '../../../src/batch/plan.ts';

const PLAN = ['--models', 'fmnist-alexnet', '--stages', 'relu1,final', '--max-references', '2', '--steps', '100', '--checkpoint-every', '25', '--seed', '11'];

function doneCounts(logs: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const log of logs) for (const m of log.matchAll(/\] (\S+): done in/g)) counts.set(m[1], (counts.get(m[1]) ?? 0) + 1);
  return counts;
}

describe('metamer batch: local simulation of a sharded run', () => {
  it('three parallel shards, one killed mid-job and rerun, give the one-process outputs, each job once', async () => {
    const root = mkdtempSync(join(tmpdir(), 'metamer-batch-'));
    const one = join(root, 'one');
    const sharded = join(root, 'sharded');
    expect((await cliInProcess(['batch', 'plan', '--out', one, ...PLAN])).code).toBe(0);
    const plan = await cliInProcess(['batch', 'plan', '--out', sharded, '--shards', '3', ...PLAN]);
    expect(plan.code, plan.err).toBe(0);
    expect(plan.err).toMatch(/planned 4 jobs/);
    const manifest = JSON.parse(readFileSync(join(sharded, 'manifest.json'), 'utf8')) as BatchManifest;
    expect(manifest.jobs).toHaveLength(4);

    const single = await cliInProcess(['batch', 'run', one]);
    expect(single.code, single.err).toBe(0);

    // Shard 1 is killed (by this test) once its 2nd checkpoint is on disk (step 50 of its first
    // job: a pre-emption), where the run also measures every stage (every 5 steps): the resumed
    // run must measure there too.
    const killedJob = manifest.jobs[1];
    const killedDir = join(sharded, 'jobs', killedJob.id);
    const [s0, s1, s2] = await Promise.all([
      cliAsync(['batch', 'run', sharded, '--shard', '0/3']),
      cliAsync(['batch', 'run', sharded, '--shard', '1/3'], {}, (child) => killAtCheckpoint(child, killedDir, 50)),
      cliAsync(['batch', 'run', sharded], { JOB_COMPLETION_INDEX: '2' }),
    ]);
    expect(s0.code, s0.err).toBe(0);
    expect(s2.code, s2.err).toBe(0);
    expect(s2.err).toMatch(/shard 2\/3 \(Kubernetes completion index 2\)/);
    expect(s1.signal).toBe('SIGKILL');
    expect(existsSync(join(killedDir, 'done.json'))).toBe(false);
    expect(JSON.parse(readFileSync(join(killedDir, 'checkpoint.json'), 'utf8')).state.step).toBe(50);
    const status = await cliInProcess(['batch', 'status', sharded]);
    expect(status.out).toMatch(/all jobs .* done 3, running 1, failed 0, left 0 of 4/);
    expect(status.out).toMatch(new RegExp(`running  ${killedJob.id}: step 50/100`));

    const rerun = await cliAsync(['batch', 'run', sharded, '--shard', '1/3']);
    expect(rerun.code, rerun.err).toBe(0);
    expect(rerun.err).toMatch(/1 jobs, 0 already done, 1 to run/);
    expect(rerun.err).toMatch(new RegExp(`${killedJob.id}: done in [\\d.]+ s \\(resumed at step 50\\)`));
    expect(JSON.parse(readFileSync(join(killedDir, 'done.json'), 'utf8')).resumedFrom).toBe(50);

    // Exactly once: every job finished by one process, no job twice, nothing half-written left.
    const counts = doneCounts([s0.err, s1.err, s2.err, rerun.err]);
    expect([...counts.keys()].sort()).toEqual(manifest.jobs.map((j) => j.id).sort());
    expect([...counts.values()].every((c) => c === 1)).toBe(true);
    for (const id of readdirSync(join(sharded, 'jobs'))) {
      expect(readdirSync(join(sharded, 'jobs', id)).filter((f) => f.endsWith('.tmp') || f === 'checkpoint.json' || f === 'running.json')).toEqual([]);
    }
    const again = await cliInProcess(['batch', 'run', sharded]);
    expect(again.code).toBe(0);
    expect(again.err).toMatch(/4 jobs, 4 already done, 0 to run/);

    // Identical outputs: run records (but their times), metamer PNGs and raw float32 metamers.
    const a = batchOutputs(one);
    const b = batchOutputs(sharded);
    expect(Object.keys(b)).toEqual(Object.keys(a));
    expect(Object.keys(a)).toHaveLength(4);
    for (const id of Object.keys(a)) {
      expect(b[id].record, id).toEqual(a[id].record);
      expect(b[id].metamer.equals(a[id].metamer), id).toBe(true);
      expect(b[id].npy.equals(a[id].npy), id).toBe(true);
    }
    const rec = a[killedJob.id].record as { schema: string; lossHistory: unknown[]; metricHistory: { step: number }[]; seed: number; model: { weightsHash: string }; settings: { backend: string } };
    expect(rec.schema).toBe('metamer-run-export/1');
    expect(rec.lossHistory).toHaveLength(100);
    expect(rec.metricHistory.map((m) => m.step)).toEqual(Array.from({ length: 21 }, (_, i) => 5 * i));
    expect(rec.seed).toBe(killedJob.seed);
    expect(rec.model.weightsHash).toMatch(/^[0-9a-f]{64}$/);
    expect(rec.settings.backend).toBe('wasm');
    const done = JSON.parse(readFileSync(join(one, 'jobs', killedJob.id, 'done.json'), 'utf8'));
    expect(done.versions.tfjs).toBe('4.22.0');
    expect(done.versions.node).toBe(process.version);
  });

  it('exit codes: 3 when a job fails (the others still run), 4 on SIGTERM (checkpoint saved), 2 for usage; status names the error', async () => {
    const root = mkdtempSync(join(tmpdir(), 'metamer-batch-fail-'));
    const refs = join(root, 'refs');
    const { mkdirSync, copyFileSync } = await import('node:fs');
    mkdirSync(refs);
    copyFileSync(join(import.meta.dirname, '..', '..', '..', 'models', 'fmnist-alexnet', 'references', 'bag.png'), join(refs, 'a-bag.png'));
    writeFileSync(join(refs, 'b-broken.png'), 'not a png');
    const dir = join(root, 'batch');
    const plan = await cliInProcess(['batch', 'plan', '--out', dir, '--models', 'fmnist-alexnet', '--stages', 'relu0', '--references', refs, '--steps', '2']);
    expect(plan.code, plan.err).toBe(0);
    const r = await cliAsync(['batch', 'run', dir]);
    expect(r.code, r.err).toBe(3);
    expect(r.err).toMatch(/b-broken.*FAILED: .*b-broken\.png/);
    expect(r.err).toMatch(/1 of 2 jobs failed/);
    const status = await cliInProcess(['batch', 'status', dir]);
    expect(status.out).toMatch(/done 1, running 0, failed 1, left 0 of 2/);
    expect(status.out).toMatch(/failed   fmnist-alexnet__relu0__r1-b-broken__s0: .*b-broken\.png/);

    expect((await cliInProcess(['batch', 'run', dir, '--shard', '2/2'])).code).toBe(2);
    const noCount = await cliAsync(['batch', 'run', dir], { JOB_COMPLETION_INDEX: '0' });
    expect(noCount.code).toBe(2);
    expect(noCount.err).toMatch(/--shards N/);

    // SIGTERM (Slurm's time limit, scancel): a checkpoint is saved, exit 4, the job is left to resume.
    const long = join(root, 'long');
    expect((await cliInProcess(['batch', 'plan', '--out', long, '--models', 'fmnist-alexnet', '--stages', 'relu0', '--max-references', '1', '--steps', '100000', '--checkpoint-every', '5'])).code).toBe(0);
    const job = (JSON.parse(readFileSync(join(long, 'manifest.json'), 'utf8')) as BatchManifest).jobs[0];
    const child = spawn(process.execPath, [BIN, 'batch', 'run', long], { cwd: REPO });
    let log = '';
    child.stderr.on('data', (d) => (log += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const checkpoint = join(long, 'jobs', job.id, 'checkpoint.json');
    while (!existsSync(checkpoint)) await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGTERM');
    expect(await exited, log).toBe(4);
    expect(log).toMatch(/stopped at step \d+, checkpoint saved/);
    const saved = JSON.parse(readFileSync(checkpoint, 'utf8')).state.step;
    expect(saved).toBeGreaterThanOrEqual(5);
    expect((await cliInProcess(['batch', 'status', long])).out).toMatch(new RegExp(`left     ${job.id}: resumes at step ${saved}/100000`));

    const notBatch = await cliInProcess(['batch', 'status', refs]);
    expect(notBatch.code).toBe(1);
    expect(notBatch.err).toMatch(/manifest\.json not found: is .* a batch folder/);
  });
});
