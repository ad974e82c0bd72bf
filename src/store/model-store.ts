/**
 * Imported models in IndexedDB (own database 'metamer-playground-models', apart from the runs),
 * so a model the user imported is still there, and runnable with its null, after a reload.
 *
 * Layout, and why:
 * - 'models' (key: id): the manifest, the null distribution (or null) and a few facts for the
 *   list (saved time, total bytes). Small, so list() reads only these rows.
 * - 'files' (key: [modelId, path], index 'modelId'): one row per model file (the .onnx, or
 *   model.json and its shards), bytes as an ArrayBuffer. Kept apart so listing models never
 *   reads hundreds of MB of weights, and setNull() never rewrites them.
 * A model and its files are written and deleted in one transaction, so a half-saved model (a
 * manifest without its weights) never exists.
 *
 * Errors: no IndexedDB, a refused open and a full quota surface as ModelStoreError with a
 * message meant for the user; the app can show it and keep the model for this session only.
 */
import type { NullDistribution } from '../engine/types.ts';
import type { ModelManifest } from '../models/manifest.ts';

export const MODEL_DATABASE_NAME = 'metamer-playground-models';
const DATABASE_VERSION = 1;
const MODELS = 'models';
const FILES = 'files';

export type ModelStoreErrorReason = 'unavailable' | 'quota' | 'missing' | 'failed';

export class ModelStoreError extends Error {
  constructor(message: string, readonly reason: ModelStoreErrorReason, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ModelStoreError';
  }
}

/** An imported model as stored: manifest, its files (paths relative to the model's folder) and its null. */
export interface StoredModel {
  manifest: ModelManifest;
  files: Map<string, ArrayBuffer>;
  nullDistribution: NullDistribution | null;
  /** When it was first saved (ms since epoch). */
  savedAt: number;
}

/** What the model list shows: no file bytes. */
export interface StoredModelSummary {
  manifest: ModelManifest;
  hasNull: boolean;
  savedAt: number;
  /** Total bytes of its files. */
  bytes: number;
}

export interface ModelStore {
  /** Stores a model and its files, replacing any stored model with the same id. */
  put(model: Omit<StoredModel, 'savedAt'>): Promise<void>;
  /** Sets (or, with null, removes) the null distribution of a stored model. */
  setNull(id: string, nullDistribution: NullDistribution | null): Promise<void>;
  /** The model with its files; undefined if there is none. */
  get(id: string): Promise<StoredModel | undefined>;
  /** Every stored model, oldest first (the order they were imported in). */
  list(): Promise<StoredModelSummary[]>;
  delete(id: string): Promise<void>;
  close(): void;
}

export interface ModelStoreOptions {
  /** Database name (tests use their own). Default 'metamer-playground-models'. */
  name?: string;
  /** Clock for savedAt (ms). Default Date.now. */
  now?: () => number;
}

interface ModelRow {
  id: string;
  manifest: ModelManifest;
  nullDistribution: NullDistribution | null;
  savedAt: number;
  bytes: number;
}

interface FileRow {
  modelId: string;
  path: string;
  bytes: ArrayBuffer;
}

function errorText(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'message' in err) {
    const { name, message } = err as { name?: string; message?: string };
    return message ? `${name ? `${name}: ` : ''}${message}` : String(name ?? err);
  }
  return String(err);
}

function isQuota(err: unknown): boolean {
  return (err as { name?: unknown } | null)?.name === 'QuotaExceededError';
}

/** Maps a storage failure to a ModelStoreError a user can act on. */
export function modelStorageError(err: unknown, action: string): ModelStoreError {
  if (err instanceof ModelStoreError) return err;
  if (isQuota(err)) {
    return new ModelStoreError(
      `Browser storage is full (quota exceeded) while trying to ${action}: the model works for this session but is not saved. Delete imported models or old runs to make room.`,
      'quota', { cause: err });
  }
  return new ModelStoreError(`Could not ${action} in browser storage (${errorText(err)})`, 'failed', { cause: err });
}

function unavailable(detail: string, cause?: unknown): ModelStoreError {
  return new ModelStoreError(
    `IndexedDB is not available (${detail}); this happens in private browsing or when site storage is disabled. Imported models will not be saved.`,
    'unavailable', { cause });
}

function requestResult<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** Runs `body` in one transaction; resolves once it commits, and aborts it (writing nothing) if the body fails. */
function transact<T>(db: IDBDatabase, mode: IDBTransactionMode, action: string, body: (tx: IDBTransaction) => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let tx: IDBTransaction;
    try {
      tx = db.transaction([MODELS, FILES], mode);
    } catch (err) {
      reject(modelStorageError(err, action));
      return;
    }
    let result: T;
    let failure: ModelStoreError | null = null;
    tx.oncomplete = () => (failure ? reject(failure) : resolve(result));
    tx.onabort = () => reject(failure ?? modelStorageError(tx.error ?? new Error('transaction aborted'), action));
    body(tx).then((value) => {
      result = value;
    }, (err: unknown) => {
      failure ??= modelStorageError(err, action);
      try {
        tx.abort();
      } catch {
        // Already finished or aborting: oncomplete/onabort reports.
      }
    });
  });
}

function missing(id: string): ModelStoreError {
  return new ModelStoreError(`No imported model with id "${id}" is saved`, 'missing');
}

async function deleteFiles(files: IDBObjectStore, id: string): Promise<void> {
  const keys = await requestResult(files.index('modelId').getAllKeys(id));
  for (const key of keys) files.delete(key);
}

class IndexedDbModelStore implements ModelStore {
  constructor(private readonly db: IDBDatabase, private readonly now: () => number) {}

  put(model: Omit<StoredModel, 'savedAt'>): Promise<void> {
    const id = model.manifest.id;
    let bytes = 0;
    for (const data of model.files.values()) bytes += data.byteLength;
    const row: ModelRow = { id, manifest: model.manifest, nullDistribution: model.nullDistribution, savedAt: this.now(), bytes };
    return transact(this.db, 'readwrite', `save the imported model "${model.manifest.name}"`, async (tx) => {
      const files = tx.objectStore(FILES);
      await deleteFiles(files, id);
      tx.objectStore(MODELS).put(row);
      for (const [path, data] of model.files) files.put({ modelId: id, path, bytes: data } satisfies FileRow);
    });
  }

  setNull(id: string, nullDistribution: NullDistribution | null): Promise<void> {
    return transact(this.db, 'readwrite', 'save the null distribution', async (tx) => {
      const models = tx.objectStore(MODELS);
      const row = (await requestResult(models.get(id))) as ModelRow | undefined;
      if (!row) throw missing(id);
      models.put({ ...row, nullDistribution });
    });
  }

  get(id: string): Promise<StoredModel | undefined> {
    return transact(this.db, 'readonly', 'read the imported model', async (tx) => {
      const rowRequest = requestResult(tx.objectStore(MODELS).get(id));
      const filesRequest = requestResult(tx.objectStore(FILES).index('modelId').getAll(id));
      const row = (await rowRequest) as ModelRow | undefined;
      const fileRows = (await filesRequest) as FileRow[];
      if (!row) return undefined;
      return {
        manifest: row.manifest,
        nullDistribution: row.nullDistribution,
        savedAt: row.savedAt,
        files: new Map(fileRows.map((f) => [f.path, f.bytes])),
      };
    });
  }

  list(): Promise<StoredModelSummary[]> {
    return transact(this.db, 'readonly', 'list imported models', async (tx) => {
      const rows = (await requestResult(tx.objectStore(MODELS).getAll())) as ModelRow[];
      return rows
        .sort((a, b) => a.savedAt - b.savedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .map((r) => ({ manifest: r.manifest, hasNull: r.nullDistribution !== null, savedAt: r.savedAt, bytes: r.bytes }));
    });
  }

  delete(id: string): Promise<void> {
    return transact(this.db, 'readwrite', 'delete the imported model', async (tx) => {
      tx.objectStore(MODELS).delete(id);
      await deleteFiles(tx.objectStore(FILES), id);
    });
  }

  close(): void {
    this.db.close();
  }
}

/**
 * Opens (creating on first use) the model store. Pass an IDBFactory to use one other than the
 * global indexedDB (tests: fake-indexeddb; works in a worker too). Rejects with
 * ModelStoreError('unavailable') when there is no IndexedDB or the browser refuses to open it.
 */
export function openModelStore(indexedDB?: IDBFactory, options: ModelStoreOptions = {}): Promise<ModelStore> {
  const factory = indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (!factory) return Promise.reject(unavailable('this environment has no indexedDB'));
  const now = options.now ?? Date.now;
  return new Promise((resolve, reject) => {
    let request: IDBOpenDBRequest;
    try {
      request = factory.open(options.name ?? MODEL_DATABASE_NAME, DATABASE_VERSION);
    } catch (err) {
      reject(unavailable(errorText(err), err));
      return;
    }
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains(MODELS)) db.createObjectStore(MODELS, { keyPath: 'id' });
      if (!db.objectStoreNames.contains(FILES)) {
        db.createObjectStore(FILES, { keyPath: ['modelId', 'path'] }).createIndex('modelId', 'modelId', { unique: false });
      }
    };
    request.onerror = () => {
      const err = request.error;
      reject(isQuota(err) ? modelStorageError(err, 'open the model store') : unavailable(errorText(err), err));
    };
    let gaveUp = false;
    request.onblocked = () => {
      gaveUp = true;
      reject(unavailable('another tab holds an older version of the database open; close it and reload'));
    };
    request.onsuccess = () => {
      const db = request.result;
      if (gaveUp) {
        db.close();
        return;
      }
      db.onversionchange = () => db.close();
      resolve(new IndexedDbModelStore(db, now));
    };
  });
}
