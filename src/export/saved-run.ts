/**
 * What the app keeps of a run in IndexedDB: settings, history, the latest snapshot and the
 * engine's resumable state. Everything is structured-clone-able (typed arrays stay typed), so
 * a SavedRun goes into IndexedDB and through postMessage as it is.
 */
import type { RunState } from '../engine/metamer-run.ts';
import type { MeasureScope, MetricSet, RunConfig, StepRecord, Verdict } from '../engine/types.ts';

export type SavedRunStatus = 'running' | 'paused' | 'done' | 'stopped' | 'error';

/** The reference the metamer matches: one of the model's bundled stimuli, or the user's own. */
export type SavedReference =
  | { kind: 'bundled'; index: number }
  | { kind: 'user'; name: string; shape: number[]; data: Float32Array };

export interface SavedRunSettings {
  config: RunConfig;
  /** Which stages the live metrics covered. */
  measure: MeasureScope;
  /** tfjs backend the run used (e.g. "webgpu", "wasm"). */
  backend: string;
}

/** One 'metrics' event: per-stage match after `step` steps. */
export interface MetricsEntry {
  step: number;
  stages: Record<string, MetricSet>;
}

/** The latest emitted iterate x_step, as the engine's 'snapshot' event carries it (shape without batch: inputSpec.shape). */
export interface SavedSnapshot {
  step: number;
  shape: number[];
  data: Float32Array;
}

export interface SavedRun {
  id: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
  updatedAt: number;
  modelId: string;
  modelName: string;
  /** weightsHashOf(manifest) (src/models/weights-hash.ts) when the run was made: says which weights produced the metamer. */
  weightsHash: string;
  /** Generation stage. */
  stage: string;
  reference: SavedReference;
  settings: SavedRunSettings;
  status: SavedRunStatus;
  /** Steps completed. */
  step: number;
  totalSteps: number;
  /** Loss history, in step order. */
  records: StepRecord[];
  /** Metric history, in step order. */
  metrics: MetricsEntry[];
  verdict: Verdict | null;
  snapshot: SavedSnapshot | null;
  /** x_0, the noise the run started from (absent in runs saved before it was kept). */
  start?: SavedSnapshot | null;
  /** The bundled reference's values as the worker loaded them (user references carry their own). */
  referenceStimulus?: { shape: number[]; data: Float32Array } | null;
  /** What Resume continues from (null once the run is done, or before its first save point). */
  state: RunState | null;
  /** Id of the all-stages batch this run belongs to, so its grid can be reopened. */
  group?: string;
  /** Message of the error that ended the run (status 'error'). */
  error?: string;
}

/** A run list row: small fields only (no history, snapshot, state or user reference data). */
export interface RunSummary {
  id: string;
  modelId: string;
  modelName: string;
  stage: string;
  status: SavedRunStatus;
  step: number;
  totalSteps: number;
  createdAt: number;
  updatedAt: number;
  /** Verdict of the success test; null while there is none. */
  pass: boolean | null;
  group?: string;
}

export function summarizeRun(run: Omit<SavedRun, 'records' | 'metrics'>): RunSummary {
  const summary: RunSummary = {
    id: run.id,
    modelId: run.modelId,
    modelName: run.modelName,
    stage: run.stage,
    status: run.status,
    step: run.step,
    totalSteps: run.totalSteps,
    createdAt: run.createdAt,
    updatedAt: run.updatedAt,
    pass: run.verdict ? run.verdict.pass : null,
  };
  if (run.group !== undefined) summary.group = run.group;
  return summary;
}

/** Runs a reload can resume: interrupted while running (tab closed) or paused by the user. */
export function isUnfinished(status: SavedRunStatus): boolean {
  return status === 'running' || status === 'paused';
}

/**
 * A new run id: base-36 time then random, so ids sort by creation time as strings and two
 * runs started in the same millisecond (an all-stages batch) still differ.
 */
export function newRunId(now: number = Date.now(), random: () => number = Math.random): string {
  const time = Math.floor(now).toString(36).padStart(9, '0');
  let tail = '';
  for (let i = 0; i < 8; i++) tail += Math.floor(random() * 36).toString(36);
  return `${time}-${tail}`;
}
