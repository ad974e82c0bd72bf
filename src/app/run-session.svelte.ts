/**
 * The page's one session store for the run: the worker's events and the page's own (begin,
 * open) are folded by the pure reducer (run-history.ts) into one reactive RunHistory that the
 * page's panels read. The recorder (IndexedDB) and the all-stages batch subscribe here too, so
 * everything sees the same run. Step records are folded at most ~10 times a second so the plots
 * never redraw per step; events that settle a run are folded at once.
 */
import type { EngineClient } from '../worker/client.svelte.ts';
import { StepRate } from '../worker/step-rate.ts';
import type { WorkerEvent } from '../worker/protocol.ts';
import { EMPTY_HISTORY, reduceAll, type PageEvent, type RunHistory, type SessionEvent } from './run-history.ts';

const FOLD_MS = 100;

/** Called with each event once it is folded, and the history it led to. */
export type SessionListener = (event: SessionEvent, history: RunHistory) => void;

export class RunSession {
  history = $state.raw<RunHistory>(EMPTY_HISTORY);
  stepsPerSecond = $state(0);

  private queue: SessionEvent[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly rate = new StepRate();
  private readonly listeners = new Set<SessionListener>();
  private readonly unobserve: () => void;

  constructor(client: Pick<EngineClient, 'observe'>, private readonly now: () => number = () => performance.now()) {
    this.unobserve = client.observe((e) => this.receive(e));
  }

  /** The page's own events (a run begins, a saved run is opened): folded at once. */
  dispatch(event: PageEvent): void {
    if (event.type === 'begin') this.rate.reset();
    this.stepsPerSecond = 0;
    this.queue.push(event);
    this.fold();
  }

  subscribe(fn: SessionListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  dispose(): void {
    this.unobserve();
    if (this.timer) clearTimeout(this.timer);
  }

  private receive(e: WorkerEvent): void {
    if (e.type === 'engine') {
      const ev = e.event;
      if (ev.type === 'started') this.rate.observe(this.now(), ev.step);
      if (ev.type === 'progress' && ev.records.length) this.rate.observe(this.now(), ev.records[ev.records.length - 1].step + 1);
    }
    this.queue.push(e);
    const settles = e.type !== 'engine' || (e.event.type !== 'progress' && e.event.type !== 'snapshot' && e.event.type !== 'metrics');
    if (settles) this.fold();
    else if (!this.timer) this.timer = setTimeout(() => this.fold(), FOLD_MS);
  }

  /** Folds every queued event, then tells the listeners (in order). */
  fold(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.queue.length) return;
    const events = this.queue;
    this.queue = [];
    this.history = reduceAll(this.history, events);
    if (this.history.status === 'running') this.stepsPerSecond = this.rate.perSecond();
    for (const e of events) for (const fn of this.listeners) fn(e, this.history);
  }
}
