/**
 * The page's handle on the engine worker: sends commands, and folds worker events into
 * reactive state (Svelte 5 runes). Step records are batched and published at most
 * ~10 times a second so the plot and table never redraw per step.
 */
import type { MetricSet, NullDistribution, StepRecord, Verdict } from '../engine/types.ts';
import type { RunState } from '../engine/metamer-run.ts';
import type { ModelManifest } from '../models/manifest.ts';
import type { BackendFallback, BrowserBackend } from '../platform/backend-names.ts';
import type { MeasureScope, RunConfig } from '../engine/types.ts';
import { totalSteps } from '../engine/presets.ts';
import { StepRate } from './step-rate.ts';
import type { Recognition } from '../models/recognition/recognise.ts';
import type {
  ImportChoices, ImportDraftSummary, ImportedModelInfo, ImportFile, WorkerCommand, WorkerEvent,
} from './protocol.ts';

/** The null build of an imported model, as the import panel shows it. */
export interface NullBuildState {
  modelId: string;
  status: 'running' | 'done' | 'failed' | 'cancelled';
  fraction: number;
  /** What is being done (running) or why it failed. */
  detail: string;
  /** Built but not saved in the browser: why. */
  saveError?: string | null;
}

interface PendingImport {
  resolve: (value: never) => void;
  reject: (err: Error) => void;
}

/** A cochleagram [channels, frames] of one stimulus, with each channel's frequency (Hz). */
export interface CochleagramImage extends Stimulus {
  frequencies: number[];
  /** Frames per second and the time (s) of frame 0's centre. */
  frameRate: number;
  startS: number;
}

export type RunStatus = 'starting' | 'ready' | 'loading' | 'running' | 'paused' | 'done' | 'stopped' | 'error';

export interface Stimulus {
  step: number;
  shape: number[];
  data: Float32Array;
}

const PUBLISH_MS = 100;

/** Softmax-ready class logits of the reference and the latest metamer (models with a readout). */
export interface ReadoutState {
  labels: string[];
  reference: number[] | null;
  metamer: number[] | null;
  metamerStep: number;
}

export class EngineClient {
  status = $state<RunStatus>('starting');
  backend = $state<string | null>(null);
  fallbacks = $state.raw<BackendFallback[]>([]);
  /** Models the worker can load (manifests only): built-in, then imported. */
  models = $state.raw<ModelManifest[]>([]);
  /** Imported models among `models`, by id. */
  imported = $state.raw<Record<string, ImportedModelInfo>>({});
  /** Why imported models are not saved across reloads (IndexedDB unavailable), or null. */
  modelStorageError = $state<string | null>(null);
  /** The latest null build of an imported model (null: none this session). */
  nullBuild = $state.raw<NullBuildState | null>(null);
  /** An import-related failure not tied to a pending request (e.g. a delete). */
  importError = $state<string | null>(null);
  /** Manifest of the model of the current run. */
  manifest = $state.raw<ModelManifest | null>(null);
  reference = $state.raw<Stimulus | null>(null);
  /** The stored null per stage and metric (histograms), for the null plots. */
  nullStages = $state.raw<NullDistribution['stages'] | null>(null);
  /** Complete configuration of the current run (what the page sent). */
  config = $state.raw<RunConfig | null>(null);
  readout = $state.raw<ReadoutState | null>(null);
  /** First and latest image of the optimisation (the noise start and the current metamer). */
  firstSnapshot = $state.raw<Stimulus | null>(null);
  snapshot = $state.raw<Stimulus | null>(null);
  records = $state.raw<StepRecord[]>([]);
  step = $state(0);
  totalSteps = $state(0);
  stepsPerSecond = $state(0);
  metrics = $state.raw<{ step: number; stages: Record<string, MetricSet> } | null>(null);
  verdict = $state.raw<Verdict | null>(null);
  stage = $state<string | null>(null);
  error = $state<string | null>(null);
  /** Audio models: cochleagrams of the reference, the start noise and the latest metamer. */
  referenceCochleagram = $state.raw<CochleagramImage | null>(null);
  startCochleagram = $state.raw<CochleagramImage | null>(null);
  metamerCochleagram = $state.raw<CochleagramImage | null>(null);

  private readonly worker: Worker;
  private pending: StepRecord[] = [];
  private pendingSnapshot: Stimulus | null = null;
  private publishTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly rate = new StepRate();
  /** Raw worker events for observers such as the run recorder (every delta, unbatched). */
  private readonly observers = new Set<(e: WorkerEvent) => void>();
  private nextRequestId = 1;
  private readonly pendingImports = new Map<number, PendingImport>();
  private readonly pendingRecognitions = new Map<number, { resolve: (r: Recognition[][]) => void; reject: (e: Error) => void }>();

  constructor(backend?: BrowserBackend) {
    this.worker = new Worker(new URL('./engine.worker.ts', import.meta.url), { type: 'module' });
    this.worker.addEventListener('message', (e: MessageEvent<WorkerEvent>) => this.receive(e.data));
    this.worker.addEventListener('error', (e) => this.fail(e.message || 'the engine worker failed to load'));
    this.send({ type: 'init', backend });
  }

  /** referenceData: the user's own reference (already in the model's input format), else the bundled one. */
  start(modelId: string, config: RunConfig, referenceIndex = 0, measure: MeasureScope = 'all',
    referenceData?: Float32Array, resume?: RunState): void {
    this.flush();
    this.status = 'loading';
    this.stage = config.stage;
    this.totalSteps = totalSteps(config);
    this.error = null;
    this.records = [];
    this.pending = [];
    this.step = 0;
    this.metrics = null;
    this.verdict = null;
    this.firstSnapshot = null;
    this.snapshot = null;
    this.referenceCochleagram = null;
    this.startCochleagram = null;
    this.metamerCochleagram = null;
    this.readout = null;
    this.config = config;
    this.rate.reset();
    this.stepsPerSecond = 0;
    // Copies are sent, so the caller keeps its arrays.
    this.send({ type: 'start', modelId, config: structuredClone(config), referenceIndex, measure, referenceData: referenceData?.slice(),
      resume: resume ? structuredClone(resume) : undefined });
  }

  /** Calls `fn` with every worker event as it arrives; returns the unsubscribe function. */
  observe(fn: (e: WorkerEvent) => void): () => void {
    this.observers.add(fn);
    return () => this.observers.delete(fn);
  }

  /**
   * Shows a finished or saved run without running anything (a reopened run): its history,
   * metrics and latest image, as if it had just been received.
   */
  show(view: {
    stage: string; status: RunStatus; step: number; totalSteps: number; records: StepRecord[];
    metrics: { step: number; stages: Record<string, MetricSet> } | null; verdict: Verdict | null;
    snapshot: Stimulus | null; reference: Stimulus | null; config: RunConfig | null;
  }): void {
    this.flush();
    this.stage = view.stage;
    this.status = view.status;
    this.step = view.step;
    this.totalSteps = view.totalSteps;
    this.records = view.records;
    this.metrics = view.metrics;
    this.verdict = view.verdict;
    this.snapshot = view.snapshot;
    this.firstSnapshot = null;
    this.reference = view.reference;
    this.config = view.config;
    this.readout = null;
    this.error = null;
    this.stepsPerSecond = 0;
  }

  pause(): void {
    if (this.status === 'running') this.send({ type: 'pause' });
  }

  resume(): void {
    if (this.status !== 'paused') return;
    this.status = 'running';
    this.rate.reset();
    this.send({ type: 'resume' });
  }

  togglePause(): void {
    if (this.status === 'running') this.pause();
    else if (this.status === 'paused') this.resume();
  }

  stop(): void {
    if (this.status === 'running' || this.status === 'paused' || this.status === 'loading') this.send({ type: 'stop' });
  }

  /**
   * Sends model files to the worker to inspect (their bytes are transferred: the caller must
   * not use them afterwards). Resolves with the draft and its request id, which importModel
   * and discardDraft take; rejects with the worker's one-line reason.
   */
  inspect(files: ImportFile[]): Promise<{ requestId: number; draft: ImportDraftSummary }> {
    const requestId = this.nextRequestId++;
    const done = this.awaitImport<ImportDraftSummary>(requestId).then((draft) => ({ requestId, draft }));
    this.worker.postMessage({ type: 'inspect-model', requestId, files } satisfies WorkerCommand, files.map((f) => f.bytes));
    return done;
  }

  /** Builds and saves the model of an inspected draft; resolves once it is listed among the models. */
  importModel(requestId: number, choices: ImportChoices): Promise<{ manifest: ModelManifest; saveError: string | null }> {
    const done = this.awaitImport<{ manifest: ModelManifest; saveError: string | null }>(requestId);
    this.send({ type: 'import-model', requestId, choices: $state.snapshot(choices) as ImportChoices });
    return done;
  }

  /** Who else is fooled: results[input][reader] for inputs of `sourceModelId` (see the 'recognise' command). */
  recognise(sourceModelId: string, readers: string[], inputs: Float32Array[]): Promise<Recognition[][]> {
    const requestId = this.nextRequestId++;
    const copies = inputs.map((x) => Float32Array.from(x));
    return new Promise((resolve, reject) => {
      this.pendingRecognitions.set(requestId, { resolve, reject });
      this.worker.postMessage(
        { type: 'recognise', requestId, sourceModelId, readers: [...readers], inputs: copies } satisfies WorkerCommand,
        copies.map((c) => c.buffer as ArrayBuffer),
      );
    });
  }

  discardDraft(requestId: number): void {
    this.send({ type: 'discard-draft', requestId });
  }

  buildNull(modelId: string, pairs: number, seed: number): void {
    this.nullBuild = { modelId, status: 'running', fraction: 0, detail: 'starting' };
    this.send({ type: 'build-null', modelId, pairs, seed });
  }

  cancelNull(): void {
    if (this.nullBuild?.status === 'running') this.send({ type: 'cancel-null' });
  }

  deleteModel(modelId: string): void {
    this.importError = null;
    this.send({ type: 'delete-model', modelId });
  }

  private awaitImport<T>(requestId: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pendingImports.set(requestId, { resolve: resolve as (value: never) => void, reject });
    });
  }

  private settleImport(requestId: number, value: unknown, error?: string): void {
    const pending = this.pendingImports.get(requestId);
    if (!pending) {
      if (error) this.importError = error;
      return;
    }
    this.pendingImports.delete(requestId);
    if (error !== undefined) pending.reject(new Error(error));
    else pending.resolve(value as never);
  }

  dispose(): void {
    for (const p of this.pendingImports.values()) p.reject(new Error('the engine worker was closed'));
    this.pendingImports.clear();
    for (const p of this.pendingRecognitions.values()) p.reject(new Error('the engine worker was closed'));
    this.pendingRecognitions.clear();
    this.worker.terminate();
    if (this.publishTimer) clearTimeout(this.publishTimer);
  }

  private send(cmd: WorkerCommand): void {
    this.worker.postMessage(cmd);
  }

  private fail(message: string): void {
    this.flush();
    this.error = message;
    this.status = 'error';
  }

  private receive(msg: WorkerEvent): void {
    for (const fn of this.observers) fn(msg);
    switch (msg.type) {
      case 'ready':
        this.backend = msg.backend;
        this.fallbacks = msg.fallbacks;
        this.status = 'ready';
        return;
      case 'models':
        this.models = msg.manifests;
        this.imported = msg.imported;
        this.modelStorageError = msg.storageError ?? null;
        return;
      case 'model-draft':
        this.settleImport(msg.requestId, msg.draft);
        return;
      case 'recognition': {
        const pending = this.pendingRecognitions.get(msg.requestId);
        this.pendingRecognitions.delete(msg.requestId);
        if (msg.results) pending?.resolve(msg.results);
        else pending?.reject(new Error(msg.error ?? 'recognition failed'));
        return;
      }
      case 'model-imported':
        this.settleImport(msg.requestId, { manifest: msg.manifest, saveError: msg.saveError });
        return;
      case 'import-error':
        this.settleImport(msg.requestId, null, msg.message);
        return;
      case 'null-progress':
        if (this.nullBuild?.modelId === msg.modelId && this.nullBuild.status === 'running') {
          this.nullBuild = { ...this.nullBuild, fraction: msg.fraction, detail: msg.detail };
        }
        return;
      case 'null-built':
        this.nullBuild = { modelId: msg.modelId, status: 'done', fraction: 1, detail: `${msg.pairs} pairs`, saveError: msg.saveError };
        if (this.manifest?.id === msg.modelId) this.nullStages = msg.stages;
        return;
      case 'null-failed':
        this.nullBuild = { modelId: msg.modelId, status: msg.cancelled ? 'cancelled' : 'failed', fraction: this.nullBuild?.fraction ?? 0, detail: msg.message };
        return;
      case 'model':
        this.manifest = msg.manifest;
        this.reference = { step: 0, shape: msg.reference.shape, data: msg.reference.data };
        this.nullStages = msg.nullStages;
        return;
      case 'checkpoint':
        return; // for observers (the run recorder) only
      case 'readout': {
        const prev = this.readout?.labels.length === msg.labels.length ? this.readout : null;
        this.readout = msg.which === 'reference'
          ? { labels: msg.labels, reference: msg.logits, metamer: prev?.metamer ?? null, metamerStep: prev?.metamerStep ?? 0 }
          : { labels: msg.labels, reference: prev?.reference ?? null, metamer: msg.logits, metamerStep: msg.step };
        return;
      }
      case 'verdict':
        this.verdict = msg.verdict;
        return;
      case 'fatal':
        this.fail(msg.message);
        return;
      case 'engine':
        this.receiveEngine(msg.event);
        return;
      case 'cochleagram': {
        const { step, shape, data, frequencies, frameRate, startS } = msg;
        const image = { step, shape, data, frequencies, frameRate, startS };
        if (msg.which === 'reference') this.referenceCochleagram = image;
        else if (msg.which === 'start') {
          // x_0 is also the metamer until the first update arrives.
          this.startCochleagram = image;
          this.metamerCochleagram = image;
        } else this.metamerCochleagram = image;
        return;
      }
    }
  }

  private receiveEngine(event: Extract<WorkerEvent, { type: 'engine' }>['event']): void {
    switch (event.type) {
      case 'started':
        this.totalSteps = event.totalSteps;
        this.step = event.step;
        this.status = 'running';
        this.rate.observe(performance.now(), event.step);
        return;
      case 'progress': {
        this.pending.push(...event.records);
        const last = event.records[event.records.length - 1];
        if (last) this.rate.observe(performance.now(), last.step + 1);
        this.schedulePublish();
        return;
      }
      case 'snapshot': {
        const stimulus = { step: event.step, shape: event.shape, data: event.data };
        if (!this.firstSnapshot) this.firstSnapshot = stimulus;
        this.pendingSnapshot = stimulus;
        this.schedulePublish();
        return;
      }
      case 'metrics':
        this.metrics = { step: event.step, stages: event.stages };
        return;
      case 'paused':
        this.flush();
        this.step = event.step;
        this.status = 'paused';
        return;
      case 'done':
        this.flush();
        this.step = event.step;
        this.status = event.stopped ? 'stopped' : 'done';
        return;
      case 'error':
        this.fail(`step ${event.step}: ${event.message}`);
        return;
    }
  }

  private schedulePublish(): void {
    if (this.publishTimer) return;
    this.publishTimer = setTimeout(() => this.flush(), PUBLISH_MS);
  }

  /** Publishes batched records and the latest snapshot to the reactive state. */
  private flush(): void {
    if (this.publishTimer) clearTimeout(this.publishTimer);
    this.publishTimer = null;
    if (this.pending.length) {
      this.records = this.records.concat(this.pending);
      this.step = this.pending[this.pending.length - 1].step + 1;
      this.pending = [];
    }
    if (this.pendingSnapshot) {
      this.snapshot = this.pendingSnapshot;
      this.pendingSnapshot = null;
    }
    this.stepsPerSecond = this.rate.perSecond();
  }
}
