import { describe, expect, it } from 'vitest';
import { successTest } from '../../src/engine/verdict.ts';
import { QUANTILE_LEVELS, summarizeNull } from '../../src/engine/null-distribution.ts';
import type { NullDistribution } from '../../src/engine/types.ts';

const nullDist: NullDistribution = {
  format: 'metamer-null/1',
  model: 'toy',
  source: 'test',
  createdAt: '',
  quantileLevels: [...QUANTILE_LEVELS],
  stages: {
    conv: {
      spearman: summarizeNull([0.1, 0.4, 0.3]),
      pearson: summarizeNull([0.2, 0.5]),
      snrDb: summarizeNull([-3, 1.5, 0]),
    },
  },
};

describe('successTest', () => {
  it('passes each metric only strictly above the null maximum', () => {
    const v = successTest({ stage: 'conv', metrics: { spearman: 0.41, pearson: 0.5, r2: 0.25, snrDb: 20 }, nullDist });
    expect(v.stage).toBe('conv');
    expect(v.criteria).toEqual([
      { criterion: 'spearman', value: 0.41, threshold: 0.4, pass: true },
      { criterion: 'pearson', value: 0.5, threshold: 0.5, pass: false },
      { criterion: 'snrDb', value: 20, threshold: 1.5, pass: true },
    ]);
    expect(v.pass).toBe(false);
  });

  it('uses only the chosen metrics (HMAX: SNR) and adds the class criterion', () => {
    const metrics = { spearman: 0, pearson: 0, r2: 0, snrDb: 1.6 };
    const ok = successTest({ stage: 'conv', metrics, nullDist, metricsUsed: ['snrDb'], referenceClass: 'cat', metamerClass: 'cat' });
    expect(ok.pass).toBe(true);
    expect(ok.criteria.map((c) => c.criterion)).toEqual(['snrDb', 'class']);
    const wrong = successTest({ stage: 'conv', metrics, nullDist, metricsUsed: ['snrDb'], referenceClass: 'cat', metamerClass: 'dog' });
    expect(wrong.pass).toBe(false);
    expect(wrong.criteria[1]).toEqual({ criterion: 'class', value: 'dog', threshold: 'cat', pass: false });
  });

  it('treats NaN as a failure and +Infinity SNR (exact match) as a pass', () => {
    const v = successTest({ stage: 'conv', metrics: { spearman: NaN, pearson: 1, r2: 1, snrDb: Infinity }, nullDist });
    expect(v.criteria.map((c) => c.pass)).toEqual([false, true, true]);
  });

  it('fails clearly when the null has no such stage', () => {
    expect(() => successTest({ stage: 'fc', metrics: { spearman: 1, pearson: 1, r2: 1, snrDb: 1 }, nullDist })).toThrow(
      /has no stage "fc" \(it has: conv\)/,
    );
  });
});
