/**
 * Publishes the latest of a stream of values at most once per interval: the first value at
 * once, later ones on a trailing timer, so the last value always arrives. Used to keep plots
 * at ~10 redraws a second whatever rate the engine reports at. Timer functions are injectable
 * for tests.
 */
export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** ~10 redraws a second. */
export const REDRAW_MS = 100;

export class Throttle<T> {
  private last = -Infinity;
  private timer: unknown = null;
  private pending: { value: T } | null = null;

  constructor(private readonly emit: (value: T) => void, private readonly intervalMs = REDRAW_MS,
    private readonly timers: Timers = realTimers) {}

  push(value: T): void {
    this.pending = { value };
    if (this.timer !== null) return;
    const wait = this.last + this.intervalMs - this.timers.now();
    if (wait <= 0) this.flush();
    else this.timer = this.timers.setTimeout(() => { this.timer = null; this.flush(); }, wait);
  }

  /** Drops a pending value (e.g. when the view goes away). */
  cancel(): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
    this.pending = null;
  }

  private flush(): void {
    if (!this.pending) return;
    const { value } = this.pending;
    this.pending = null;
    this.last = this.timers.now();
    this.emit(value);
  }
}
