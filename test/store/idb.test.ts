import { IDBFactory } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import { IdbAccess, requestResult, StoreError, type DatabaseSpec } from '../../src/store/idb.ts';
import { ModelStoreError } from '../../src/store/model-store.ts';
import { RunStoreError } from '../../src/store/run-store.ts';

class ThingStoreError extends StoreError {
  override name = 'ThingStoreError';
}

const idb = new IdbAccess({
  ErrorClass: ThingStoreError,
  quotaAdvice: 'the thing is not saved.',
  unavailableAdvice: 'Things will not be saved.',
});

const spec = (version = 1): DatabaseSpec => ({
  name: 'things',
  version,
  openAction: 'open the thing store',
  upgrade: (db) => {
    if (!db.objectStoreNames.contains('things')) db.createObjectStore('things', { keyPath: 'id' });
  },
});

const opened: IDBDatabase[] = [];
afterEach(() => {
  for (const db of opened.splice(0)) db.close();
});

async function openFresh(): Promise<IDBDatabase> {
  const db = await idb.open(new IDBFactory(), spec());
  opened.push(db);
  return db;
}

/** A factory whose open() request fails asynchronously with `error` (as Firefox private mode does). */
function failingFactory(error: DOMException): IDBFactory {
  return {
    open() {
      const request = { error } as unknown as IDBOpenDBRequest;
      queueMicrotask(() => request.onerror?.(new Event('error')));
      return request;
    },
  } as unknown as IDBFactory;
}

describe('IdbAccess.storageError', () => {
  it('maps a full quota to a "quota" error of the store class naming the action', () => {
    const cause = new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    const err = idb.storageError(cause, 'save the thing');
    expect(err).toBeInstanceOf(ThingStoreError);
    expect(err).toBeInstanceOf(StoreError);
    expect(err).toMatchObject({ name: 'ThingStoreError', reason: 'quota', cause });
    expect(err.message).toBe('Browser storage is full (quota exceeded) while trying to save the thing: the thing is not saved.');
  });

  it('maps any other failure to "failed" quoting its name and message, and passes its own errors through', () => {
    const err = idb.storageError(new DOMException('Key already exists.', 'ConstraintError'), 'save the thing');
    expect(err).toMatchObject({ reason: 'failed', message: 'Could not save the thing in browser storage (ConstraintError: Key already exists.)' });
    expect(idb.storageError('odd', 'read the thing').message).toBe('Could not read the thing in browser storage (odd)');
    const own = new ThingStoreError('No thing "x"', 'missing');
    expect(idb.storageError(own, 'read the thing')).toBe(own);
    // Another store's error is not this store's: it is wrapped, not passed through.
    expect(idb.storageError(new RunStoreError('elsewhere', 'missing'), 'read the thing')).toMatchObject({ reason: 'failed' });
  });

  it('keeps the two stores\' error classes apart and their names intact', () => {
    const run = new RunStoreError('r', 'quota');
    const model = new ModelStoreError('m', 'failed');
    expect(run).toBeInstanceOf(StoreError);
    expect(run).not.toBeInstanceOf(ModelStoreError);
    expect(model).not.toBeInstanceOf(RunStoreError);
    expect([run.name, run.reason, model.name, model.reason]).toEqual(['RunStoreError', 'quota', 'ModelStoreError', 'failed']);
  });
});

describe('IdbAccess.open', () => {
  it('is "unavailable" with no IndexedDB, a throwing open() or a failing open request', async () => {
    expect((globalThis as { indexedDB?: unknown }).indexedDB).toBeUndefined();
    const none = await idb.open(undefined, spec()).catch((e: unknown) => e);
    expect(none).toBeInstanceOf(ThingStoreError);
    expect(none).toMatchObject({
      reason: 'unavailable',
      message: 'IndexedDB is not available (this environment has no indexedDB); this happens in private browsing or when site storage is disabled. Things will not be saved.',
    });

    const denied = new DOMException('The operation is insecure.', 'SecurityError');
    const throwing = { open: () => { throw denied; } } as unknown as IDBFactory;
    await expect(idb.open(throwing, spec())).rejects.toMatchObject({
      name: 'ThingStoreError', reason: 'unavailable', cause: denied, message: expect.stringMatching(/^IndexedDB is not available \(SecurityError: The operation is insecure\.\)/),
    });

    const invalid = new DOMException('mutations not allowed', 'InvalidStateError');
    await expect(idb.open(failingFactory(invalid), spec())).rejects.toMatchObject({ reason: 'unavailable', cause: invalid });
  });

  it('reports a full quota while opening as "quota" with the open action', async () => {
    const full = new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    await expect(idb.open(failingFactory(full), spec())).rejects.toMatchObject({
      name: 'ThingStoreError', reason: 'quota', message: expect.stringMatching(/^Browser storage is full \(quota exceeded\) while trying to open the thing store: /),
    });
  });

  it('creates the object stores on first open and gives up on an upgrade blocked by another tab', async () => {
    const factory = new IDBFactory();
    // An "older tab": a connection that ignores versionchange, so an upgrade stays blocked.
    const old = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = factory.open('things', 1);
      request.onupgradeneeded = () => spec().upgrade(request.result);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    expect([...old.objectStoreNames]).toEqual(['things']);
    await expect(idb.open(factory, spec(2))).rejects.toMatchObject({
      reason: 'unavailable', message: expect.stringMatching(/another tab holds an older version of the database open/),
    });
    old.close();
  });
});

describe('IdbAccess.transact', () => {
  it('commits the body\'s writes and resolves with its result', async () => {
    const db = await openFresh();
    const result = await idb.transact(db, ['things'], 'readwrite', 'save the thing', async (tx) => {
      tx.objectStore('things').put({ id: 'a', n: 1 });
      return 'done';
    });
    expect(result).toBe('done');
    const read = await idb.transact(db, ['things'], 'readonly', 'read the thing', (tx) => requestResult(tx.objectStore('things').get('a')));
    expect(read).toEqual({ id: 'a', n: 1 });
  });

  it('a failing request aborts the whole transaction and rejects with the store error class', async () => {
    const db = await openFresh();
    await idb.transact(db, ['things'], 'readwrite', 'save the thing', async (tx) => {
      tx.objectStore('things').add({ id: 'a', n: 1 });
    });
    const err = await idb.transact(db, ['things'], 'readwrite', 'save the things', async (tx) => {
      const store = tx.objectStore('things');
      store.put({ id: 'b', n: 2 });
      await requestResult(store.add({ id: 'a', n: 3 })); // the key exists: ConstraintError
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ThingStoreError);
    expect(err).toMatchObject({ reason: 'failed', message: expect.stringMatching(/^Could not save the things in browser storage \(ConstraintError/) });
    // Nothing of the failed transaction was written, not even the put that had succeeded.
    const all = await idb.transact(db, ['things'], 'readonly', 'list things', (tx) => requestResult(tx.objectStore('things').getAll()));
    expect(all).toEqual([{ id: 'a', n: 1 }]);
  });

  it('a body that throws the store\'s own error aborts and rejects with that very error', async () => {
    const db = await openFresh();
    const own = new ThingStoreError('No thing with id "ghost"', 'missing');
    const err = await idb.transact(db, ['things'], 'readwrite', 'update the thing', async (tx) => {
      tx.objectStore('things').put({ id: 'ghost' });
      throw own;
    }).catch((e: unknown) => e);
    expect(err).toBe(own);
    const count = await idb.transact(db, ['things'], 'readonly', 'count things', (tx) => requestResult(tx.objectStore('things').count()));
    expect(count).toBe(0);
  });

  it('an unknown object store is reported as a "failed" store error, not thrown', async () => {
    const db = await openFresh();
    await expect(idb.transact(db, ['nope'], 'readonly', 'read the thing', async () => undefined)).rejects.toMatchObject({
      name: 'ThingStoreError', reason: 'failed', message: expect.stringMatching(/^Could not read the thing in browser storage \(NotFoundError/),
    });
  });
});
