/**
 * The truth about time in a run (issue 11 part 5): what the run is doing before its first
 * step ends (loading, compiling GPU kernels, the first step), an ETA measured only from steps
 * after the first (which pays for shader compilation and warm-up, so it would make any
 * estimate from it wrong), and, when the run would outlast a lecture, the alternatives: the
 * quick preset, fewer steps, another backend. Pure: times are passed in.
 */
import { formatDuration } from './time-left.ts';

/** Backends whose first step compiles GPU kernels (shaders). */
const GPU_BACKENDS = new Set(['webgpu', 'webgl']);
/** Rate window: recent enough to follow a change of speed, long enough for slow models. */
const WINDOW_MS = 30_000;

export class RunTiming {
  private startedAt: number | null = null;
  private startStep = 0;
  /** (time, steps done) after the first step of this start; the first entry is the first step's end. */
  private samples: { time: number; step: number }[] = [];
  private firstStepMs: number | null = null;

  /** A run started or resumed at `step` (steps done so far). */
  start(timeMs: number, step: number): void {
    this.startedAt = timeMs;
    this.startStep = step;
    this.samples = [];
    this.firstStepMs = null;
  }

  /** `step` steps are done at `timeMs`. */
  observe(timeMs: number, step: number): void {
    if (this.startedAt === null || step <= this.startStep) return;
    if (this.firstStepMs === null) this.firstStepMs = timeMs - this.startedAt;
    this.samples.push({ time: timeMs, step });
    while (this.samples.length > 2 && this.samples[1].time <= timeMs - WINDOW_MS) this.samples.shift();
  }

  /** ms the first step took, or null while it runs. */
  get firstStep(): number | null {
    return this.firstStepMs;
  }

  /** ms since the run (re)started, or null before. */
  elapsed(nowMs: number): number | null {
    return this.startedAt === null ? null : nowMs - this.startedAt;
  }

  /** Steps per second measured after the first step, or null until two steps after it are done. */
  rate(): number | null {
    if (this.samples.length < 2) return null;
    const a = this.samples[0];
    const b = this.samples[this.samples.length - 1];
    return b.time > a.time ? ((b.step - a.step) * 1000) / (b.time - a.time) : null;
  }

  /** Seconds to `total` at the measured rate, or null while there is none. */
  secondsLeft(total: number): number | null {
    const r = this.rate();
    const done = this.samples.at(-1)?.step ?? this.startStep;
    return r && r > 0 ? Math.max(0, total - done) / r : null;
  }
}

/** The line the progress bar shows about time, from the run's status and timing. */
export function timingText(input: {
  status: string; backend: string | null; step: number; total: number; nowMs: number; timing: RunTiming;
}): string {
  const { status, backend, total, nowMs, timing } = input;
  if (status === 'loading') return 'loading the model and the reference…';
  if (status !== 'running') return '';
  const elapsed = timing.elapsed(nowMs);
  if (timing.firstStep === null) {
    const since = elapsed === null ? '' : ` · ${formatDuration(elapsed / 1000)}`;
    return backend && GPU_BACKENDS.has(backend)
      ? `compiling GPU kernels (the first step builds every shader; seconds to minutes)${since}`
      : `first step (warming up)${since}`;
  }
  const left = timing.secondsLeft(total);
  if (left === null) return `first step took ${formatDuration(timing.firstStep / 1000)}; measuring the speed…`;
  return `about ${formatDuration(left)} left`;
}

export interface TimeAlternative {
  kind: 'quick' | 'fewer-steps' | 'backend';
  label: string;
  /** Steps for 'fewer-steps', the backend for 'backend'. */
  steps?: number;
  backend?: string;
}

/** A lecture's patience: runs longer than this get alternatives offered. */
export const LECTURE_LIMIT_S = 10 * 60;

/**
 * What to offer when the rest of a run (`secondsLeft` at `rate` steps/s) would take longer
 * than `limitS`: the quick preset (when the run is longer than it), as many steps as fit in the
 * limit, and another backend (wasm on a CPU-emulated GPU; WebGPU when it exists and wasm runs).
 */
export function timeAlternatives(input: {
  secondsLeft: number | null; rate: number | null; total: number; quickTotal: number; backend: string | null;
  availableBackends: readonly string[]; softwareGpu: boolean; limitS?: number;
}): TimeAlternative[] {
  const limit = input.limitS ?? LECTURE_LIMIT_S;
  if (input.secondsLeft === null || input.rate === null || input.secondsLeft <= limit) return [];
  const out: TimeAlternative[] = [];
  if (input.total > input.quickTotal) {
    out.push({ kind: 'quick', label: `quick preset (${input.quickTotal.toLocaleString('en-US')} steps, about ${formatDuration(input.quickTotal / input.rate)})` });
  }
  const fit = Math.floor((input.rate * limit) / 10) * 10;
  if (fit >= 4 && fit < input.total) {
    out.push({ kind: 'fewer-steps', steps: fit, label: `${fit.toLocaleString('en-US')} steps (fits in ${formatDuration(limit)})` });
  }
  const gpu = input.backend === 'webgpu' || input.backend === 'webgl';
  if (gpu && input.softwareGpu && input.availableBackends.includes('wasm')) {
    out.push({ kind: 'backend', backend: 'wasm', label: 'the wasm backend (this GPU is emulated on the CPU, where wasm is faster)' });
  } else if (!gpu && input.availableBackends.includes('webgpu') && !input.softwareGpu) {
    out.push({ kind: 'backend', backend: 'webgpu', label: 'the WebGPU backend (runs on this machine\'s GPU)' });
  }
  return out;
}
