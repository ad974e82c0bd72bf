import { describe, expect, it } from 'vitest';
import { runListRows } from '../../src/app/run-list-rows.ts';
import type { RunSummary } from '../../src/export/saved-run.ts';

function summary(id: string, createdAt: number, extra: Partial<RunSummary> = {}): RunSummary {
  return { id, modelId: 'm', modelName: 'M', stage: id, status: 'done', step: 10, totalSteps: 10, createdAt, updatedAt: createdAt, pass: null, ...extra };
}

describe('runListRows', () => {
  it('makes an all-stages batch one entry, in stage order, with its pass count, among single runs', () => {
    const runs = [
      summary('solo-new', 50),
      summary('relu2', 32, { group: 'g', pass: false }),
      summary('relu1', 31, { group: 'g', pass: true }),
      summary('relu0', 30, { group: 'g', pass: true }),
      summary('solo-old', 10),
    ];
    const rows = runListRows(runs);
    expect(rows.map((r) => r.kind)).toEqual(['run', 'batch', 'run']);
    const batch = rows[1];
    if (batch.kind !== 'batch') throw new Error('expected a batch');
    expect(batch.runs.map((r) => r.stage)).toEqual(['relu0', 'relu1', 'relu2']);
    expect(batch).toMatchObject({ group: 'g', passed: 2, judged: 3, status: 'done', createdAt: 30 });
  });

  it('gives a batch one status: running while a stage runs, stopped when its stages ended differently', () => {
    const running = runListRows([summary('a', 1, { group: 'g' }), summary('b', 2, { group: 'g', status: 'running' })]);
    expect(running[0]).toMatchObject({ kind: 'batch', status: 'running' });
    const mixed = runListRows([summary('a', 1, { group: 'h' }), summary('b', 2, { group: 'h', status: 'stopped' })]);
    expect(mixed[0]).toMatchObject({ kind: 'batch', status: 'stopped' });
  });
});
