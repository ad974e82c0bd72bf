import { IDBFactory, IDBObjectStore } from 'fake-indexeddb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MODEL_DATABASE_NAME, openModelStore, type ModelStore } from '../../src/store/model-store.ts';
import type { ModelManifest } from '../../src/models/manifest.ts';
import type { NullDistribution } from '../../src/engine/types.ts';

const opened: ModelStore[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
  vi.restoreAllMocks();
});

async function freshStore(start = 1_900_000_000_000) {
  const factory = new IDBFactory();
  let clock = start;
  const open = async () => {
    const store = await openModelStore(factory, { now: () => clock });
    opened.push(store);
    return store;
  };
  return { store: await open(), open, factory, tick: (ms = 1000) => (clock += ms) };
}

function manifest(id: string, name = `Imported ${id}`): ModelManifest {
  return {
    format: 'metamer-model/1', id, name, description: 'imported', builder: 'onnx',
    stages: [{ name: 'relu0', shape: [16, 8, 8] }, { name: 'final', shape: [10] }],
    inputSpec: { modality: 'image', shape: [32, 32, 3], range: [0, 1], init: { mean: 0.5, std: 0.05 } },
    provenance: 'user file', licence: 'unknown', accuracy: 'unknown',
    weights: [{ path: 'net.onnx', sha256: 'ab', bytes: 5 }], references: [],
    params: { file: 'net.onnx', layout: 'NCHW', stageValues: { relu0: 'r0', final: 'logits' } },
  };
}

function bytes(...values: number[]): ArrayBuffer {
  return Uint8Array.from(values).buffer;
}

function sampleNull(model: string, max: number): NullDistribution {
  const summary = { pairs: 3, min: 0, max, mean: max / 2, quantiles: [max], histogram: { edges: [0, max], counts: [3] } };
  return {
    format: 'metamer-null/1', model, source: 'test', createdAt: '2026-01-01T00:00:00.000Z', quantileLevels: [0.5],
    stages: { relu0: { spearman: summary, pearson: summary, snrDb: summary } },
  };
}

/** Every row of the 'files' object store, read straight from the database. */
function rawFileRows(factory: IDBFactory): Promise<Array<{ modelId: string; path: string }>> {
  return new Promise((resolve, reject) => {
    const open = factory.open(MODEL_DATABASE_NAME);
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const req = db.transaction('files').objectStore('files').getAll();
      req.onsuccess = () => {
        db.close();
        resolve(req.result);
      };
      req.onerror = () => reject(req.error);
    };
  });
}

describe('model store (fake-indexeddb)', () => {
  it('round-trips a model with its file bytes, lists it without bytes, and keeps it across a reopen', async () => {
    const { store, open } = await freshStore();
    const files = new Map([['model.json', bytes(123, 125)], ['group1-shard1of1.bin', bytes(1, 2, 3, 4, 5)]]);
    await store.put({ manifest: manifest('m1'), files, nullDistribution: null });
    const back = await store.get('m1');
    expect(back!.manifest).toEqual(manifest('m1'));
    expect(back!.nullDistribution).toBeNull();
    expect(back!.savedAt).toBe(1_900_000_000_000);
    expect([...back!.files.keys()].sort()).toEqual(['group1-shard1of1.bin', 'model.json']);
    expect(back!.files.get('group1-shard1of1.bin')).toBeInstanceOf(ArrayBuffer);
    expect(Array.from(new Uint8Array(back!.files.get('group1-shard1of1.bin')!))).toEqual([1, 2, 3, 4, 5]);
    expect(await store.get('nope')).toBeUndefined();

    const list = await store.list();
    expect(list).toEqual([{ manifest: manifest('m1'), hasNull: false, savedAt: 1_900_000_000_000, bytes: 7 }]);

    // A reload: a new connection to the same database still has it.
    store.close();
    const again = await open();
    expect((await again.get('m1'))!.files.size).toBe(2);
  });

  it('sets and clears the null without touching the files; a missing model is a clear error', async () => {
    const { store, factory } = await freshStore();
    await store.put({ manifest: manifest('m1'), files: new Map([['net.onnx', bytes(9, 9, 9, 9, 9)]]), nullDistribution: null });
    await store.setNull('m1', sampleNull('m1', 0.7));
    const back = await store.get('m1');
    expect(back!.nullDistribution!.stages.relu0.spearman.max).toBe(0.7);
    expect(Array.from(new Uint8Array(back!.files.get('net.onnx')!))).toEqual([9, 9, 9, 9, 9]);
    expect((await store.list())[0].hasNull).toBe(true);
    await store.setNull('m1', null);
    expect((await store.list())[0].hasNull).toBe(false);
    expect(await rawFileRows(factory)).toHaveLength(1);
    await expect(store.setNull('ghost', sampleNull('ghost', 1))).rejects.toMatchObject({
      name: 'ModelStoreError', reason: 'missing', message: 'No imported model with id "ghost" is saved',
    });
  });

  it('replacing a model drops its old files; delete removes the model and only its files; list is oldest first', async () => {
    const { store, factory, tick } = await freshStore();
    await store.put({ manifest: manifest('b'), files: new Map([['x.bin', bytes(1)], ['y.bin', bytes(2)]]), nullDistribution: null });
    tick();
    await store.put({ manifest: manifest('a'), files: new Map([['z.bin', bytes(3)]]), nullDistribution: sampleNull('a', 1) });
    expect((await store.list()).map((s) => s.manifest.id)).toEqual(['b', 'a']);

    await store.put({ manifest: manifest('b', 'renamed'), files: new Map([['y.bin', bytes(7, 7)]]), nullDistribution: null });
    const b = await store.get('b');
    expect(b!.manifest.name).toBe('renamed');
    expect([...b!.files.keys()]).toEqual(['y.bin']);
    expect((await rawFileRows(factory)).map((r) => `${r.modelId}/${r.path}`).sort()).toEqual(['a/z.bin', 'b/y.bin']);

    await store.delete('b');
    expect(await store.get('b')).toBeUndefined();
    expect((await rawFileRows(factory)).map((r) => `${r.modelId}/${r.path}`)).toEqual(['a/z.bin']);
    expect((await store.list()).map((s) => s.manifest.id)).toEqual(['a']);
  });

  it('a full quota mid-save is reported clearly and writes nothing (no manifest without its weights)', async () => {
    const { store, factory } = await freshStore();
    const realPut = IDBObjectStore.prototype.put;
    let calls = 0;
    // The model row goes in first; the file write then hits the quota.
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      if (++calls > 1) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return realPut.apply(this, args);
    });
    const err = await store.put({ manifest: manifest('big', 'Big net'), files: new Map([['w.bin', bytes(1, 2)]]), nullDistribution: null })
      .catch((e: unknown) => e);
    expect(calls).toBe(2);
    expect(err).toMatchObject({ name: 'ModelStoreError', reason: 'quota' });
    expect((err as Error).message).toMatch(/^Browser storage is full \(quota exceeded\) while trying to save the imported model "Big net": .*not saved/);
    vi.restoreAllMocks();
    expect(await store.list()).toEqual([]);
    expect(await rawFileRows(factory)).toEqual([]);
  });

  it('no IndexedDB or a refused open gives an "unavailable" error naming the cause', async () => {
    await expect(openModelStore(undefined as unknown as IDBFactory)).rejects.toMatchObject({
      name: 'ModelStoreError', reason: 'unavailable', message: expect.stringMatching(/IndexedDB is not available \(this environment has no indexedDB\)/),
    });
    const failing = { open: () => { throw new DOMException('denied', 'SecurityError'); } } as unknown as IDBFactory;
    await expect(openModelStore(failing)).rejects.toMatchObject({ reason: 'unavailable', message: expect.stringMatching(/SecurityError: denied.*Imported models will not be saved/) });
  });
});
