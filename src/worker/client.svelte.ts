/**
 * The page's handle on the engine worker, transport only: sends commands and hands every worker
 * event to its observers (the page's run session folds the run's events; see
 * src/app/run-session.svelte.ts). It keeps only the worker's own state: backend, the model
 * list, imports and their null builds.
 */
import type { RunState } from '../engine/metamer-run.ts';
import type { ModelManifest } from '../models/manifest.ts';
import type { BackendFallback, BrowserBackend } from '../platform/backend-names.ts';
import type { MeasureScope, RunConfig } from '../engine/types.ts';
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

/** The worker's own state: starting up, ready, or failed to start. */
export type WorkerState = 'starting' | 'ready' | 'error';

export class EngineClient {
  state = $state<WorkerState>('starting');
  /** Why the worker could not start (or died); run errors go to the run session. */
  error = $state<string | null>(null);
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

  private readonly worker: Worker;
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

  /**
   * Starts a run: config is complete (runConfigFor); referenceData is the user's own reference
   * (already in the model's input format), else the bundled one at referenceIndex; resume continues
   * a checkpoint. Copies are sent, so the caller keeps its arrays.
   */
  start(modelId: string, config: RunConfig, referenceIndex = 0, measure: MeasureScope = 'all',
    referenceData?: Float32Array, resume?: RunState): void {
    this.send({ type: 'start', modelId, config: structuredClone(config), referenceIndex, measure, referenceData: referenceData?.slice(),
      resume: resume ? structuredClone(resume) : undefined });
  }

  /**
   * Generate all stages: one worker batch (batched where the model allows it, else stage after
   * stage); its events ('batch-started', 'stage-event', 'stage-verdict', 'batch-done') go to the
   * observers. config is complete (runConfigFor); each stage runs it at its own stage.
   */
  startAll(modelId: string, stages: string[], config: RunConfig, referenceIndex = 0, measure: MeasureScope = 'all',
    referenceData?: Float32Array): void {
    this.send({ type: 'start-all', modelId, stages: [...stages], config: structuredClone(config), referenceIndex, measure,
      referenceData: referenceData?.slice() });
  }

  /** Calls `fn` with every worker event as it arrives; returns the unsubscribe function. */
  observe(fn: (e: WorkerEvent) => void): () => void {
    this.observers.add(fn);
    return () => this.observers.delete(fn);
  }

  pause(): void {
    this.send({ type: 'pause' });
  }

  resume(): void {
    this.send({ type: 'resume' });
  }

  stop(): void {
    this.send({ type: 'stop' });
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
  }

  private send(cmd: WorkerCommand): void {
    this.worker.postMessage(cmd);
  }

  /** The worker itself failed (it did not load): the page cannot run anything. */
  private fail(message: string): void {
    this.error = message;
    this.state = 'error';
    for (const fn of this.observers) fn({ type: 'fatal', message });
  }

  private receive(msg: WorkerEvent): void {
    for (const fn of this.observers) fn(msg);
    switch (msg.type) {
      case 'ready':
        this.backend = msg.backend;
        this.fallbacks = msg.fallbacks;
        this.state = 'ready';
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
        return;
      case 'null-failed':
        this.nullBuild = { modelId: msg.modelId, status: msg.cancelled ? 'cancelled' : 'failed', fraction: this.nullBuild?.fraction ?? 0, detail: msg.message };
        return;
      case 'fatal':
        // Before the worker is ready a fatal error means it cannot start; later ones end a run.
        if (this.state === 'starting') {
          this.error = msg.message;
          this.state = 'error';
        }
        return;
      default:
        return; // run events: for the observers (the run session) only
    }
  }
}
