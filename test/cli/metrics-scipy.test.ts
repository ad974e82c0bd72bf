import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { fileMetrics, type JsonNumber } from '../../src/cli/commands/metrics.ts';
import { stageMetrics } from '../../src/engine/metrics.ts';
import { metricsFloat64 } from '../../src/engine/metrics-f64.ts';
import { parseNpy } from '../../src/io/npy.ts';
import { NODE_BACKENDS, useNodeBackend } from '../../src/platform/tf-node.ts';
import { cliSpawn, REPO } from './run-cli.ts';

// Written by scripts/scipy-reference.py (scipy.stats.spearmanr / pearsonr, float64).
const DIR = join(REPO, 'test', 'fixtures', 'metrics');
const expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as Record<string, Record<string, JsonNumber>>;
const KEYS = ['spearman', 'pearson', 'r2', 'snr_db'] as const;

function agree(got: JsonNumber, want: JsonNumber, tolerance: number): void {
  if (typeof want === 'string' || typeof got === 'string') expect(got).toBe(want);
  else expect(Math.abs(got - want)).toBeLessThan(tolerance);
}

describe('metamer metrics (float64) agrees with scipy to 1e-9', () => {
  for (const name of Object.keys(expected)) {
    it(`case ${name}`, async () => {
      const got = await fileMetrics(join(DIR, `${name}_a.npy`), join(DIR, `${name}_b.npy`));
      for (const key of KEYS) agree(got[key], expected[name][key], 1e-9);
    });
  }

  it('bin/metamer.js metrics prints the same JSON on stdout', () => {
    const r = cliSpawn(['metrics', join(DIR, 'relu_a.npy'), join(DIR, 'relu_b.npy')]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const got = JSON.parse(r.out);
    expect(Object.keys(got)).toEqual([...KEYS]);
    for (const key of Object.keys(got)) agree(got[key], expected.relu[key], 1e-9);
  });

  it('refuses NaN and Infinity in either array', () => {
    expect(() => metricsFloat64([1, NaN, 3], [1, 2, 3])).toThrow(/reference holds NaN at element 1/);
    expect(() => metricsFloat64([1, 2, 3], [1, 2, Infinity])).toThrow(/candidate holds Infinity at element 2/);
  });
});

describe.each(NODE_BACKENDS)('device metrics (%s) on 200,000 values with ties', (backend) => {
  it('agree with scipy within 1e-5 (centred, compensated sums)', async () => {
    await useNodeBackend(backend);
    const a = parseNpy(readFileSync(join(DIR, 'large_ties_a.npy'))).data;
    const b = parseNpy(readFileSync(join(DIR, 'large_ties_b.npy'))).data;
    expect(a.length).toBe(200_000);
    const before = tf.memory().numTensors;
    const ta = tf.tensor1d(a);
    const tb = tf.tensor1d(b);
    const m = await stageMetrics(ta, tb);
    tf.dispose([ta, tb]);
    expect(tf.memory().numTensors).toBe(before);
    const want = expected.large_ties as Record<string, number>;
    expect(Math.abs(m.spearman - want.spearman)).toBeLessThan(1e-5);
    expect(Math.abs(m.pearson - want.pearson)).toBeLessThan(1e-5);
    expect(Math.abs(m.r2 - want.r2)).toBeLessThan(1e-5);
    expect(Math.abs(m.snrDb - want.snr_db)).toBeLessThan(1e-4);
  }, 60_000);
});
