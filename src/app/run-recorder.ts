/**
 * Saves the current run into the run store as it goes, from the worker's delta events: history
 * is appended in batches (about once a second), the latest snapshot and resumable checkpoint
 * replace the stored ones, and the status follows pause / done / error. A reload then finds
 * the run and can resume it from its last checkpoint. Pure TypeScript over the RunStore
 * interface (tested in Node with fake-indexeddb); writes are serialised so they land in order.
 */
import type { RunState } from '../engine/metamer-run.ts';
import type { RunConfig, StepRecord } from '../engine/types.ts';
import { totalSteps } from '../engine/presets.ts';
import type { RunStore } from '../store/run-store.ts';
import { weightsHashOf } from '../models/weights-hash.ts';
import type { MetricsEntry, SavedReference, SavedRun, SavedSnapshot } from '../export/saved-run.ts';
import type { MeasureScope } from '../engine/types.ts';
import type { WorkerEvent } from '../worker/protocol.ts';
import type { SessionEvent } from './run-history.ts';

/** What the page knows about a run before the worker has built it. */
export interface RunContext {
  id: string;
  modelId: string;
  modelName: string;
  stage: string;
  reference: SavedReference;
  /** The complete config the page sent (a resumed run: its checkpoint's). */
  config: RunConfig;
  measure: MeasureScope;
  backend: string;
  group?: string;
  /** Continuing a stored run (Resume after a reload): update it instead of creating it. */
  resumed?: boolean;
}

export interface RecorderOptions {
  /** Batch window for history and snapshot writes (ms). Default 1000. */
  flushMs?: number;
  now?: () => number;
  /** A failed write (quota, IndexedDB gone): the run goes on, the page says saving stopped. */
  onError?: (message: string) => void;
  /** After each completed write (the page refreshes its run list). */
  onSaved?: (id: string) => void;
}

export class RunRecorder {
  private context: RunContext | null = null;
  private created = false;
  private records: StepRecord[] = [];
  private metrics: MetricsEntry[] = [];
  private snapshot: SavedSnapshot | null = null;
  private start: SavedSnapshot | null = null;
  private state: RunState | null = null;
  private step = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private writes: Promise<void> = Promise.resolve();
  private failed = false;

  constructor(
    private readonly store: RunStore,
    private readonly options: RecorderOptions = {},
  ) {}

  /** Id of the run being recorded, if any. */
  get currentId(): string | null {
    return this.context?.id ?? null;
  }

  /** The next run the worker reports ('model' event) is this one. */
  begin(context: RunContext): void {
    this.flushNow();
    this.context = context;
    this.created = false;
    this.failed = false;
    this.records = [];
    this.metrics = [];
    this.snapshot = null;
    this.start = null;
    this.state = null;
    this.step = 0;
  }

  /** Forget the current run without writing anything more (e.g. a reopened run is only shown). */
  detach(): void {
    this.flushNow();
    this.context = null;
  }

  /**
   * Follows the run session: a run that begins with a record context is recorded from then on,
   * an opened (only shown) run stops the recording; worker events are saved as they come.
   */
  handle(event: SessionEvent): void {
    if (event.type === 'begin') {
      if (event.record) {
        this.begin({ id: event.id, modelId: event.modelId, stage: event.config.stage, config: event.config, ...event.record,
          resumed: event.resumed !== undefined });
      } else this.detach();
      return;
    }
    if (event.type === 'open') {
      this.detach();
      return;
    }
    const ctx = this.context;
    if (!ctx) return;
    switch (event.type) {
      case 'model': {
        const now = this.now();
        if (ctx.resumed) {
          this.enqueue(() => this.store.update(ctx.id, { status: 'running', totalSteps: totalSteps(ctx.config), ...referenceOf(ctx, event) }).then(() => {}));
        } else {
          const run: SavedRun = {
            id: ctx.id, createdAt: now, updatedAt: now, modelId: ctx.modelId, modelName: ctx.modelName,
            weightsHash: '', stage: ctx.stage, reference: ctx.reference,
            settings: { config: ctx.config, measure: ctx.measure, backend: ctx.backend },
            status: 'running', step: 0, totalSteps: totalSteps(ctx.config), records: [], metrics: [], verdict: null,
            snapshot: null, state: null, ...referenceOf(ctx, event),
          };
          if (ctx.group !== undefined) run.group = ctx.group;
          // The weights that made this metamer: hashed from the manifest the worker actually loaded.
          const manifest = event.manifest;
          this.enqueue(async () => this.store.put({ ...run, weightsHash: await weightsHashOf(manifest) }));
        }
        this.created = true;
        return;
      }
      case 'checkpoint':
        this.state = event.state;
        this.schedule();
        return;
      case 'verdict':
        this.flushNow({ verdict: event.verdict });
        return;
      case 'fatal':
        this.flushNow({ status: 'error', error: event.message });
        return;
      case 'engine':
        break;
      default:
        return;
    }
    const e = event.event;
    switch (e.type) {
      case 'progress':
        this.records.push(...e.records);
        if (e.records.length) this.step = e.records[e.records.length - 1].step + 1;
        this.schedule();
        return;
      case 'metrics':
        this.metrics.push({ step: e.step, stages: e.stages });
        this.schedule();
        return;
      case 'snapshot':
        this.snapshot = { step: e.step, shape: e.shape, data: e.data };
        // x_0: kept so that a reopened or resumed run shows the noise it started from.
        if (e.step === 0) this.start = this.snapshot;
        this.schedule();
        return;
      case 'paused':
        this.step = e.step;
        this.flushNow({ status: 'paused' });
        return;
      case 'done':
        this.step = e.step;
        // A completed run has nothing to resume; a stopped one keeps its state (it can be continued).
        this.flushNow(e.stopped ? { status: 'stopped' } : { status: 'done', state: null });
        return;
      case 'error':
        this.flushNow({ status: 'error', error: e.message });
        return;
      case 'started':
        return;
    }
  }

  /** Resolves when every write queued so far has landed. */
  settled(): Promise<void> {
    this.flushNow();
    return this.writes;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => this.flushNow(), this.options.flushMs ?? 1000);
  }

  /** Writes the batched history, snapshot and state now, plus `extra` fields. */
  private flushNow(extra: Partial<Pick<SavedRun, 'status' | 'verdict' | 'error' | 'state'>> = {}): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const ctx = this.context;
    if (!ctx || !this.created) return;
    const records = this.records;
    const metrics = this.metrics;
    this.records = [];
    this.metrics = [];
    const patch: Parameters<RunStore['update']>[1] = { step: this.step, ...extra };
    if (this.snapshot) patch.snapshot = this.snapshot;
    if (this.start) patch.start = this.start;
    this.start = null;
    if (this.state && !('state' in extra)) patch.state = this.state;
    this.snapshot = null;
    this.state = null;
    const id = ctx.id;
    this.enqueue(async () => {
      if (records.length || metrics.length) await this.store.appendHistory(id, records, metrics);
      await this.store.update(id, patch);
    });
  }

  private enqueue(write: () => Promise<void>): void {
    const id = this.context?.id ?? '';
    this.writes = this.writes.then(async () => {
      if (this.failed) return;
      try {
        await write();
        this.options.onSaved?.(id);
      } catch (err) {
        // One message, then stop writing this run: the optimisation itself goes on.
        this.failed = true;
        this.options.onError?.(`Saving this run stopped: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
  }
}

/** A bundled reference's values, as the worker loaded them (a user reference carries its own). */
function referenceOf(ctx: RunContext, event: Extract<WorkerEvent, { type: 'model' }>): Pick<SavedRun, 'referenceStimulus'> {
  if (ctx.reference.kind !== 'bundled') return {};
  return { referenceStimulus: { shape: [...event.reference.shape], data: event.reference.data.slice() } };
}
