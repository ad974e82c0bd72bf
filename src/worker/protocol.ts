/**
 * Messages between the page and the engine worker. Discriminated unions on `type`,
 * so both sides switch exhaustively. Large buffers (reference, snapshots) are transferred.
 */
import type { EngineEvent, MetricName, NullDistribution, RunConfig, Verdict } from '../engine/types.ts';
import type { RunState } from '../engine/metamer-run.ts';
import type { ModelManifest } from '../models/manifest.ts';
import type { BrowserBackend } from '../platform/backend-names.ts';

export interface BackendFallback {
  backend: string;
  reason: string;
}

/** Which stages the live metrics cover: every stage (default) or only the generation stage (faster). */
export type MeasureScope = 'all' | 'stage';

export type WorkerCommand =
  | { type: 'init'; backend?: BrowserBackend }
  | {
      type: 'start'; modelId: string; stage: string; config: Partial<RunConfig>; referenceIndex: number; measure?: MeasureScope;
      /** The user's own reference (already prepared to inputSpec.shape); replaces the bundled one. */
      referenceData?: Float32Array;
      /** Continue a saved run (a 'checkpoint' of an earlier run) instead of starting from noise; its config wins. */
      resume?: RunState;
    }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' };

/** Which stimulus a cochleagram belongs to: the reference, the start noise x_0, or a metamer iterate. */
export type CochleagramWhich = 'reference' | 'start' | 'metamer';

/** Null-distribution maxima per stage and metric: the thresholds of the success test. */
export type NullMaxima = Record<string, Partial<Record<MetricName, number>>>;

export type WorkerEvent =
  | { type: 'ready'; backend: string; fallbacks: BackendFallback[] }
  /** The built-in models (manifests only, nothing built), sent once, just before 'ready'. */
  | { type: 'models'; manifests: ModelManifest[] }
  | {
      type: 'model';
      manifest: ModelManifest;
      reference: { shape: number[]; data: Float32Array };
      nullMax: NullMaxima | null;
      /** The whole stored null (histograms, quantiles) per stage and metric, for the page's plots. */
      nullStages: NullDistribution['stages'] | null;
      totalSteps: number;
      /** The run's complete configuration (defaults and cadence filled in): what a saved run records. */
      config: RunConfig;
    }
  /** Resumable state of the run, sent every few steps and on pause, for the page to save. */
  | { type: 'checkpoint'; state: RunState }
  /** Models with a class readout: logits of the reference (once) or of the metamer (with each metrics event). */
  | { type: 'readout'; which: 'reference' | 'metamer'; step: number; logits: number[]; labels: string[] }
  | { type: 'engine'; event: EngineEvent }
  /**
   * Success test at the generation stage, computed once the final metrics are known; always the
   * last event of a completed run (null when the model has no null distribution).
   */
  | { type: 'verdict'; verdict: Verdict | null }
  | { type: 'fatal'; message: string }
  /**
   * Audio models only: the cochleagram [channels, frames] of a stimulus, for the page's heatmap;
   * frequencies (Hz, one per channel, low to high) label its axis.
   */
  | {
      type: 'cochleagram'; which: CochleagramWhich; step: number; shape: number[]; data: Float32Array; frequencies: number[];
      /** Frames per second, and the time (s) of frame 0's centre in the clip. */
      frameRate: number; startS: number;
    };

/** Buffers worth transferring rather than copying. */
export function transferablesOf(event: WorkerEvent): Transferable[] {
  if (event.type === 'model') return [event.reference.data.buffer as ArrayBuffer];
  if (event.type === 'engine' && event.event.type === 'snapshot') return [event.event.data.buffer as ArrayBuffer];
  if (event.type === 'cochleagram') return [event.data.buffer as ArrayBuffer];
  if (event.type === 'checkpoint') {
    const { x, adam } = event.state;
    return [x.buffer as ArrayBuffer, ...(adam ? [adam.m.buffer as ArrayBuffer, adam.v.buffer as ArrayBuffer] : [])];
  }
  return [];
}
