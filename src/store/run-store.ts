/**
 * Saved runs in IndexedDB (database 'metamer-playground'), written as a run goes so a reload
 * restores it and Resume continues.
 *
 * Layout, and why:
 * - 'runs' (key: id): the run without its history: settings, status, the latest snapshot, the
 *   engine's RunState. Rewritten by update() (a few times per run: snapshots, pause, done).
 * - 'history' (auto-increment key, index 'runId'): one row per appendHistory() call holding
 *   that call's StepRecords and metrics. A progress event every 10 steps over a 10,000-step run
 *   would, if the history lived in the run row, rewrite an ever-growing array 1,000 times
 *   (quadratic bytes, plus the snapshot and state arrays each time); a row per delta makes
 *   every save cost only its delta. The auto-increment key orders rows in append order, and
 *   rows of one run come back from the index in key order, so get() concatenates them as is.
 * - 'summaries' (key: id, index 'group'): the small fields the run list shows. list() reads
 *   only these, never the snapshot/state arrays of every stored run.
 * Every write touching a run updates its summary in the same transaction, so they never disagree.
 *
 * Errors: IndexedDB missing or refused (private browsing, storage disabled) and a full quota
 * surface as RunStoreError with a message meant for the user; the app can show it and go on
 * without saving.
 */
import type { StepRecord } from '../engine/types.ts';
import { IdbAccess, requestResult, StoreError, type DatabaseSpec, type StoreErrorReason } from './idb.ts';
import { isUnfinished, summarizeRun, type MetricsEntry, type RunSummary, type SavedRun } from '../export/saved-run.ts';

export const DATABASE_NAME = 'metamer-playground';
const RUNS = 'runs';
const HISTORY = 'history';
const SUMMARIES = 'summaries';

/** The database holding that layout; upgrade creates whatever object store is missing. */
const DATABASE: DatabaseSpec = {
  name: DATABASE_NAME,
  version: 1,
  openAction: 'open the run store',
  upgrade: (db) => {
    if (!db.objectStoreNames.contains(RUNS)) db.createObjectStore(RUNS, { keyPath: 'id' });
    if (!db.objectStoreNames.contains(HISTORY)) {
      db.createObjectStore(HISTORY, { autoIncrement: true }).createIndex('runId', 'runId', { unique: false });
    }
    if (!db.objectStoreNames.contains(SUMMARIES)) {
      db.createObjectStore(SUMMARIES, { keyPath: 'id' }).createIndex('group', 'group', { unique: false });
    }
  },
};

export type RunStoreErrorReason = StoreErrorReason;

export class RunStoreError extends StoreError {
  override name = 'RunStoreError';
}

const idb = new IdbAccess({
  ErrorClass: RunStoreError,
  quotaAdvice: 'this run is not being saved. Delete old runs to make room.',
  unavailableAdvice: 'Runs will not be saved.',
});

/** Maps a storage failure to a RunStoreError whose message a user can act on. */
export function storageError(err: unknown, action: string): RunStoreError {
  return idb.storageError(err, action);
}

/** Fields update() may change (history goes through appendHistory, identity never changes). */
export type RunPatch = Partial<Omit<SavedRun, 'id' | 'createdAt' | 'records' | 'metrics'>>;

export interface RunStore {
  /** Stores a whole run, replacing any stored run (and history) with the same id. */
  put(run: SavedRun): Promise<void>;
  /** Appends records and metrics to a run's history (no-op when both are empty). */
  appendHistory(id: string, records: StepRecord[], metrics: MetricsEntry[]): Promise<void>;
  /** Merges `patch` into a stored run (updatedAt defaults to now); returns the new summary. */
  update(id: string, patch: RunPatch): Promise<RunSummary>;
  /** The run with its full history assembled in append order; undefined if there is none. */
  get(id: string): Promise<SavedRun | undefined>;
  /** Summaries of every stored run, newest first (by createdAt). */
  list(): Promise<RunSummary[]>;
  delete(id: string): Promise<void>;
  /** Deletes every run of an all-stages batch; returns how many were deleted. */
  deleteGroup(group: string): Promise<number>;
  /** The most recently updated run that was running or paused, for Resume after a reload. */
  latestUnfinished(): Promise<RunSummary | undefined>;
  close(): void;
}

export interface RunStoreOptions {
  /** Database name (tests use their own). Default 'metamer-playground'. */
  name?: string;
  /** Clock for updatedAt stamps (ms). Default Date.now. */
  now?: () => number;
}

type RunHead = Omit<SavedRun, 'records' | 'metrics'>;
interface HistoryRow {
  runId: string;
  records: StepRecord[];
  metrics: MetricsEntry[];
}

function splitRun(run: SavedRun): { head: RunHead; history: HistoryRow | null } {
  const { records, metrics, ...head } = run;
  const history = records.length > 0 || metrics.length > 0 ? { runId: run.id, records, metrics } : null;
  return { head, history };
}

function missing(id: string): RunStoreError {
  return new RunStoreError(`No saved run with id "${id}"`, 'missing');
}

/** Deletes every history row of `id` (through the runId index, so no IDBKeyRange is needed). */
async function deleteHistory(history: IDBObjectStore, id: string): Promise<void> {
  const keys = await requestResult(history.index('runId').getAllKeys(id));
  for (const key of keys) history.delete(key);
}

class IndexedDbRunStore implements RunStore {
  constructor(
    private readonly db: IDBDatabase,
    private readonly now: () => number,
  ) {}

  put(run: SavedRun): Promise<void> {
    const { head, history } = splitRun(run);
    return idb.transact(this.db, [RUNS, HISTORY, SUMMARIES], 'readwrite', 'save the run', async (tx) => {
      const historyStore = tx.objectStore(HISTORY);
      tx.objectStore(RUNS).put(head);
      tx.objectStore(SUMMARIES).put(summarizeRun(head));
      await deleteHistory(historyStore, run.id);
      if (history) historyStore.add(history);
    });
  }

  appendHistory(id: string, records: StepRecord[], metrics: MetricsEntry[]): Promise<void> {
    if (records.length === 0 && metrics.length === 0) return Promise.resolve();
    const updatedAt = this.now();
    return idb.transact(this.db, [HISTORY, SUMMARIES], 'readwrite', 'save the run history', async (tx) => {
      const summaries = tx.objectStore(SUMMARIES);
      const summary = (await requestResult(summaries.get(id))) as RunSummary | undefined;
      if (!summary) throw missing(id);
      tx.objectStore(HISTORY).add({ runId: id, records, metrics } satisfies HistoryRow);
      // Only the small summary row is restamped (the run row holds the big arrays); get() takes
      // updatedAt from the summary, which is therefore the one authority for it.
      summaries.put({ ...summary, updatedAt });
    });
  }

  update(id: string, patch: RunPatch): Promise<RunSummary> {
    const stamp = this.now();
    return idb.transact(this.db, [RUNS, SUMMARIES], 'readwrite', 'update the run', async (tx) => {
      const runs = tx.objectStore(RUNS);
      const head = (await requestResult(runs.get(id))) as RunHead | undefined;
      if (!head) throw missing(id);
      const next: RunHead = { ...head, ...patch, id, createdAt: head.createdAt, updatedAt: patch.updatedAt ?? stamp };
      const summary = summarizeRun(next);
      runs.put(next);
      tx.objectStore(SUMMARIES).put(summary);
      return summary;
    });
  }

  get(id: string): Promise<SavedRun | undefined> {
    return idb.transact(this.db, [RUNS, HISTORY, SUMMARIES], 'readonly', 'read the run', async (tx) => {
      // All requests are issued before any is awaited.
      const headRequest = requestResult(tx.objectStore(RUNS).get(id));
      const summaryRequest = requestResult(tx.objectStore(SUMMARIES).get(id));
      const rowsRequest = requestResult(tx.objectStore(HISTORY).index('runId').getAll(id));
      const head = (await headRequest) as RunHead | undefined;
      const summary = (await summaryRequest) as RunSummary | undefined;
      const rows = (await rowsRequest) as HistoryRow[];
      if (!head) return undefined;
      const records: StepRecord[] = [];
      const metrics: MetricsEntry[] = [];
      for (const row of rows) {
        for (const r of row.records) records.push(r);
        for (const m of row.metrics) metrics.push(m);
      }
      return { ...head, updatedAt: summary?.updatedAt ?? head.updatedAt, records, metrics };
    });
  }

  list(): Promise<RunSummary[]> {
    return idb.transact(this.db, [SUMMARIES], 'readonly', 'list saved runs', async (tx) => {
      const all = (await requestResult(tx.objectStore(SUMMARIES).getAll())) as RunSummary[];
      return all.sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    });
  }

  delete(id: string): Promise<void> {
    return idb.transact(this.db, [RUNS, HISTORY, SUMMARIES], 'readwrite', 'delete the run', async (tx) => {
      tx.objectStore(RUNS).delete(id);
      tx.objectStore(SUMMARIES).delete(id);
      await deleteHistory(tx.objectStore(HISTORY), id);
    });
  }

  deleteGroup(group: string): Promise<number> {
    return idb.transact(this.db, [RUNS, HISTORY, SUMMARIES], 'readwrite', 'delete the runs', async (tx) => {
      const summaries = tx.objectStore(SUMMARIES);
      const ids = (await requestResult(summaries.index('group').getAllKeys(group))) as string[];
      const history = tx.objectStore(HISTORY);
      for (const id of ids) {
        tx.objectStore(RUNS).delete(id);
        summaries.delete(id);
        await deleteHistory(history, id);
      }
      return ids.length;
    });
  }

  async latestUnfinished(): Promise<RunSummary | undefined> {
    let latest: RunSummary | undefined;
    for (const s of await this.list()) {
      if (isUnfinished(s.status) && (!latest || s.updatedAt > latest.updatedAt)) latest = s;
    }
    return latest;
  }

  close(): void {
    this.db.close();
  }
}

/**
 * Opens (creating on first use) the run store. Pass an IDBFactory to use one other than the
 * global indexedDB (tests: fake-indexeddb). Rejects with RunStoreError('unavailable') when
 * there is no IndexedDB or the browser refuses to open it.
 */
export async function openRunStore(indexedDB?: IDBFactory, options: RunStoreOptions = {}): Promise<RunStore> {
  const db = await idb.open(indexedDB, { ...DATABASE, name: options.name ?? DATABASE.name });
  return new IndexedDbRunStore(db, options.now ?? Date.now);
}
