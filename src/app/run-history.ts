/**
 * One home for a run in the page: the run's whole history as one value, and one pure reducer
 * that folds every event into it: the page beginning a run (new, or resumed from a saved run),
 * the page opening a saved run, and the worker's events. Live, reopened, resumed, stopped and
 * batch runs are all a RunHistory, so every panel shows them the same way. Pure: no DOM, no
 * worker; tested in Node.
 */
import type { MeasureScope, MetricSet, NullDistribution, RunConfig, StepRecord, Verdict } from '../engine/types.ts';
import { totalSteps } from '../engine/presets.ts';
import type { ModelManifest } from '../models/manifest.ts';
import type { MetricsEntry, SavedReference, SavedRun } from '../export/saved-run.ts';
import type { WorkerEvent } from '../worker/protocol.ts';

export type RunStatus = 'idle' | 'loading' | 'running' | 'paused' | 'done' | 'stopped' | 'error';

/** What the page's status line says: the worker starting, ready, or the run's status. */
export type PageStatus = Exclude<RunStatus, 'idle'> | 'starting' | 'ready';

export interface Stimulus {
  step: number;
  shape: number[];
  data: Float32Array;
}

/** A cochleagram [channels, frames] of one stimulus, with each channel's frequency (Hz). */
export interface CochleagramImage extends Stimulus {
  frequencies: number[];
  /** Frames per second and the time (s) of frame 0's centre. */
  frameRate: number;
  startS: number;
}

/** Class logits of the reference and the latest metamer (models with a readout). */
export interface ReadoutState {
  labels: string[];
  reference: number[] | null;
  metamer: number[] | null;
  metamerStep: number;
}

export interface RunHistory {
  /** Saved-run id (null: no run yet). */
  id: string | null;
  modelId: string | null;
  stage: string | null;
  status: RunStatus;
  /** Why the run ended in error. */
  error: string | null;
  /** A saved run shown without running in the worker (reopened). */
  shown: boolean;
  config: RunConfig | null;
  totalSteps: number;
  /** Steps done. */
  step: number;
  records: StepRecord[];
  /** Every measurement, in step order (the latest is the one the panels show). */
  metrics: MetricsEntry[];
  verdict: Verdict | null;
  reference: Stimulus | null;
  /** x_0, the noise the run started from (step 0 only: a resumed run keeps its saved one). */
  start: Stimulus | null;
  /** The latest iterate. */
  metamer: Stimulus | null;
  readout: ReadoutState | null;
  manifest: ModelManifest | null;
  nullStages: NullDistribution['stages'] | null;
  cochleagrams: { reference: CochleagramImage | null; start: CochleagramImage | null; metamer: CochleagramImage | null };
}

export const EMPTY_HISTORY: RunHistory = Object.freeze({
  id: null, modelId: null, stage: null, status: 'idle', error: null, shown: false, config: null, totalSteps: 0, step: 0,
  records: [], metrics: [], verdict: null, reference: null, start: null, metamer: null, readout: null, manifest: null,
  nullStages: null, cochleagrams: { reference: null, start: null, metamer: null },
}) as RunHistory;

/** What the recorder needs to save a run that begins (beyond what the history holds). */
export interface RecordContext {
  modelName: string;
  reference: SavedReference;
  measure: MeasureScope;
  backend: string;
  /** Id of the all-stages batch the run belongs to. */
  group?: string;
}

/** What the page does to a run; worker events come as they are. */
export type PageEvent =
  /** A run starts in the worker: new, or continuing `resumed` from its checkpoint. */
  | { type: 'begin'; id: string; modelId: string; config: RunConfig; resumed?: SavedRun; record?: RecordContext }
  /** A saved run is shown (reopened from the list, a grid cell, an opened file). */
  | { type: 'open'; run: SavedRun; nullStages?: NullDistribution['stages'] | null; manifest?: ModelManifest | null }
  /** The stored null of a shown run's model, fetched after it was opened. */
  | { type: 'null'; modelId: string; stages: NullDistribution['stages'] };

export type SessionEvent = PageEvent | WorkerEvent;

/** The reference of a saved run as a stimulus: the user's own values, or the bundled one it recorded. */
export function savedReference(run: SavedRun): Stimulus | null {
  if (run.reference.kind === 'user' && run.reference.data.length) return { step: 0, shape: run.reference.shape, data: run.reference.data };
  return run.referenceStimulus ? { step: 0, ...run.referenceStimulus } : null;
}

/** The status a saved run is shown with: one with resumable state can be continued (paused). */
export function shownStatus(run: SavedRun): RunStatus {
  if (run.state && (run.status === 'running' || run.status === 'paused' || run.status === 'stopped')) return 'paused';
  if (run.status === 'running' || run.status === 'paused') return 'stopped';
  return run.status;
}

function fromSaved(run: SavedRun): Omit<RunHistory, 'status' | 'shown'> {
  return {
    ...EMPTY_HISTORY, id: run.id, modelId: run.modelId, stage: run.stage, error: run.error ?? null, config: run.settings.config,
    totalSteps: run.totalSteps, step: run.step, records: run.records, metrics: run.metrics, verdict: run.verdict,
    reference: savedReference(run), start: run.start ?? null, metamer: run.snapshot,
  };
}

/** Folds one event into the history (a new value; the old one is not changed). */
export function reduce(h: RunHistory, e: SessionEvent): RunHistory {
  return reduceAll(h, [e]);
}

/**
 * Folds a batch of events (the page folds the worker's events ~10 times a second): consecutive
 * progress records are appended in one copy, so long runs stay linear.
 */
export function reduceAll(h: RunHistory, events: readonly SessionEvent[]): RunHistory {
  let out = h;
  let pending: StepRecord[] = [];
  const flush = () => {
    if (!pending.length) return;
    out = { ...out, records: out.records.concat(pending), step: pending[pending.length - 1].step + 1 };
    pending = [];
  };
  for (const e of events) {
    if (e.type === 'engine' && e.event.type === 'progress') {
      if (out.status === 'running' && !out.shown) pending.push(...e.event.records);
      continue;
    }
    flush();
    out = step(out, e);
  }
  flush();
  return out;
}

function step(h: RunHistory, e: SessionEvent): RunHistory {
  switch (e.type) {
    case 'begin': {
      const r = e.resumed;
      const base = r ? fromSaved(r) : { ...EMPTY_HISTORY, id: e.id, modelId: e.modelId, stage: e.config.stage };
      return { ...base, id: e.id, modelId: e.modelId, stage: e.config.stage, config: e.config, totalSteps: totalSteps(e.config),
        status: 'loading', shown: false, error: null, verdict: null };
    }
    case 'open':
      return { ...fromSaved(e.run), status: shownStatus(e.run), shown: true, nullStages: e.nullStages ?? null, manifest: e.manifest ?? null };
    case 'model':
      if (h.shown || h.status === 'idle') return h;
      return { ...h, manifest: e.manifest, reference: { step: 0, shape: e.reference.shape, data: e.reference.data }, nullStages: e.nullStages };
    case 'readout': {
      if (h.shown) return h;
      const prev = h.readout?.labels.length === e.labels.length ? h.readout : null;
      return {
        ...h, readout: e.which === 'reference'
          ? { labels: e.labels, reference: e.logits, metamer: prev?.metamer ?? null, metamerStep: prev?.metamerStep ?? 0 }
          : { labels: e.labels, reference: prev?.reference ?? null, metamer: e.logits, metamerStep: e.step },
      };
    }
    case 'verdict':
      return h.shown ? h : { ...h, verdict: e.verdict };
    case 'fatal':
      return h.status === 'idle' || h.shown ? h : { ...h, status: 'error', error: e.message };
    case 'cochleagram': {
      if (h.shown) return h;
      const { step, shape, data, frequencies, frameRate, startS } = e;
      const image = { step, shape, data, frequencies, frameRate, startS };
      const c = h.cochleagrams;
      // x_0 is also the metamer until the first update arrives.
      return { ...h, cochleagrams: e.which === 'reference' ? { ...c, reference: image }
        : e.which === 'start' ? { ...c, start: image, metamer: image } : { ...c, metamer: image } };
    }
    case 'engine':
      return h.shown || h.status === 'idle' ? h : engineStep(h, e.event);
    case 'null-built':
    case 'null':
      return h.modelId === e.modelId ? { ...h, nullStages: e.stages } : h;
    default:
      return h;
  }
}

function engineStep(h: RunHistory, e: Extract<WorkerEvent, { type: 'engine' }>['event']): RunHistory {
  // Until the run has started, only its start, a stop while loading or an error belong to it
  // (a previous run's last events may still arrive).
  if (h.status === 'loading' && e.type !== 'started' && e.type !== 'done' && e.type !== 'error') return h;
  switch (e.type) {
    case 'started':
      return { ...h, status: 'running', step: e.step, totalSteps: e.totalSteps };
    case 'progress':
      return e.records.length ? { ...h, records: h.records.concat(e.records), step: e.records[e.records.length - 1].step + 1 } : h;
    case 'snapshot': {
      const s = { step: e.step, shape: e.shape, data: e.data };
      return { ...h, metamer: s, start: e.step === 0 && !h.start ? s : h.start };
    }
    case 'metrics':
      return { ...h, metrics: [...h.metrics.filter((m) => m.step < e.step), { step: e.step, stages: e.stages }] };
    case 'paused':
      return { ...h, status: 'paused', step: e.step };
    case 'done':
      return { ...h, status: e.stopped ? 'stopped' : 'done', step: e.step };
    case 'error':
      return { ...h, status: 'error', error: `step ${e.step}: ${e.message}` };
  }
}

/** The latest measurement (what the metric panels show), or null before the first. */
export function latestMetrics(h: RunHistory): { step: number; stages: Record<string, MetricSet> } | null {
  return h.metrics.at(-1) ?? null;
}

/** A run is live in the worker (a saved run that is only shown is not). */
export function isLive(h: RunHistory): boolean {
  return !h.shown && (h.status === 'loading' || h.status === 'running' || h.status === 'paused');
}
