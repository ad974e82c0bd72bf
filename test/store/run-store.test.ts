import { IDBFactory, IDBObjectStore } from 'fake-indexeddb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DATABASE_NAME, openRunStore, RunStoreError, type RunStore } from '../../src/store/run-store.ts';
import type { RunSummary } from '../../src/export/saved-run.ts';
import { metricsEntries, sampleRun, stepRecords } from './sample-run.ts';

const opened: RunStore[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
  vi.restoreAllMocks();
});

/** A store on a fresh in-memory IndexedDB with a controllable clock. */
async function freshStore(start = 2_000_000_000_000) {
  const factory = new IDBFactory();
  let clock = start;
  const store = await openRunStore(factory, { now: () => clock });
  opened.push(store);
  return { store, factory, tick: (ms = 1000) => (clock += ms), time: () => clock };
}

/** Reads the raw 'history' rows of a run straight from the database, bypassing the store. */
function rawHistoryRows(factory: IDBFactory, runId: string): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const open = factory.open(DATABASE_NAME);
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const req = db.transaction('history').objectStore('history').index('runId').getAll(runId);
      req.onsuccess = () => {
        db.close();
        resolve(req.result);
      };
      req.onerror = () => reject(req.error);
    };
  });
}

/** Every value reachable from `value` (depth-first), for "no big arrays" checks. */
function* walk(value: unknown): Generator<unknown> {
  yield value;
  if (value && typeof value === 'object') for (const v of Object.values(value)) yield* walk(v);
}

describe('run store (fake-indexeddb)', () => {
  it('round-trips a run with its typed arrays still typed', async () => {
    const { store } = await freshStore();
    const run = sampleRun();
    await store.put(run);
    const back = await store.get(run.id);
    expect(back).toEqual(run);
    expect(back!.snapshot!.data).toBeInstanceOf(Float32Array);
    expect(back!.state!.x).toBeInstanceOf(Float32Array);
    expect(back!.state!.adam!.m).toBeInstanceOf(Float32Array);
    expect(back!.reference.kind === 'user' && back!.reference.data).toBeInstanceOf(Float32Array);
    expect(Array.from(back!.state!.x)).toEqual(Array.from(run.state!.x));
    expect(await store.get('no-such-run')).toBeUndefined();
  });

  it('appends history deltas in order and restamps updatedAt', async () => {
    const { store, tick, time } = await freshStore();
    await store.put(sampleRun({ records: stepRecords(0, 4), metrics: metricsEntries([0], ['S1', 'C1']) }));
    tick();
    await store.appendHistory('run-a', stepRecords(4, 3), []);
    tick();
    await store.appendHistory('run-a', stepRecords(7, 3), metricsEntries([5, 10], ['S1', 'C1']));
    await store.appendHistory('run-a', [], []); // no-op, writes no row
    const back = await store.get('run-a');
    expect(back!.records.map((r) => r.step)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(back!.records).toEqual(stepRecords(0, 10));
    expect(back!.metrics.map((m) => m.step)).toEqual([0, 5, 10]);
    expect(back!.updatedAt).toBe(time());
    expect((await store.list())[0].updatedAt).toBe(time());
  });

  it('keeps append order when saves are fired without waiting (transactions queue in call order)', async () => {
    const { store } = await freshStore();
    await store.put(sampleRun({ records: [], metrics: [] }));
    const saves: Promise<unknown>[] = [];
    for (let chunk = 0; chunk < 8; chunk++) {
      saves.push(store.appendHistory('run-a', stepRecords(chunk * 5, 5), metricsEntries([chunk * 5], ['C1'])));
      if (chunk === 3) saves.push(store.update('run-a', { step: 20 }));
    }
    await Promise.all(saves);
    const back = await store.get('run-a');
    expect(back!.records).toEqual(stepRecords(0, 40));
    expect(back!.metrics.map((m) => m.step)).toEqual([0, 5, 10, 15, 20, 25, 30, 35]);
    expect(back!.step).toBe(20);
  });

  it('put replaces a stored run and its whole history', async () => {
    const { store, factory } = await freshStore();
    await store.put(sampleRun());
    await store.appendHistory('run-a', stepRecords(4, 2), []);
    expect(await rawHistoryRows(factory, 'run-a')).toHaveLength(2);
    await store.put(sampleRun({ records: [], metrics: [], status: 'running', step: 0 }));
    const back = await store.get('run-a');
    expect(back!.records).toEqual([]);
    expect(back!.metrics).toEqual([]);
    expect(await rawHistoryRows(factory, 'run-a')).toHaveLength(0);
  });

  it('update merges a patch, keeps identity and history, and refreshes the summary', async () => {
    const { store, tick, time } = await freshStore();
    await store.put(sampleRun());
    tick(5000);
    const verdict = { stage: 'C1', pass: true, criteria: [{ criterion: 'snrDb' as const, value: 30, threshold: 12, pass: true }] };
    const summary = await store.update('run-a', { status: 'done', step: 10, verdict, state: null, id: 'hijack' } as never);
    expect(summary).toMatchObject({ id: 'run-a', status: 'done', step: 10, pass: true, updatedAt: time() });
    const back = await store.get('run-a');
    expect(back).toMatchObject({ id: 'run-a', status: 'done', step: 10, verdict, state: null, createdAt: sampleRun().createdAt });
    expect(back!.records).toEqual(sampleRun().records);
    expect(await store.get('hijack')).toBeUndefined();
  });

  it('update and appendHistory of an unknown id fail with reason "missing" and write nothing', async () => {
    const { store, factory } = await freshStore();
    await expect(store.update('ghost', { status: 'done' })).rejects.toMatchObject({ name: 'RunStoreError', reason: 'missing' });
    await expect(store.appendHistory('ghost', stepRecords(0, 1), [])).rejects.toThrow(/No saved run with id "ghost"/);
    expect(await rawHistoryRows(factory, 'ghost')).toHaveLength(0);
    expect(await store.list()).toEqual([]);
  });

  it('lists summaries newest first without any history, snapshot, state or reference arrays', async () => {
    const { store } = await freshStore();
    await store.put(sampleRun({ id: 'old', createdAt: 1000 }));
    await store.put(sampleRun({ id: 'new', createdAt: 3000, group: 'batch-1', verdict: { stage: 'C1', pass: false, criteria: [] } }));
    await store.put(sampleRun({ id: 'mid', createdAt: 2000 }));
    const list = await store.list();
    expect(list.map((s) => s.id)).toEqual(['new', 'mid', 'old']);
    const expected: RunSummary = {
      id: 'new', modelId: 'hmax', modelName: 'HMAX', stage: 'C1', status: 'paused', step: 4, totalSteps: 10,
      createdAt: 3000, updatedAt: sampleRun().updatedAt, pass: false, group: 'batch-1',
    };
    expect(list[0]).toEqual(expected);
    expect(list[1].pass).toBeNull();
    expect('group' in list[1]).toBe(false);
    for (const v of walk(list)) {
      expect(ArrayBuffer.isView(v)).toBe(false);
      if (Array.isArray(v)) expect(v).toBe(list); // the only array is the list itself
    }
  });

  it('delete removes the run, its summary and its history rows, and nothing else', async () => {
    const { store, factory } = await freshStore();
    await store.put(sampleRun({ id: 'keep' }));
    await store.put(sampleRun({ id: 'drop' }));
    await store.appendHistory('drop', stepRecords(4, 2), []);
    await store.delete('drop');
    expect(await store.get('drop')).toBeUndefined();
    expect((await store.list()).map((s) => s.id)).toEqual(['keep']);
    expect(await rawHistoryRows(factory, 'drop')).toHaveLength(0);
    expect((await store.get('keep'))!.records).toEqual(sampleRun().records);
    await store.delete('never-existed'); // deleting nothing is fine
  });

  it('deleteGroup removes every run of a batch and reports how many', async () => {
    const { store, factory } = await freshStore();
    await store.put(sampleRun({ id: 'g1', group: 'batch', stage: 'S1' }));
    await store.put(sampleRun({ id: 'g2', group: 'batch', stage: 'C1' }));
    await store.put(sampleRun({ id: 'other', group: 'batch-2' }));
    await store.put(sampleRun({ id: 'solo' }));
    await store.appendHistory('g2', stepRecords(4, 1), []);
    expect(await store.deleteGroup('batch')).toBe(2);
    expect((await store.list()).map((s) => s.id).sort()).toEqual(['other', 'solo']);
    expect(await rawHistoryRows(factory, 'g1')).toHaveLength(0);
    expect(await rawHistoryRows(factory, 'g2')).toHaveLength(0);
    expect(await store.deleteGroup('batch')).toBe(0);
  });

  it('latestUnfinished picks the most recently updated running or paused run', async () => {
    const { store, tick } = await freshStore();
    expect(await store.latestUnfinished()).toBeUndefined();
    await store.put(sampleRun({ id: 'done', status: 'done', updatedAt: 9000 }));
    await store.put(sampleRun({ id: 'err', status: 'error', updatedAt: 9500, error: 'NaN loss' }));
    await store.put(sampleRun({ id: 'paused', status: 'paused', updatedAt: 5000 }));
    await store.put(sampleRun({ id: 'running', status: 'running', updatedAt: 6000 }));
    expect((await store.latestUnfinished())!.id).toBe('running');
    tick();
    await store.appendHistory('paused', stepRecords(4, 1), []); // now the freshest unfinished one
    expect((await store.latestUnfinished())!.id).toBe('paused');
    await store.update('paused', { status: 'stopped' });
    expect((await store.latestUnfinished())!.id).toBe('running');
  });

  it('survives closing and reopening the database (a reload)', async () => {
    const factory = new IDBFactory();
    const first = await openRunStore(factory);
    await first.put(sampleRun());
    await first.appendHistory('run-a', stepRecords(4, 2), []);
    first.close();
    const second = await openRunStore(factory);
    opened.push(second);
    expect((await second.get('run-a'))!.records.map((r) => r.step)).toEqual([0, 1, 2, 3, 4, 5]);
  });
});

describe('run store errors', () => {
  it('says IndexedDB is unavailable when there is none', async () => {
    expect((globalThis as { indexedDB?: unknown }).indexedDB).toBeUndefined();
    const err = await openRunStore().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunStoreError);
    expect(err).toMatchObject({ reason: 'unavailable' });
    expect((err as Error).message).toMatch(/IndexedDB is not available.*private browsing.*not be saved/);
  });

  it('says IndexedDB is unavailable when the browser refuses to open it', async () => {
    const refusing = {
      open() {
        throw new DOMException('The operation is insecure.', 'SecurityError');
      },
    } as unknown as IDBFactory;
    await expect(openRunStore(refusing)).rejects.toMatchObject({ reason: 'unavailable', message: expect.stringMatching(/insecure/) });

    // Firefox private mode: open() returns a request that fails with InvalidStateError.
    const failing = {
      open() {
        const request = { error: new DOMException('A mutation operation was attempted on a database that did not allow mutations.', 'InvalidStateError') } as unknown as IDBOpenDBRequest;
        queueMicrotask(() => request.onerror?.(new Event('error')));
        return request;
      },
    } as unknown as IDBFactory;
    await expect(openRunStore(failing)).rejects.toMatchObject({ reason: 'unavailable', message: expect.stringMatching(/IndexedDB is not available.*InvalidStateError/) });
  });

  it('reports a full quota clearly and leaves the stored run untouched', async () => {
    const { store, factory, tick } = await freshStore();
    await store.put(sampleRun());
    tick();
    const quota = () => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };
    vi.spyOn(IDBObjectStore.prototype, 'add').mockImplementation(quota);
    const err = await store.appendHistory('run-a', stepRecords(4, 3), []).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'RunStoreError', reason: 'quota' });
    expect((err as Error).message).toMatch(/storage is full \(quota exceeded\).*not being saved/);
    vi.restoreAllMocks();
    // The aborted transaction wrote neither the history row nor the summary's new timestamp.
    expect(await rawHistoryRows(factory, 'run-a')).toHaveLength(1);
    expect((await store.list())[0].updatedAt).toBe(sampleRun().updatedAt);

    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(quota);
    await expect(store.update('run-a', { status: 'done' })).rejects.toMatchObject({ reason: 'quota' });
    vi.restoreAllMocks();
    expect((await store.get('run-a'))!.status).toBe('paused');
  });
});
