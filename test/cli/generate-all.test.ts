/**
 * `metamer generate --stage all`: one folder per stage written by the single-run writer, a
 * summary, and each stage's metamer equal to a separate `--stage NAME` run's (same seed).
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliInProcess, REPO } from './run-cli.ts';
import { parseNpy } from '../../src/io/npy.ts';

const INPUT = join(REPO, 'node_modules', '@stdlib', 'datasets', 'img-locomotion-house-cat', 'data', 'image.jpg');

describe('metamer generate --stage all (fmnist-alexnet, 3 steps)', () => {
  it('writes every stage and a summary, and each stage equals its separate run', async () => {
    const root = mkdtempSync(join(tmpdir(), 'metamer-all-'));
    const all = join(root, 'all');
    const common = ['--model', 'fmnist-alexnet', '--input', INPUT, '--steps', '3', '--seed', '4', '--measure', 'stage'];
    const r = await cliInProcess(['generate', ...common, '--stage', 'all', '--out', all]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/optimised together in one batched pass/);
    const summary = JSON.parse(readFileSync(join(all, 'summary.json'), 'utf8'));
    expect(summary.mode).toBe('batched');
    const stages = ['relu0', 'relu1', 'relu2', 'relu3', 'relu4', 'fc0_relu', 'fc1_relu', 'final'];
    expect(summary.stages.map((s: { stage: string }) => s.stage)).toEqual(stages);
    for (const s of summary.stages) {
      expect(s.stepsRun).toBe(3);
      expect(typeof s.pass).toBe('boolean');
      for (const f of ['run.json', 'metamer.png', 'metamer.npy', 'reference.npy', 'reference.png']) {
        expect(existsSync(join(all, s.folder, f)), `${s.folder}/${f}`).toBe(true);
      }
      // Each folder is the page's run record of that stage.
      const run = JSON.parse(readFileSync(join(all, s.folder, 'run.json'), 'utf8'));
      expect(run.schema).toBe('metamer-run-export/1');
      expect(run.stage).toBe(s.stage);
      expect(run.settings.config.stage).toBe(s.stage);
      expect(run.verdict.pass).toBe(s.pass);
    }
    for (const stage of ['relu0', 'fc1_relu']) {
      const one = join(root, stage);
      const single = await cliInProcess(['generate', ...common, '--stage', stage, '--out', one]);
      expect(single.code, single.err).toBe(0);
      const a = parseNpy(readFileSync(join(all, stage, 'metamer.npy'))).data;
      const b = parseNpy(readFileSync(join(one, 'metamer.npy'))).data;
      let d = 0;
      let n = 0;
      for (let i = 0; i < a.length; i++) {
        d += (a[i] - b[i]) ** 2;
        n += b[i] ** 2;
      }
      expect(Math.sqrt(d / n), stage).toBeLessThan(1e-5);
      const ra = JSON.parse(readFileSync(join(all, stage, 'run.json'), 'utf8'));
      const rb = JSON.parse(readFileSync(join(one, 'run.json'), 'utf8'));
      ra.lossHistory.forEach((h: { loss: number }, i: number) => expect(Math.abs(h.loss - rb.lossHistory[i].loss) / rb.lossHistory[i].loss).toBeLessThan(1e-4));
      expect(ra.lossHistory.length).toBe(rb.lossHistory.length);
      expect(ra.verdict).toEqual(rb.verdict);
      expect(ra.settings).toEqual(rb.settings);
    }
  }, 120_000);
});
