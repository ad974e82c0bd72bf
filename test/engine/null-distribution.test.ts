import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { QUANTILE_LEVELS, summarizeNull, validateNullDistribution } from '../../src/engine/null-distribution.ts';
import type { NullDistribution } from '../../src/engine/types.ts';

const fixture = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'metrics', 'quantiles.json'), 'utf8'));

describe('summarizeNull', () => {
  it('matches numpy.quantile (linear), mean and numpy.histogram on a skewed sample', () => {
    const s = summarizeNull(fixture.values, fixture.levels, 50);
    expect(s.pairs).toBe(fixture.values.length);
    s.quantiles.forEach((q, i) => expect(q).toBeCloseTo(fixture.quantiles[i], 12));
    expect(s.mean).toBeCloseTo(fixture.mean, 12);
    expect(s.min).toBe(Math.min(...fixture.values));
    expect(s.max).toBe(Math.max(...fixture.values));
    expect(s.histogram.counts).toEqual(fixture.counts);
    s.histogram.edges.forEach((e, i) => expect(e).toBeCloseTo(fixture.edges[i], 12));
  });

  it('interpolates linearly between order statistics (closed form on 0..100)', () => {
    const values = Array.from({ length: 101 }, (_, i) => 100 - i); // unsorted input
    const s = summarizeNull(values, [0, 0.001, 0.255, 1], 4);
    expect(s.quantiles).toEqual([0, 0.1, 25.5, 100].map((v) => expect.closeTo(v, 12)));
    expect(s.histogram.counts).toEqual([25, 25, 25, 26]); // last bin closed
    expect(s.histogram.counts.reduce((a, b) => a + b)).toBe(101);
  });

  it('drops non-finite values, widens a zero-width histogram like numpy, rejects empty input', () => {
    const s = summarizeNull([2, -Infinity, 2, NaN], QUANTILE_LEVELS, 2);
    expect(s.pairs).toBe(2);
    expect(s.histogram.edges).toEqual([1.5, 2, 2.5]);
    expect(s.histogram.counts).toEqual([0, 2]);
    expect(() => summarizeNull([NaN], QUANTILE_LEVELS)).toThrow(/no finite/);
  });
});

function validFile(): NullDistribution {
  const summary = summarizeNull([0.1, 0.2, 0.3], QUANTILE_LEVELS, 3);
  return {
    format: 'metamer-null/1',
    model: 'toy',
    source: 'test',
    createdAt: '2026-01-01T00:00:00Z',
    quantileLevels: [...QUANTILE_LEVELS],
    stages: { s1: { spearman: summary, pearson: summary, snrDb: summary } },
  };
}

describe('validateNullDistribution', () => {
  it('accepts a valid file (also after a JSON round trip)', () => {
    const f = validFile();
    expect(validateNullDistribution(JSON.parse(JSON.stringify(f)))).toEqual(f);
  });

  it.each([
    ['wrong format tag', (f: any) => (f.format = 'metamer-null/2'), /format must be/],
    ['missing stages', (f: any) => (f.stages = {}), /at least one stage/],
    ['missing metric', (f: any) => delete f.stages.s1.snrDb, /stages\.s1\.snrDb is missing/],
    ['non-finite max (JSON null)', (f: any) => (f.stages.s1.pearson.max = null), /stages\.s1\.pearson\.max must be a finite number/],
    ['wrong quantile count', (f: any) => f.stages.s1.spearman.quantiles.pop(), /quantiles must have 9 entries/],
    ['bad histogram', (f: any) => f.stages.s1.spearman.histogram.edges.pop(), /edges must have/],
    ['no model', (f: any) => delete f.model, /"model"/],
  ])('rejects %s', (_name, mutate, message) => {
    const f = JSON.parse(JSON.stringify(validFile()));
    mutate(f);
    expect(() => validateNullDistribution(f)).toThrow(message);
    expect(() => validateNullDistribution(f)).toThrow(/invalid null distribution/);
  });

  it('rejects non-objects', () => {
    expect(() => validateNullDistribution(null)).toThrow(/not a JSON object/);
    expect(() => validateNullDistribution([1])).toThrow(/not a JSON object/);
  });
});
