/**
 * Real Slurm: a private one-node cluster (munged, slurmctld, slurmd started and stopped here),
 * the repository's sbatch template submitted as a 2-task array on a tiny batch, waited for,
 * and summarised. Skipped only when Slurm is absent and this is not root.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, REPO, cliInProcess } from '../run-cli.ts';
import { findTool, slurmUnavailable, startLocalCluster, type LocalCluster } from './slurm-cluster.ts';
import type { BatchManifest } from '../../../src/batch/plan.ts';
import type { BatchSummary } from '../../../src/batch/summary.ts';

let cluster: LocalCluster | undefined;
afterAll(async () => {
  await cluster?.stop();
});

describe('metamer batch on Slurm', () => {
  it('the sbatch template runs a 2-task array; every job done once; the summary covers them', async (ctx) => {
    const why = slurmUnavailable();
    if (why) {
      ctx.skip(why);
      return;
    }
    cluster = await startLocalCluster();
    const dir = join(mkdtempSync(join(tmpdir(), 'metamer-slurm-batch-')), 'b');
    const plan = await cliInProcess(['batch', 'plan', '--out', dir, '--models', 'fmnist-alexnet', '--stages', 'relu1,final', '--max-references', '2', '--steps', '6']);
    expect(plan.code, plan.err).toBe(0);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as BatchManifest;

    const sbatch = spawnSync(
      findTool('sbatch')!,
      // The template's resources suit a real node; this small one gets 1 CPU and 1 GB per task.
      ['--wait', '--array=0-1', '--cpus-per-task=1', '--mem=1G', '--export=ALL', `--output=${dir}/slurm-%A_%a.out`, join(REPO, 'cluster', 'slurm', 'metamer-batch.sbatch')],
      { cwd: dir, encoding: 'utf8', timeout: 240_000, env: { ...process.env, ...cluster.env, METAMER_BATCH_DIR: dir, METAMER_CMD: `${process.execPath} ${BIN}` } },
    );
    const logs = readdirSync(dir).filter((f) => f.startsWith('slurm-')).sort().map((f) => readFileSync(join(dir, f), 'utf8'));
    expect(sbatch.status, `${sbatch.stderr}\n${logs.join('\n')}`).toBe(0);
    expect(logs).toHaveLength(2);
    expect(logs[0]).toMatch(/shard 0\/2 \(Slurm array task 0\): 2 jobs/);
    expect(logs[1]).toMatch(/shard 1\/2 \(Slurm array task 1\): 2 jobs/);

    const done = manifest.jobs.map((j) => JSON.parse(readFileSync(join(dir, 'jobs', j.id, 'done.json'), 'utf8')));
    expect(done.map((d) => d.shard).sort()).toEqual(['0/2', '0/2', '1/2', '1/2']);
    const finished = logs.join('\n').match(/\] \S+: done in/g) ?? [];
    expect(finished).toHaveLength(manifest.jobs.length);

    const summary = await cliInProcess(['batch', 'summary', dir, '--readers', 'fmnist-alexnet']);
    expect(summary.code, summary.err).toBe(0);
    const s = JSON.parse(readFileSync(join(dir, 'summary', 'summary.json'), 'utf8')) as BatchSummary;
    expect(s.jobs).toEqual({ total: 4, done: 4 });
    expect(s.stages.map((x) => [x.stage, x.jobs])).toEqual([['relu1', 2], ['final', 2]]);
  });
});
