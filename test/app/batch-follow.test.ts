/**
 * The page side of a batched all-stages run: the worker's batch events fill the grid (each
 * cell as its stage ends) and save every stage as its own run in the batch's group.
 */
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { newGrid, isFinished } from '../../src/app/all-stages.ts';
import { BatchRecorder, foldBatchEvent, startBatchGrid } from '../../src/app/batch-follow.ts';
import { RunRecorder } from '../../src/app/run-recorder.ts';
import { makeRunConfig } from '../../src/engine/presets.ts';
import type { EngineEvent, Verdict } from '../../src/engine/types.ts';
import { openRunStore } from '../../src/store/run-store.ts';
import type { WorkerEvent } from '../../src/worker/protocol.ts';

const stages = ['relu0', 'relu1', 'final'];
const config = makeRunConfig('relu0', { passes: 1, itersPerPass: 2 });
const started: WorkerEvent = {
  type: 'batch-started', mode: 'batched', reason: 'one pass', stages, totalSteps: 2, config,
  manifest: { weights: [{ path: 'w.bin', sha256: 'ab'.repeat(32), bytes: 4 }] } as never,
};
const ev = (stage: string, event: EngineEvent): WorkerEvent => ({ type: 'stage-event', stage, event });
const metricSet = (snrDb: number) => ({ spearman: 0.9, pearson: 0.9, r2: 0.81, snrDb });
const verdict = (stage: string, pass: boolean): Verdict => ({ stage, pass, criteria: [] });

/** The events of one stage ending normally after 2 steps. */
function stageEvents(stage: string, snr: number): WorkerEvent[] {
  return [
    ev(stage, { type: 'started', totalSteps: 2, step: 0 }),
    ev(stage, { type: 'progress', records: [{ step: 0, loss: 1, eta: 1, gradNorm: 2 }, { step: 1, loss: 0.5, eta: 1, gradNorm: 1 }] }),
    ev(stage, { type: 'metrics', step: 2, stages: { [stage]: metricSet(snr) } }),
    ev(stage, { type: 'snapshot', step: 2, shape: [2, 2, 1], data: Float32Array.of(snr, 0, 0, 1) }),
    ev(stage, { type: 'done', step: 2, stopped: false }),
  ];
}

describe('a batched all-stages run in the page', () => {
  it('fills each cell when its stage ends, marks a failed stage, and saves each stage as a run of the group', async () => {
    const store = await openRunStore(new IDBFactory(), { name: `batch-${Math.random()}` });
    let n = 0;
    const grid0 = startBatchGrid(newGrid('group-1', 'fmnist-alexnet', stages, 3), () => `run-${n++}`);
    expect(grid0.cells.map((c) => [c.state, c.runId])).toEqual([['running', 'run-0'], ['running', 'run-1'], ['running', 'run-2']]);
    const recorder = BatchRecorder.begin(grid0, () => new RunRecorder(store, { flushMs: 1 }), {
      modelId: 'fmnist-alexnet', modelName: 'AlexNet', reference: { kind: 'bundled', index: 0 }, config, measure: 'stage', backend: 'wasm',
    })!;
    const events: WorkerEvent[] = [
      started,
      ...stageEvents('relu0', 20),
      { type: 'stage-verdict', stage: 'relu0', verdict: verdict('relu0', true) },
      ev('relu1', { type: 'started', totalSteps: 2, step: 0 }),
      ev('relu1', { type: 'error', step: 0, message: 'Loss became NaN at step 0' }),
      ...stageEvents('final', 5),
      { type: 'stage-verdict', stage: 'final', verdict: verdict('final', false) },
      { type: 'batch-done', stopped: false },
    ];
    let grid = grid0;
    for (const e of events) {
      recorder.handle(e);
      grid = foldBatchEvent(grid, e);
    }
    expect(isFinished(grid)).toBe(true);
    const [c0, c1, c2] = grid.cells;
    expect([c0.state, c0.verdict?.pass, c0.metrics?.snrDb, c0.snapshot?.data[0]]).toEqual(['done', true, 20, 20]);
    expect([c1.state, c1.error]).toEqual(['failed', 'Loss became NaN at step 0']);
    expect([c2.state, c2.verdict?.pass, c2.metrics?.snrDb]).toEqual(['done', false, 5]);

    await recorder.settled();
    const runs = await store.list();
    expect(runs.map((r) => [r.id, r.stage, r.group, r.status]).sort()).toEqual([
      ['run-0', 'relu0', 'group-1', 'done'], ['run-1', 'relu1', 'group-1', 'error'], ['run-2', 'final', 'group-1', 'done'],
    ]);
    const saved = await store.get('run-2');
    expect(saved?.settings.config).toEqual({ ...config, stage: 'final' });
    expect(saved?.totalSteps).toBe(2);
    expect(saved?.records.map((r) => r.loss)).toEqual([1, 0.5]);
    expect(saved?.verdict?.pass).toBe(false);
    expect(saved?.snapshot?.data[0]).toBe(5);
  });

  it('a stopped batch stops every cell still running', () => {
    let grid = startBatchGrid(newGrid('g', 'hmax', ['S1', 'C1'], 0), () => 'id');
    grid = foldBatchEvent(grid, ev('S1', { type: 'done', step: 3, stopped: true }));
    grid = foldBatchEvent(grid, { type: 'batch-done', stopped: true });
    expect(grid.cells.map((c) => c.state)).toEqual(['stopped', 'stopped']);
  });
});
