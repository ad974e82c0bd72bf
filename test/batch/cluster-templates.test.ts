/** The cluster templates keep the contract "metamer batch run" relies on (no cluster runs here; the Slurm one runs in test/cli/batch/slurm.test.ts). */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

describe('cluster templates', () => {
  it('the Kubernetes Job is Indexed and its --shards equals its completions', () => {
    const yaml = readFileSync(join(ROOT, 'cluster', 'kubernetes', 'metamer-batch-job.yaml'), 'utf8');
    expect(yaml).toMatch(/^kind: Job$/m);
    expect(yaml).toMatch(/^\s+completionMode: Indexed$/m);
    const completions = Number(/^\s+completions: (\d+)$/m.exec(yaml)?.[1]);
    const args = /args: \[(.*)\]/.exec(yaml)?.[1];
    expect(args).toMatch(/^"batch", "run", "[^"]+", "--shards", "(\d+)"$/);
    expect(Number(/"--shards", "(\d+)"/.exec(args!)![1])).toBe(completions);
  });

  it('the Dockerfile runs the metamer command line', () => {
    const docker = readFileSync(join(ROOT, 'cluster', 'Dockerfile'), 'utf8');
    expect(docker).toMatch(/^ENTRYPOINT \["node", "\/opt\/metamer\/bin\/metamer\.js"\]$/m);
    for (const dir of ['bin', 'src', 'models']) expect(docker).toMatch(new RegExp(`^COPY ${dir} \\./${dir}$`, 'm'));
  });
});
