import { describe, expect, it } from 'vitest';
import { distribution, summarizeBatch, type SummaryJob } from '../../src/batch/summary.ts';
import type { RunExport } from '../../src/export/run-json.ts';

function job(id: string, stage: string, pass: boolean | null, spearman: number, snr: number | 'Infinity', ref: string, seen: Record<string, string>): SummaryJob {
  const recognised = Object.fromEntries(Object.entries(seen).map(([k, v]) => [k, { predicted: v, correct: v === ref }]));
  const record = {
    stage,
    verdict: pass === null ? null : { stage, pass, criteria: [] },
    metricHistory: [{ step: 4, stages: { [stage]: { spearman, pearson: spearman, r2: 0, snrDb: snr } } }],
  } as unknown as RunExport;
  return { id, model: 'm', stage, record, referenceLabel: ref, recognised };
}

describe('batch summary numbers', () => {
  it('distribution: numpy linear quantiles over the finite values', () => {
    expect(distribution([4, 1, 3, 2, NaN])).toEqual({ n: 4, min: 1, q25: 1.75, median: 2.5, q75: 3.25, max: 4, mean: 2.5 });
    expect(distribution([Infinity])).toBeNull();
  });

  it('pass rate over tested jobs, exact matches counted apart, recognition per recogniser', () => {
    const jobs = [
      job('a', 's', true, 0.9, 'Infinity', 'cat', { m: 'cat', o: 'dog' }),
      job('b', 's', false, 0.5, 10, 'dog', { m: 'dog', o: 'dog' }),
      job('c', 's', null, 0.7, 20, 'cat', { m: 'dog', o: 'cat' }),
      job('d', 't', true, 1, 30, 'cat', { m: 'cat' }),
    ];
    const s = summarizeBatch(jobs, { total: 5, order: [{ model: 'm', stage: 's' }, { model: 'm', stage: 't' }] }, { m: 0.5 }, { m: ['m', 'o'] });
    expect(s.jobs).toEqual({ total: 5, done: 4 });
    const [first, second] = s.stages;
    expect(first).toMatchObject({ jobs: 3, tested: 2, passed: 1, passRate: 0.5 });
    expect(first.metrics.snrDb).toMatchObject({ n: 2, min: 10, max: 20, median: 15 });
    expect(first.infinite.snrDb).toBe(1);
    expect(first.metrics.spearman?.median).toBeCloseTo(0.7, 15);
    expect(first.recognition).toEqual({ m: { correct: 2, n: 3, rate: 2 / 3 }, o: { correct: 2, n: 3, rate: 2 / 3 } });
    // "o" never judged a "t" metamer: no entry rather than 0 of 0.
    expect(second.recognition).toEqual({ m: { correct: 1, n: 1, rate: 1 } });
  });
});
