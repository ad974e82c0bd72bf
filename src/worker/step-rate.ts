/**
 * Steps per second over a sliding time window, fed with (time, step) observations.
 * Time is passed in (performance.now() in the page) so the estimator is deterministic in tests.
 */
export class StepRate {
  private samples: { time: number; step: number }[] = [];

  constructor(private readonly windowMs = 3000) {}

  observe(timeMs: number, step: number): void {
    this.samples.push({ time: timeMs, step });
    // Keep one sample older than the window so the rate spans the whole window.
    while (this.samples.length > 2 && this.samples[1].time <= timeMs - this.windowMs) this.samples.shift();
  }

  /** Steps per second, or 0 until two observations at different times exist. */
  perSecond(): number {
    if (this.samples.length < 2) return 0;
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    const dt = last.time - first.time;
    return dt > 0 ? ((last.step - first.step) * 1000) / dt : 0;
  }

  reset(): void {
    this.samples = [];
  }
}
