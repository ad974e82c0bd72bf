/**
 * The page's view of time in the current run: folds the worker's started/progress events into
 * a RunTiming, ticks once a second while a run is live (so "compiling GPU kernels · 12 s"
 * counts up), and gives the progress bar its text and, for a run longer than a lecture, the
 * alternatives. Whether the GPU is emulated on the CPU (SwiftShader) is asked once.
 */
import type { EngineClient } from '../worker/client.svelte.ts';

/** What the timing reads of the page's run: its status and steps. */
export interface RunProgress {
  status: string;
  step: number;
  totalSteps: number;
}
import type { WorkerEvent } from '../worker/protocol.ts';
import { PRESETS } from '../engine/presets.ts';
import { RunTiming, timeAlternatives, timingText, type TimeAlternative } from './run-timing.ts';

async function detectSoftwareGpu(): Promise<boolean> {
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<{ info?: { isFallbackAdapter?: boolean; architecture?: string; vendor?: string } } | null> } }).gpu;
  if (!gpu) return true;
  try {
    const adapter = await gpu.requestAdapter();
    const info = adapter?.info;
    return !adapter || info?.isFallbackAdapter === true || /swiftshader|llvmpipe|lavapipe/i.test(`${info?.architecture ?? ''} ${info?.vendor ?? ''}`);
  } catch {
    return true;
  }
}

export class TimingView {
  now = $state(performance.now());
  /** Bumped whenever the timing changes, so $derived readers update. */
  private version = $state(0);
  softwareGpu = $state(true);
  private readonly timing = new RunTiming();
  private ticker: ReturnType<typeof setInterval> | null = null;
  private readonly unobserve: () => void;

  constructor(private readonly client: Pick<EngineClient, 'observe' | 'backend'>, private readonly progress: () => RunProgress) {
    this.unobserve = client.observe((e) => this.handle(e));
    void detectSoftwareGpu().then((s) => (this.softwareGpu = s));
  }

  private handle(e: WorkerEvent): void {
    if (e.type !== 'engine') return;
    const t = performance.now();
    const ev = e.event;
    if (ev.type === 'started') {
      this.timing.start(t, ev.step);
      this.tick(true);
    } else if (ev.type === 'progress') {
      const last = ev.records.at(-1);
      if (last) this.timing.observe(t, last.step + 1);
    } else if (ev.type === 'done' || ev.type === 'paused' || ev.type === 'error') {
      this.tick(false);
    }
    this.version++;
  }

  private tick(on: boolean): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = on ? setInterval(() => (this.now = performance.now()), 1000) : null;
    this.now = performance.now();
  }

  get text(): string {
    void this.version;
    const p = this.progress();
    return timingText({ status: p.status, backend: this.client.backend, step: p.step, total: p.totalSteps, nowMs: this.now, timing: this.timing });
  }

  alternatives(availableBackends: readonly string[]): TimeAlternative[] {
    void this.version;
    void this.now;
    const p = this.progress();
    if (p.status !== 'running') return [];
    return timeAlternatives({
      secondsLeft: this.timing.secondsLeft(p.totalSteps), rate: this.timing.rate(), total: p.totalSteps,
      quickTotal: PRESETS.quick.passes * PRESETS.quick.itersPerPass, backend: this.client.backend, availableBackends, softwareGpu: this.softwareGpu,
    });
  }

  dispose(): void {
    this.unobserve();
    this.tick(false);
    if (this.ticker) clearInterval(this.ticker);
  }
}
