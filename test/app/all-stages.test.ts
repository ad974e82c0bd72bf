import { describe, expect, it } from 'vitest';
import { gridSummary, isFinished, markDone, markFailed, markRunning, newGrid, nextStage, stopAll } from '../../src/app/all-stages.ts';
import type { Verdict } from '../../src/engine/types.ts';

const pass: Verdict = { stage: 'a', pass: true, criteria: [] };
const fail: Verdict = { stage: 'b', pass: false, criteria: [] };
const metrics = { spearman: 0.9, pearson: 0.95, r2: 0.9, snrDb: 12 };

describe('all-stages batch', () => {
  it('runs the stages in model order, one at a time, then finishes', () => {
    let g = newGrid('g1', 'm', ['a', 'b', 'c'], 7);
    expect(nextStage(g)).toBe('a');
    g = markRunning(g, 'a', 'run-a');
    // While a runs it stays the stage to run (a page reload picks it up again).
    expect(nextStage(g)).toBe('a');
    g = markDone(g, 'a', { verdict: pass, metrics, snapshot: null });
    expect(nextStage(g)).toBe('b');
    g = markRunning(g, 'b', 'run-b');
    g = markDone(g, 'b', { verdict: fail, metrics, snapshot: null });
    g = markRunning(g, 'c', 'run-c');
    expect(isFinished(g)).toBe(false);
    g = markDone(g, 'c', { verdict: null, metrics: null, snapshot: null });
    expect(nextStage(g)).toBeNull();
    expect(isFinished(g)).toBe(true);
    expect(gridSummary(g)).toEqual({ done: 3, passed: 1, total: 3 });
    expect(g.cells.map((c) => c.runId)).toEqual(['run-a', 'run-b', 'run-c']);
  });

  it('stop ends the batch: the running and waiting cells are stopped, finished ones kept', () => {
    let g = newGrid('g', 'm', ['a', 'b', 'c'], 0);
    g = markDone(markRunning(g, 'a', 'r'), 'a', { verdict: pass, metrics, snapshot: null });
    g = stopAll(markRunning(g, 'b', 'r2'));
    expect(g.cells.map((c) => c.state)).toEqual(['done', 'stopped', 'stopped']);
    expect(nextStage(g)).toBeNull();
    expect(isFinished(g)).toBe(true);
  });

  it('a failed stage keeps its error and the batch goes on', () => {
    let g = newGrid('g', 'm', ['a', 'b'], 0);
    g = markFailed(markRunning(g, 'a', 'r'), 'a', 'NaN at step 3');
    expect(g.cells[0]).toMatchObject({ state: 'failed', error: 'NaN at step 3' });
    expect(nextStage(g)).toBe('b');
  });

  it('does not mutate earlier grids (Svelte state sees a new object per change)', () => {
    const g0 = newGrid('g', 'm', ['a'], 0);
    const g1 = markRunning(g0, 'a', 'r');
    expect(g0.cells[0].state).toBe('waiting');
    expect(g1.cells[0].state).toBe('running');
  });

  it('rejects unknown stages and empty models', () => {
    expect(() => markRunning(newGrid('g', 'm', ['a'], 0), 'z', null)).toThrow(/"z" is not part/);
    expect(() => newGrid('g', 'm', [], 0)).toThrow(/no stages/);
  });
});
