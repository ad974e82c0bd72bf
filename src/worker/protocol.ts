/**
 * Messages between the page and the engine worker. Discriminated unions on `type`,
 * so both sides switch exhaustively. Large buffers (reference, snapshots) are transferred.
 */
import type { EngineEvent, InputSpec, MeasureScope, NullDistribution, RunConfig, Verdict } from '../engine/types.ts';
import type { RunState } from '../engine/metamer-run.ts';
import type { ModelManifest } from '../models/manifest.ts';
import type { BackendFallback, BrowserBackend } from '../platform/backend-names.ts';
import type { Recognition } from '../models/recognition/recognise.ts';


export type WorkerCommand =
  | { type: 'init'; backend?: BrowserBackend }
  | {
      /** config: the run's complete configuration (runConfigFor in src/engine/run-recipe.ts), generation stage included. */
      type: 'start'; modelId: string; config: RunConfig; referenceIndex: number; measure?: MeasureScope;
      /** The user's own reference (already prepared to inputSpec.shape); replaces the bundled one. */
      referenceData?: Float32Array;
      /** Continue a saved run (a 'checkpoint' of an earlier run) instead of starting from noise; its config wins. */
      resume?: RunState;
    }
  /**
   * Generate all stages: one metamer per stage from the same noise, in one batched pass where the
   * model allows it (else the stages one after another). 'stop' ends it.
   */
  | {
      type: 'start-all'; modelId: string; stages: string[];
      /** The complete config every stage runs (runConfigFor; its stage is replaced by each stage). */
      config: RunConfig; referenceIndex: number;
      measure?: MeasureScope; referenceData?: Float32Array;
    }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' }
  /** Import, step 1: parse the user's files (an .onnx, or model.json + shards) and discover stages. */
  | { type: 'inspect-model'; requestId: number; files: ImportFile[] }
  /** Import, step 2: turn the inspected draft into a model with the user's choices, build it, save it. */
  | { type: 'import-model'; requestId: number; choices: ImportChoices }
  /** Forget an inspected draft the user abandoned (frees its bytes in the worker). */
  | { type: 'discard-draft'; requestId: number }
  /** Null distribution of an imported model from the bundled natural stimuli (progress, then 'null-built'). */
  | { type: 'build-null'; modelId: string; pairs: number; seed: number }
  | { type: 'cancel-null' }
  | { type: 'delete-model'; modelId: string }
  /**
   * Who else is fooled: classify inputs of `sourceModelId` (each [inputSpec.shape] raw values,
   * e.g. the metamers of a grid) by each of `readers` (fitted to each reader's input).
   */
  | { type: 'recognise'; requestId: number; sourceModelId: string; readers: string[]; inputs: Float32Array[] };

/** One file of a model to import, as the user dropped, picked or fetched it. */
export interface ImportFile {
  name: string;
  bytes: ArrayBuffer;
}

/** A candidate stage of an imported model (stage discovery), as the import panel lists it. */
export interface DraftStage {
  /** Paper name when the architecture is recognised (relu0, layer1, ...), else derived (relu_3). */
  name: string;
  kind: string;
  /** Activation shape without the batch dimension. */
  shape: number[];
  /** The ONNX value (or layer) it reads, and its op. */
  value: string;
  opType: string;
  /** Pre-checked in the panel: the paper's stages for a recognised architecture. */
  suggested: boolean;
}

/** What the page learns from 'inspect-model': enough to fill the import panel. */
export interface ImportDraftSummary {
  /** File format: 'onnx', or TF.js 'layers' / 'graph'. */
  kind: string;
  /** Recognised architecture family ('alexnet', 'resnet', 'vgg') or null. */
  architecture: string | null;
  candidates: DraftStage[];
  /** Input spec guessed from the input's dims; the panel lets the user correct it. */
  inputGuess: InputSpec;
  layout: 'NCHW' | 'NHWC';
  channelOrder: 'RGB' | 'BGR';
  /** Set when the input is fixed by a front end ('cochleagram': 2-s, 20-kHz clips), so the spec is not editable. */
  fixedInput: 'cochleagram' | null;
  /** The graph input's dims (batch 1), for display and for checking the spec. */
  inputDims: number[];
  /** The model file (.onnx or model.json) and every file it needs. */
  modelFile: string;
  fileNames: string[];
  totalBytes: number;
}

/** The user's choices in the import panel. */
export interface ImportChoices {
  name: string;
  stages: string[];
  inputSpec: InputSpec;
  channelOrder?: 'RGB' | 'BGR';
}

/** Facts about an imported model the page shows beside its card. */
export interface ImportedModelInfo {
  hasNull: boolean;
  bytes: number;
  /** False when it could not be saved (storage full or unavailable): gone after a reload. */
  saved: boolean;
}

/** Which stimulus a cochleagram belongs to: the reference, the start noise x_0, or a metamer iterate. */
export type CochleagramWhich = 'reference' | 'start' | 'metamer';

export type WorkerEvent =
  | { type: 'ready'; backend: string; fallbacks: BackendFallback[] }
  /**
   * The models (manifests only, nothing built): built-in first, then imported ones; sent just
   * before 'ready', and again whenever an imported model is added, changed or deleted.
   */
  | { type: 'models'; manifests: ModelManifest[]; imported: Record<string, ImportedModelInfo>; storageError?: string }
  | { type: 'model-draft'; requestId: number; draft: ImportDraftSummary }
  /**
   * A one-line reason the import (inspection, build or save) failed; the app keeps working.
   * requestId -1: not an answer to a request (a failed delete).
   */
  | { type: 'import-error'; requestId: number; message: string }
  /** The model is built and listed; saveError says why it is not kept across reloads (null: saved). */
  | { type: 'model-imported'; requestId: number; manifest: ModelManifest; saveError: string | null }
  /** Null build progress: overall fraction 0..1 and a line saying what is being done. */
  | { type: 'null-progress'; modelId: string; fraction: number; detail: string }
  | { type: 'null-built'; modelId: string; stages: NullDistribution['stages']; pairs: number; saveError: string | null }
  | { type: 'null-failed'; modelId: string; message: string; cancelled: boolean }
  | {
      type: 'model';
      manifest: ModelManifest;
      reference: { shape: number[]; data: Float32Array };
      /** The whole stored null (histograms, quantiles) per stage and metric, for the page's plots. */
      nullStages: NullDistribution['stages'] | null;
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
  /** Answer to 'recognise': results[input][reader], or the one-line reason it failed. */
  | { type: 'recognition'; requestId: number; results: Recognition[][] | null; error?: string }
  /** An all-stages batch began: how it runs (batched or one stage after another), its stages and steps per stage. */
  | {
      type: 'batch-started'; mode: 'batched' | 'sequential'; reason: string; stages: string[]; totalSteps: number;
      /** Every stage's config is this one with its own stage. */
      config: RunConfig; manifest: ModelManifest;
    }
  /** One stage's engine event in an all-stages batch (the events a separate run of that stage sends). */
  | { type: 'stage-event'; stage: string; event: EngineEvent }
  /** One stage of the batch is complete: its success test (null without a null distribution). */
  | { type: 'stage-verdict'; stage: string; verdict: Verdict | null }
  /** The batch is over (every stage done or failed, or stopped). */
  | { type: 'batch-done'; stopped: boolean }
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
  if (event.type === 'stage-event' && event.event.type === 'snapshot') return [event.event.data.buffer as ArrayBuffer];
  if (event.type === 'cochleagram') return [event.data.buffer as ArrayBuffer];
  if (event.type === 'checkpoint') {
    const { x, adam } = event.state;
    return [x.buffer as ArrayBuffer, ...(adam ? [adam.m.buffer as ArrayBuffer, adam.v.buffer as ArrayBuffer] : [])];
  }
  return [];
}
