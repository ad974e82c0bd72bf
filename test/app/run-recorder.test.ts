import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { RunRecorder, type RunContext } from '../../src/app/run-recorder.ts';
import { makeRunConfig } from '../../src/engine/presets.ts';
import type { RunState } from '../../src/engine/metamer-run.ts';
import type { EngineEvent } from '../../src/engine/types.ts';
import { openRunStore } from '../../src/store/run-store.ts';
import type { WorkerEvent } from '../../src/worker/protocol.ts';

import { createHash } from 'node:crypto';

const WEIGHTS_HASH = createHash('sha256').update(`${'ab'.repeat(32)}  w.bin`).digest('hex');
const config = makeRunConfig('S1', { passes: 1, itersPerPass: 6 });
const context: RunContext = {
  id: 'run-1', modelId: 'hmax', modelName: 'HMAX', stage: 'S1',
  reference: { kind: 'bundled', index: 2 }, config, measure: 'all', backend: 'wasm',
};

const modelEvent = (): WorkerEvent => ({
  type: 'model', manifest: { weights: [{ path: 'w.bin', sha256: 'ab'.repeat(32), bytes: 4 }] } as never, reference: { shape: [2], data: new Float32Array(2) },
  nullStages: null,
});
const engine = (event: EngineEvent): WorkerEvent => ({ type: 'engine', event });
const progress = (from: number, to: number): WorkerEvent =>
  engine({ type: 'progress', records: Array.from({ length: to - from }, (_, i) => ({ step: from + i, loss: 1 / (from + i + 1), eta: 1, gradNorm: 1 })) });
const checkpoint = (step: number): WorkerEvent => ({
  type: 'checkpoint',
  state: { format: 'metamer-run-state/1', modelId: 'hmax', config, step, shape: [1, 2], x: Float32Array.of(step, -step), rngState: [1, 2, 3, 4] as never, adam: null } as RunState,
});

async function setup(flushMs = 5) {
  const store = await openRunStore(new IDBFactory(), { name: `recorder-${Math.random()}` });
  const errors: string[] = [];
  const recorder = new RunRecorder(store, { flushMs, onError: (m) => errors.push(m) });
  return { store, recorder, errors };
}

describe('RunRecorder', () => {
  it('saves a run as its deltas arrive: history in order, latest snapshot and checkpoint, status', async () => {
    const { store, recorder, errors } = await setup();
    recorder.begin(context);
    for (const e of [modelEvent(), engine({ type: 'started', totalSteps: 6, step: 0 }), progress(0, 2),
      engine({ type: 'metrics', step: 2, stages: { S1: { spearman: 0.5, pearson: 0.6, r2: 0.36, snrDb: 1 } } }),
      engine({ type: 'snapshot', step: 2, shape: [2], data: Float32Array.of(0.1, 0.2) }), checkpoint(2), progress(2, 4),
      engine({ type: 'paused', step: 4 }), checkpoint(4)]) {
      recorder.handle(e);
    }
    await recorder.settled();
    let saved = (await store.get('run-1'))!;
    expect(saved.status).toBe('paused');
    expect(saved.step).toBe(4);
    expect(saved.records.map((r) => r.step)).toEqual([0, 1, 2, 3]);
    expect(saved.metrics).toHaveLength(1);
    expect(Array.from(saved.snapshot!.data)).toEqual([Float32Array.of(0.1)[0], Float32Array.of(0.2)[0]]);
    // The pause checkpoint arrives right after 'paused' and is written with the next flush.
    expect([2, 4]).toContain(saved.state!.step);
    expect(saved.settings).toEqual({ config, measure: 'all', backend: 'wasm' });
    expect(saved.reference).toEqual({ kind: 'bundled', index: 2 });
    // sha256("abab…ab  w.bin"): the hash of the manifest the worker loaded (independently: sha256sum).
    expect(saved.weightsHash).toBe(WEIGHTS_HASH);

    // Continue after a "reload": a new recorder updates the same run, appending to its history.
    const again = new RunRecorder(store, { flushMs: 5 });
    again.begin({ ...context, resumed: true });
    for (const e of [modelEvent(), progress(4, 6), engine({ type: 'done', step: 6, stopped: false }),
      { type: 'verdict', verdict: { stage: 'S1', pass: true, criteria: [] } } as WorkerEvent]) {
      again.handle(e);
    }
    await again.settled();
    saved = (await store.get('run-1'))!;
    expect(saved.records.map((r) => r.step)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(saved.status).toBe('done');
    expect(saved.state).toBeNull(); // nothing to resume once done
    expect(saved.verdict?.pass).toBe(true);
    expect(await store.latestUnfinished()).toBeUndefined();
    expect(errors).toEqual([]);
  });

  it('follows the run session: a begun run is saved with its x_0 and bundled reference; an opened run is not written', async () => {
    const { store, recorder } = await setup();
    recorder.handle({ type: 'begin', id: 'run-s', modelId: 'hmax', config,
      record: { modelName: 'HMAX', reference: { kind: 'bundled', index: 2 }, measure: 'all', backend: 'wasm' } });
    for (const e of [modelEvent(), engine({ type: 'started', totalSteps: 6, step: 0 }),
      engine({ type: 'snapshot', step: 0, shape: [2], data: Float32Array.of(0.25, 0.75) }), progress(0, 1),
      engine({ type: 'snapshot', step: 1, shape: [2], data: Float32Array.of(0.5, 0.5) })]) recorder.handle(e);
    await recorder.settled();
    const saved = (await store.get('run-s'))!;
    expect(Array.from(saved.start!.data)).toEqual([0.25, 0.75]);
    expect(Array.from(saved.snapshot!.data)).toEqual([0.5, 0.5]);
    expect(saved.referenceStimulus).toEqual({ shape: [2], data: new Float32Array(2) });
    // Opening a saved run detaches the recorder: later events write nothing.
    recorder.handle({ type: 'open', run: saved });
    recorder.handle(progress(1, 3));
    recorder.handle(engine({ type: 'done', step: 3, stopped: true }));
    await recorder.settled();
    expect((await store.get('run-s'))!.records).toHaveLength(1);
    expect(recorder.currentId).toBeNull();
  });

  it('batches history writes (one append per window, not per step)', async () => {
    const { store, recorder } = await setup(50);
    recorder.begin(context);
    recorder.handle(modelEvent());
    for (let s = 0; s < 6; s++) recorder.handle(progress(s, s + 1));
    let appends = 0;
    const original = store.appendHistory.bind(store);
    store.appendHistory = (...args) => { appends++; return original(...args); };
    await new Promise((r) => setTimeout(r, 120));
    await recorder.settled();
    expect(appends).toBe(1);
    expect((await store.get('run-1'))!.records).toHaveLength(6);
  });

  it('an interrupted run (tab closed while running) is the one a reload offers to resume', async () => {
    const { store, recorder } = await setup();
    recorder.begin(context);
    for (const e of [modelEvent(), progress(0, 3), checkpoint(3)]) recorder.handle(e);
    await recorder.settled();
    const unfinished = await store.latestUnfinished();
    expect(unfinished?.id).toBe('run-1');
    expect((await store.get('run-1'))!.state!.step).toBe(3);
  });

  it('records a worker failure with its message, and a storage failure stops saving with one message', async () => {
    const { store, recorder, errors } = await setup();
    recorder.begin(context);
    recorder.handle(modelEvent());
    recorder.handle({ type: 'fatal', message: 'WebGPU device lost' });
    await recorder.settled();
    expect((await store.get('run-1'))!).toMatchObject({ status: 'error', error: 'WebGPU device lost' });

    store.update = () => Promise.reject(new Error('quota exceeded'));
    recorder.begin({ ...context, id: 'run-2' });
    recorder.handle(modelEvent());
    recorder.handle(progress(0, 1));
    recorder.handle(engine({ type: 'done', step: 1, stopped: true }));
    await recorder.settled();
    expect(errors).toEqual(['Saving this run stopped: quota exceeded']);
  });

  it('ignores events before begin() and after detach()', async () => {
    const { store, recorder } = await setup();
    recorder.handle(modelEvent());
    recorder.begin(context);
    recorder.detach();
    recorder.handle(modelEvent());
    await recorder.settled();
    expect(await store.list()).toEqual([]);
  });
});
