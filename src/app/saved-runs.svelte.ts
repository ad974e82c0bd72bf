/**
 * The page's handle on saved runs: opens the IndexedDB run store once, keeps the run list
 * reactive, and owns the recorder that saves the current run. When IndexedDB is unavailable
 * (private mode, blocked storage) the page keeps working and says that runs are not saved.
 */
import { openRunStore, type RunStore } from '../store/run-store.ts';
import type { RunSummary, SavedRun } from '../export/saved-run.ts';
import { RunRecorder } from './run-recorder.ts';
import { runsFromFiles, type RunFile } from '../export/open-run.ts';

export class SavedRuns {
  runs = $state.raw<RunSummary[]>([]);
  /** Why runs are not being saved (null while saving works). */
  error = $state<string | null>(null);
  /** The run a reload found unfinished (running when the tab closed, or paused), offered for Resume. */
  interrupted = $state.raw<RunSummary | null>(null);
  recorder: RunRecorder | null = null;
  private store: RunStore | null = null;
  private refreshing = false;
  private refreshAgain = false;

  /** Opens the store and lists the runs; resolves even when storage is unavailable. */
  async open(indexedDB?: IDBFactory): Promise<void> {
    try {
      this.store = await openRunStore(indexedDB);
    } catch (err) {
      this.error = `Runs are not saved: ${err instanceof Error ? err.message : String(err)}`;
      return;
    }
    this.recorder = new RunRecorder(this.store, {
      onError: (message) => (this.error = message),
      onSaved: () => void this.refresh(),
    });
    const unfinished = await this.store.latestUnfinished().catch(() => undefined);
    this.interrupted = unfinished ?? null;
    await this.refresh();
  }

  /** Re-reads the list; calls made while one is in flight coalesce into one more read. */
  async refresh(): Promise<void> {
    if (!this.store) return;
    if (this.refreshing) {
      this.refreshAgain = true;
      return;
    }
    this.refreshing = true;
    try {
      do {
        this.refreshAgain = false;
        this.runs = await this.store.list();
      } while (this.refreshAgain);
    } catch (err) {
      this.error = `Saved runs cannot be read: ${err instanceof Error ? err.message : String(err)}`;
    } finally {
      this.refreshing = false;
    }
  }

  /** A further recorder on the same store (an all-stages batch saves each stage as its own run); null without storage. */
  newRecorder(): RunRecorder | null {
    if (!this.store) return null;
    return new RunRecorder(this.store, { onError: (message) => (this.error = message), onSaved: () => void this.refresh() });
  }

  async get(id: string): Promise<SavedRun | undefined> {
    return this.store?.get(id);
  }

  /**
   * Before resuming from a checkpoint at `step`: drops the saved history after it (a closed tab
   * may have saved steps past its last checkpoint; they are recomputed, identically). Returns the
   * run as it now stands.
   */
  async rewind(run: SavedRun, step: number): Promise<SavedRun> {
    const rewound: SavedRun = {
      ...run,
      step,
      records: run.records.filter((r) => r.step < step),
      metrics: run.metrics.filter((m) => m.step <= step),
    };
    await this.store?.put(rewound);
    return rewound;
  }

  /**
   * Adds run records made elsewhere (the CLI's run folders, exports) to the saved runs. Returns
   * how many were added and a line per file that could not be opened.
   */
  async openRecords(files: RunFile[]): Promise<{ opened: SavedRun[]; errors: string[] }> {
    const { runs, errors } = runsFromFiles(files);
    if (!this.store) return { opened: [], errors: runs.length ? [this.error ?? 'Runs cannot be saved in this browser.', ...errors] : errors };
    for (const run of runs) await this.store.put(run);
    await this.refresh();
    return { opened: runs, errors };
  }

  async delete(id: string): Promise<void> {
    if (!this.store) return;
    if (this.recorder?.currentId === id) this.recorder.detach();
    await this.store.delete(id);
    if (this.interrupted?.id === id) this.interrupted = null;
    await this.refresh();
  }
}
