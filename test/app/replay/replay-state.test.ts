import { describe, expect, it } from 'vitest';
import { fromJsonNumber, importRecords, importVerdict, replayAt } from '../../../src/app/replay/replay-state.ts';
import type { PreparedRun } from '../../../src/export/prepared-run.ts';

const m = (x: number) => ({ spearman: x, pearson: x, r2: x, snrDb: 'Infinity' as const });
const run = {
  frames: [0, 10, 100, 200].map((step) => ({ step, stimulus: null })),
  record: {
    lossHistory: Array.from({ length: 200 }, (_, step) => ({ step, loss: 1 / (step + 1), eta: 1, gradNorm: 1 })),
    metricHistory: [{ step: 0, stages: { a: m(0.1) } }, { step: 50, stages: { a: m(0.5) } }, { step: 200, stages: { a: m(0.9) } }],
    verdict: { stage: 'a', pass: false, criteria: [{ criterion: 'spearman', value: 'NaN', threshold: 0.3, pass: false }, { criterion: 'class', value: 'x', threshold: 'y', pass: false }] },
  },
} as unknown as PreparedRun;
const records = importRecords(run);

describe('replayAt', () => {
  it('at the end: the whole history, the last metrics and the final verdict', () => {
    const s = replayAt(run, records, 99);
    expect(s).toMatchObject({ frameIndex: 3, step: 200, final: true });
    expect(s.records).toHaveLength(200);
    expect(s.metrics?.step).toBe(200);
    expect(s.metrics?.stages.a.snrDb).toBe(Infinity);
    expect(s.verdict?.criteria[0].value).toBeNaN();
  });

  it('along the way: the loss before the snapshot, the latest metrics measured by then, no verdict yet', () => {
    const s = replayAt(run, records, 2);
    expect(s.step).toBe(100);
    expect(s.records.at(-1)?.step).toBe(99);
    expect(s.metrics?.step).toBe(50);
    expect(s.metrics?.stages.a.spearman).toBe(0.5);
    expect(s.verdict).toBeNull();
    expect(replayAt(run, records, 0).records).toEqual([]);
    expect(replayAt(run, records, -3).frameIndex).toBe(0);
  });
});

describe('JSON numbers and verdicts from a run record', () => {
  it('turns the strings JSON needs back into numbers', () => {
    expect(fromJsonNumber('Infinity')).toBe(Infinity);
    expect(fromJsonNumber('-Infinity')).toBe(-Infinity);
    expect(fromJsonNumber('NaN')).toBeNaN();
    expect(fromJsonNumber(0.25)).toBe(0.25);
    expect(importVerdict(run.record.verdict!).criteria[1]).toEqual({ criterion: 'class', value: 'x', threshold: 'y', pass: false });
  });
});
