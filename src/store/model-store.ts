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
import { IdbAccess, requestResult, StoreError, type DatabaseSpec, type StoreErrorReason } from './idb.ts';

export const MODEL_DATABASE_NAME = 'metamer-playground-models';
const MODELS = 'models';
const FILES = 'files';

/** The database holding that layout; upgrade creates whatever object store is missing. */
const DATABASE: DatabaseSpec = {
  name: MODEL_DATABASE_NAME,
  version: 1,
  openAction: 'open the model store',
  upgrade: (db) => {
    if (!db.objectStoreNames.contains(MODELS)) db.createObjectStore(MODELS, { keyPath: 'id' });
    if (!db.objectStoreNames.contains(FILES)) {
      db.createObjectStore(FILES, { keyPath: ['modelId', 'path'] }).createIndex('modelId', 'modelId', { unique: false });
    }
  },
};

export type ModelStoreErrorReason = StoreErrorReason;

export class ModelStoreError extends StoreError {
  override name = 'ModelStoreError';
}

const idb = new IdbAccess({
  ErrorClass: ModelStoreError,
  quotaAdvice: 'the model works for this session but is not saved. Delete imported models or old runs to make room.',
  unavailableAdvice: 'Imported models will not be saved.',
});

/** Maps a storage failure to a ModelStoreError a user can act on. */
export function modelStorageError(err: unknown, action: string): ModelStoreError {
  return idb.storageError(err, action);
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

/** Runs `body` in one transaction over both object stores, so a model and its files change together or not at all. */
function transact<T>(db: IDBDatabase, mode: IDBTransactionMode, action: string, body: (tx: IDBTransaction) => Promise<T>): Promise<T> {
  return idb.transact(db, [MODELS, FILES], mode, action, body);
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
export async function openModelStore(indexedDB?: IDBFactory, options: ModelStoreOptions = {}): Promise<ModelStore> {
  const db = await idb.open(indexedDB, { ...DATABASE, name: options.name ?? DATABASE.name });
  return new IndexedDbModelStore(db, options.now ?? Date.now);
}
