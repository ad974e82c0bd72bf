import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileMetrics, type JsonNumber } from '../../src/cli/commands/metrics.ts';
import { cliSpawn, REPO } from './run-cli.ts';

// Written by scripts/scipy-reference.py (scipy.stats.spearmanr / pearsonr, float64).
const DIR = join(REPO, 'test', 'fixtures', 'metrics');
const expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as Record<string, Record<string, JsonNumber>>;

function agree(got: JsonNumber, want: JsonNumber): void {
  if (typeof want === 'string' || typeof got === 'string') expect(got).toBe(want);
  else expect(Math.abs(got - want)).toBeLessThan(1e-5);
}

describe('metamer metrics agrees with scipy', () => {
  for (const name of Object.keys(expected)) {
    it(`case ${name}`, async () => {
      const got = await fileMetrics(join(DIR, `${name}_a.npy`), join(DIR, `${name}_b.npy`), 'wasm');
      for (const key of ['spearman', 'pearson', 'r2', 'snr_db'] as const) agree(got[key], expected[name][key]);
    });
  }

  it('bin/metamer.js metrics prints the same JSON on stdout', () => {
    const r = cliSpawn(['metrics', join(DIR, 'relu_a.npy'), join(DIR, 'relu_b.npy')]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const got = JSON.parse(r.out);
    expect(Object.keys(got)).toEqual(['spearman', 'pearson', 'r2', 'snr_db']);
    for (const key of Object.keys(got)) agree(got[key], expected.relu[key]);
  });
});
