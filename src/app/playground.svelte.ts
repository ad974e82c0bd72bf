/**
 * What the playground page does, apart from its layout (App.svelte): the choices (model, stage,
 * settings, reference), starting, resuming, opening and exporting runs, the all-stages batch,
 * and the wiring of the worker client (transport), the run session (the one home of the run,
 * read by every panel), the recorder (IndexedDB) and the batch.
 */
import { EngineClient } from '../worker/client.svelte.ts';
import { parsePageParams, toSearch, type PageParams } from './url-params.ts';
import type { RunSettingsState } from './run-settings.ts';
import { SavedRuns } from './saved-runs.svelte.ts';
import { RunSession } from './run-session.svelte.ts';
import { isLive, latestMetrics, type PageStatus, type RunHistory, type SessionEvent } from './run-history.ts';
import { newRunId, type SavedReference, type SavedRun } from '../export/saved-run.ts';
import { weightsHashOf } from '../models/weights-hash.ts';
import { runConfigFor } from '../engine/run-recipe.ts';
import type { NullDistribution } from '../engine/types.ts';
import { fetchModelSource } from '../models/source-fetch.ts';
import { isFinished, newGrid, stopAll, type AllStagesGrid, type GridCell } from './all-stages.ts';
import { BatchRecorder, foldBatchEvent, foldBatchProgress, startBatchGrid, type BatchProgress } from './batch-follow.ts';
import { StepRate } from '../worker/step-rate.ts';
import { metamerFile, runJsonFile } from '../export/metamer-file.ts';
import { gridZip, gridFolderName, gridIndex } from '../export/grid-zip.ts';
import { downloadBytes } from '../export/download.ts';
import { runFromView } from './run-from-view.ts';
import type { ImageReferenceChoice } from './image-reference.ts';
import { loadReferenceClip, type ReferenceClip } from './audio-reference.ts';
import type { RunFile } from '../export/open-run.ts';
import { quizSetFromGrid, type QuizSet } from '../export/quiz-set.ts';
import { readersOf } from '../models/recognition/readers.ts';
import type { Recognition } from '../models/recognition/recognise.ts';
import { referenceLabelOf } from './recognition/reference-label.ts';
import type { PreparedSet } from '../export/prepared-run.ts';
import { preparedFromRuns, type PreparedSource } from '../export/prepared-from-runs.ts';
import { loadPreparedSet } from './replay/load-prepared.ts';
import { TimingView } from './run-timing.svelte.ts';
import type { TimeAlternative } from './run-timing.ts';

export class Playground {
  readonly params: PageParams = parsePageParams(location.search);
  readonly client = new EngineClient(this.params.backend);
  readonly saved = new SavedRuns();
  readonly session = new RunSession(this.client);

  model = $state(this.params.model);
  stage = $state(this.params.stage ?? '');
  settings = $state<RunSettingsState>(pickSettings(this.params));
  /** Image models: the bundled reference in use, or the user's own picture. */
  imageReference = $state.raw<ImageReferenceChoice>({ kind: 'bundled', index: this.params.referenceIndex });
  /** Audio models: the user's own clip, used by every run until replaced. */
  userReference = $state.raw<ReferenceClip | null>(null);
  pageError = $state<string | null>(null);
  padWithZeros = $state(false);
  grid = $state.raw<AllStagesGrid | null>(null);
  /** The all-stages batch's progress (null: none yet). */
  batch = $state.raw<BatchProgress | null>(null);
  /** The batch's steps per second (a step of one stage each), for the progress bar. */
  batchStepsPerSecond = $state(0);
  private readonly batchRate = new StepRate();
  /** What opening run files did ("Opened 2 runs."). */
  openedNote = $state<string | null>(null);
  private autostarted = false;
  /** Bumped whenever a run starts or is opened: the run view scrolls into sight. */
  reveal = $state(0);
  /** The prepared set replayed (lecture mode: ?replay=<id> or a file), or null. */
  replaySet = $state.raw<PreparedSet | null>(null);
  /** What the run is doing about time, and faster alternatives for a run longer than a lecture. */
  readonly timing = new TimingView(this.client, () => ({ status: this.status, step: this.run.step, totalSteps: this.run.totalSteps }));
  private restartPending = false;

  get run(): RunHistory {
    return this.session.history;
  }

  // Manifests come from the worker right after the backend is ready; the run's own manifest wins.
  readonly pickedManifest = $derived(this.client.models.find((m) => m.id === this.model) ?? null);
  readonly manifest = $derived(this.session.history.manifest ?? this.pickedManifest);
  readonly modelIds = $derived(this.client.models.length ? this.client.models.map((m) => m.id) : [this.model]);
  readonly stages = $derived(this.pickedManifest?.stages.map((s) => s.name) ?? []);
  readonly range = $derived<[number, number]>(this.manifest?.inputSpec.range ?? [0, 1]);
  readonly audio = $derived(this.pickedManifest?.inputSpec.modality === 'audio');
  readonly sampleRate = $derived(this.manifest?.inputSpec.sampleRate ?? 20000);
  /** A run is live in the worker (a saved run that is only shown, even if paused, is not). */
  readonly active = $derived(isLive(this.session.history) || this.batch?.live === true);
  readonly status = $derived<PageStatus>(this.client.state === 'starting' ? 'starting'
    : this.batch?.live ? 'running'
    : this.session.history.status === 'idle' ? (this.client.state === 'error' ? 'error' : 'ready') : this.session.history.status);
  readonly metrics = $derived(latestMetrics(this.session.history));
  readonly modelMissing = $derived(this.client.models.length > 0 && !this.pickedManifest ? `unknown model "${this.model}"` : null);
  readonly stageVerdicts = $derived(Object.fromEntries((this.grid?.cells ?? []).filter((c) => c.verdict).map((c) => [c.stage, c.verdict?.pass])));
  readonly readout = $derived(this.session.history.readout?.reference
    ? { reference: this.session.history.readout.reference, metamer: this.session.history.readout.metamer } : null);
  readonly shownError = $derived(this.session.history.error ?? this.client.error ?? this.pageError ?? this.client.importError ?? this.modelMissing);

  /** Wires the stores together; call once from the page's component (it owns the effects). */
  connect(onDestroy: (fn: () => void) => void): void {
    void this.saved.open();
    const unsubscribe = this.session.subscribe((e, h) => {
      this.saved.recorder?.handle(e);
      this.followBatch(e);
    });
    onDestroy(() => {
      unsubscribe();
      this.timing.dispose();
      this.session.dispose();
      this.client.dispose();
    });
    const replay = new URLSearchParams(location.search).get('replay');
    if (replay) {
      loadPreparedSet(replay).then((set) => (this.replaySet = set), (err: unknown) => (this.pageError = err instanceof Error ? err.message : String(err)));
    }
    // An alternative taken for a long run: start again once the stop has landed.
    $effect(() => {
      if (this.restartPending && (this.status === 'stopped' || this.status === 'done')) {
        this.restartPending = false;
        this.start();
      }
    });
    // Keep the stage valid for the chosen model (URL stage first, else the shallowest).
    $effect(() => {
      if (this.stages.length && !this.stages.includes(this.stage)) this.stage = this.stages[0];
    });
    $effect(() => {
      if (this.params.autostart && !this.autostarted && this.status === 'ready' && this.stages.includes(this.stage)) {
        this.autostarted = true;
        this.start();
      }
    });
  }

  /** The URL that reproduces the current choice (shareable; written on every run). */
  shareSearch(): string {
    return toSearch({
      ...this.params, ...this.settings, model: this.model, stage: this.stage, autostart: false,
      referenceIndex: this.imageReference.kind === 'bundled' ? this.imageReference.index : 0,
    });
  }

  private savedReference(): { reference: SavedReference; data?: Float32Array; index: number } {
    const spec = this.pickedManifest?.inputSpec;
    const user = this.userReference;
    if (spec?.modality === 'audio') {
      if (user && user.samples.length === spec.shape[0]) {
        return { reference: { kind: 'user', name: user.name, shape: [spec.shape[0]], data: user.samples }, data: user.samples, index: 0 };
      }
      return { reference: { kind: 'bundled', index: 0 }, index: 0 };
    }
    const image = this.imageReference;
    if (image.kind === 'user') return { reference: { kind: 'user', name: image.name, shape: image.shape, data: image.data }, data: image.data, index: 0 };
    return { reference: { kind: 'bundled', index: image.index }, index: image.index };
  }

  /** Starts a run at `runStage` (the picked stage by default); a batch passes its group. */
  start(runStage: string = this.stage, group?: string): void {
    const manifest = this.pickedManifest;
    if (!manifest) return;
    history.replaceState(null, '', this.shareSearch());
    this.pageError = null;
    this.reveal++;
    const { reference, data, index } = this.savedReference();
    const config = runConfigFor(runStage, this.settings);
    this.session.dispatch({
      type: 'begin', id: newRunId(), modelId: this.model, config,
      record: { modelName: manifest.name, reference, measure: this.settings.measure, backend: this.client.backend ?? '', group },
    });
    this.client.start(this.model, config, index, this.settings.measure, data);
  }

  /** Continues a saved run from its last checkpoint (after a reload, or a reopened paused run). */
  async resumeSaved(id: string): Promise<void> {
    const stored = await this.saved.get(id);
    if (!stored?.state) {
      this.pageError = 'This run has no saved state to resume from: start it again instead.';
      return;
    }
    const run = await this.saved.rewind(stored, stored.state.step);
    this.restoreChoices(run);
    this.saved.interrupted = null;
    const ref = run.reference;
    const state = stored.state;
    this.session.dispatch({
      type: 'begin', id: run.id, modelId: run.modelId, config: state.config, resumed: run,
      record: { modelName: run.modelName, reference: ref, measure: run.settings.measure, backend: this.client.backend ?? '', group: run.group },
    });
    this.client.start(run.modelId, state.config, ref.kind === 'bundled' ? ref.index : 0, run.settings.measure,
      ref.kind === 'user' ? ref.data : undefined, state);
  }

  /** Model, stage, reference and seed of a saved run become the page's choices (so the URL shares it). */
  private restoreChoices(r: SavedRun): void {
    this.model = r.modelId;
    this.stage = r.stage;
    this.settings = { ...this.settings, seed: r.settings.config.seed, measure: r.settings.measure };
    if (r.reference.kind === 'bundled') this.imageReference = { kind: 'bundled', index: r.reference.index };
    history.replaceState(null, '', this.shareSearch());
  }

  /** Shows a saved run without running it: the same panels as a live run. */
  async openSaved(id: string): Promise<void> {
    if (this.active) return;
    const r = await this.saved.get(id);
    if (!r) {
      this.pageError = 'That run is no longer saved.';
      return;
    }
    this.restoreChoices(r);
    this.reveal++;
    const manifest = this.client.models.find((m) => m.id === r.modelId) ?? null;
    // The null histograms of its model, when the current run's are that model's.
    const nullStages = this.session.history.modelId === r.modelId ? this.session.history.nullStages : null;
    this.session.dispatch({ type: 'open', run: r, manifest, nullStages });
    // A built-in model's stored null is a static file: fetch it for the null histograms.
    if (!nullStages && manifest?.null && !this.client.imported[manifest.id]) {
      fetchModelSource(`${import.meta.env.BASE_URL}models/`).readJson<NullDistribution>(`${manifest.id}/${manifest.null}`)
        .then((d) => {
          const h = this.session.history;
          if (h.shown && h.id === r.id) this.session.dispatch({ type: 'null', modelId: r.modelId, stages: d.stages });
        })
        .catch((err: unknown) => console.warn(`null histograms unavailable: ${err instanceof Error ? err.message : String(err)}`));
    }
  }

  resume(): void {
    const h = this.session.history;
    if (h.shown && h.id && h.status === 'paused') void this.resumeSaved(h.id);
    else if (h.status === 'paused') this.client.resume();
  }

  pause(): void {
    if (this.session.history.status === 'running') this.client.pause();
  }

  stop(): void {
    if (this.grid && !isFinished(this.grid)) this.stopBatch();
    else if (this.active) this.client.stop();
  }

  togglePause(): void {
    if (this.session.history.status === 'paused') this.resume();
    else this.pause();
  }

  // ---- All stages ---------------------------------------------------------------------------

  /** The batch's per-stage run savers (null: no batch, or no storage). */
  private batchRecorder: BatchRecorder | null = null;

  /** One worker batch: every stage optimised together (or one after another where the model needs batch 1). */
  generateAllStages(): void {
    const manifest = this.pickedManifest;
    if (!manifest || this.active) return;
    const seed = this.settings.seed ?? 0;
    // One seed for every stage, so the metamers differ only by the stage they match.
    if (this.settings.seed === undefined) this.settings = { ...this.settings, seed };
    history.replaceState(null, '', this.shareSearch());
    this.pageError = null;
    const { reference, data, index } = this.savedReference();
    const grid = startBatchGrid(newGrid(newRunId(), this.model, this.stages, seed), () => newRunId());
    this.grid = grid;
    const config = runConfigFor(this.stages[0], this.settings);
    this.batchRecorder = BatchRecorder.begin(grid, () => this.saved.newRecorder(),
      { modelId: this.model, modelName: manifest.name, reference, config, measure: this.settings.measure, backend: this.client.backend ?? '' });
    this.batch = { mode: null, reason: '', stages: [...this.stages], step: 0, totalSteps: 0, live: true };
    this.batchRate.reset();
    this.client.startAll(this.model, [...this.stages], config, index, this.settings.measure, data);
  }

  stopBatch(): void {
    if (this.grid) this.grid = stopAll(this.grid);
    if (this.active) this.client.stop();
  }

  /** The batch's events fill the grid's cells (as each stage ends) and save each stage as a run. */
  private followBatch(e: SessionEvent): void {
    if (e.type !== 'batch-started' && e.type !== 'stage-event' && e.type !== 'stage-verdict' && e.type !== 'batch-done' && e.type !== 'fatal') return;
    this.batchRecorder?.handle(e);
    if (this.grid && !isFinished(this.grid)) this.grid = foldBatchEvent(this.grid, e);
    const before = this.batch;
    this.batch = foldBatchProgress(before, e);
    if (this.batch && this.batch !== before && e.type === 'stage-event') {
      this.batchRate.observe(performance.now(), this.batch.step);
      this.batchStepsPerSecond = this.batchRate.perSecond();
    }
    // A completed batch shows its deepest finished stage's run (plots, readers' recognition), once saved.
    if (e.type === 'batch-done' && !e.stopped && this.grid) {
      const last = this.grid.cells.filter((c) => c.state === 'done' && c.runId).at(-1);
      const recorder = this.batchRecorder;
      if (last) void (recorder ? recorder.settled() : Promise.resolve()).then(() => this.openCell(last));
    }
  }

  // ---- Who else is fooled: other models' recognition of the grid, and a quiz for people --------

  readonly gridReaders = $derived(this.pickedManifest ? readersOf(this.pickedManifest, this.client.models, true) : []);
  readonly gridReferenceLabel = $derived(referenceLabelOf(this.pickedManifest,
    this.audio ? (this.userReference ? null : 0) : this.imageReference.kind === 'bundled' ? this.imageReference.index : null,
    this.session.history.readout));
  quizSet = $state.raw<QuizSet | null>(null);

  recognise(readers: string[], inputs: Float32Array[]): Promise<Recognition[][]> {
    return this.client.recognise(this.grid?.modelId ?? this.model, readers, inputs);
  }

  openQuiz(modelRecognition: Record<string, (number | null)[]> | undefined): void {
    const grid = this.grid;
    const manifest = this.pickedManifest;
    const label = this.gridReferenceLabel;
    if (!grid || !manifest?.classes || !label) return;
    this.quizSet = quizSetFromGrid({
      group: grid.group, modelId: manifest.id, modelName: manifest.name, modality: manifest.inputSpec.modality,
      classes: manifest.classes, range: this.range, sampleRate: manifest.inputSpec.sampleRate, label,
      metamers: grid.cells.flatMap((c) => (c.state === 'done' && c.snapshot ? [{ stage: c.stage, ...c.snapshot }] : [])),
      stages: grid.cells.map((c) => c.stage), references: manifest.references,
      modelsBase: `${import.meta.env.BASE_URL}models/`, modelRecognition,
    });
  }

  openCell(cell: GridCell): void {
    if (cell.runId) void this.openSaved(cell.runId);
  }

  async exportGrid(): Promise<void> {
    const manifest = this.pickedManifest;
    if (!this.grid || !manifest) return;
    await this.saved.recorder?.settled();
    const entries = [];
    for (const cell of this.grid.cells) {
      if (cell.state !== 'done' || !cell.runId) continue;
      const r = await this.saved.get(cell.runId);
      const file = r ? metamerFile(r, manifest) : null;
      if (r && file) entries.push({ stage: cell.stage, run: r, file: { name: file.name, bytes: file.bytes } });
    }
    if (!entries.length) {
      this.pageError = 'Nothing to export yet: no stage of this batch has been saved (is saving disabled?).';
      return;
    }
    const now = new Date();
    const name = gridFolderName(manifest, gridIndex(entries, manifest, { now }));
    downloadBytes(gridZip(entries, manifest, { now }), `${name}.zip`, 'application/zip');
  }

  // ---- Exports of the current run -------------------------------------------------------------

  private async currentRun(): Promise<SavedRun | null> {
    const h = this.session.history;
    const manifest = this.manifest;
    if (!h.id || !manifest) return null;
    await this.saved.recorder?.settled();
    const stored = await this.saved.get(h.id).catch(() => undefined);
    if (stored) return stored;
    if (!h.config) return null;
    return runFromView({
      id: h.id, modelId: manifest.id, modelName: manifest.name, weightsHash: await weightsHashOf(manifest),
      stage: h.stage ?? this.stage, reference: this.savedReference().reference, config: h.config, measure: this.settings.measure,
      backend: this.client.backend ?? '', status: h.status === 'done' ? 'done' : h.status === 'paused' ? 'paused' : 'stopped',
      step: h.step, totalSteps: h.totalSteps, records: h.records, metrics: latestMetrics(h), verdict: h.verdict,
      snapshot: h.metamer, now: Date.now(),
    });
  }

  async exportMetamer(): Promise<void> {
    const r = await this.currentRun();
    const file = r && this.manifest ? metamerFile(r, this.manifest) : null;
    if (!file) {
      this.pageError = 'There is no metamer to export yet.';
      return;
    }
    downloadBytes(file.bytes, file.name, file.mime);
  }

  async exportJson(): Promise<void> {
    const r = await this.currentRun();
    if (!r || !this.manifest) {
      this.pageError = 'There is no run to export yet.';
      return;
    }
    const file = runJsonFile(r, this.manifest);
    downloadBytes(file.bytes, file.name, file.mime);
  }

  // ---- Prepared runs (lecture mode) -------------------------------------------------------------

  openPrepared(set: PreparedSet): void {
    this.pageError = null;
    this.replaySet = set;
    scrollTo({ top: 0 });
  }

  closeReplay(): void {
    this.replaySet = null;
    history.replaceState(null, '', this.shareSearch());
  }

  /** The reference of the run on screen, with its label, for a prepared set (null: the page does not have its values). */
  private preparedReference(): { data: Float32Array; label: string; index: number | null } | null {
    const ref = this.savedReference().reference;
    const data = this.session.history.reference?.data ?? (ref.kind === 'user' ? ref.data : null);
    if (!data) return null;
    const label = ref.kind === 'user' ? ref.name : this.pickedManifest?.references[ref.index]?.label ?? `reference ${ref.index}`;
    return { data, label, index: ref.kind === 'bundled' ? ref.index : null };
  }

  private downloadPrepared(sources: PreparedSource[]): void {
    const reference = this.preparedReference();
    if (!this.manifest || !reference) {
      this.pageError = 'The reference of this run is not loaded: run it (or its batch) again, then export it for a lecture.';
      return;
    }
    try {
      const set = preparedFromRuns(sources, this.manifest, reference);
      downloadBytes(new TextEncoder().encode(`${JSON.stringify(set)}\n`), `prepared-${set.id}.json`, 'application/json');
    } catch (err) {
      this.pageError = err instanceof Error ? err.message : String(err);
    }
  }

  /** The run on screen as a prepared set (one file that replays it later or elsewhere, offline). */
  async exportPrepared(): Promise<void> {
    const r = await this.currentRun();
    if (!r) {
      this.pageError = 'There is no run to export yet.';
      return;
    }
    const h = this.session.history;
    const readout = h.readout?.reference && h.readout.metamer
      ? { labels: h.readout.labels, reference: h.readout.reference, metamer: h.readout.metamer } : null;
    this.downloadPrepared([{ run: r, start: h.start, readout }]);
  }

  /** Every finished stage of the all-stages batch as one prepared set. */
  async exportGridPrepared(): Promise<void> {
    if (!this.grid) return;
    await this.saved.recorder?.settled();
    const sources: PreparedSource[] = [];
    for (const cell of this.grid.cells) {
      const r = cell.state === 'done' && cell.runId ? await this.saved.get(cell.runId) : undefined;
      if (r?.snapshot) sources.push({ run: r });
    }
    if (!sources.length) {
      this.pageError = 'Nothing to export yet: no stage of this batch has been saved (is saving disabled?).';
      return;
    }
    this.downloadPrepared(sources);
  }

  /** A faster alternative for a run longer than a lecture: a new budget (restarts the run), or another backend (reloads). */
  takeAlternative(a: TimeAlternative): void {
    if (a.kind === 'backend' && a.backend) {
      location.assign(toSearch({ ...this.params, ...this.settings, model: this.model, stage: this.stage,
        backend: a.backend as PageParams['backend'], autostart: true,
        referenceIndex: this.imageReference.kind === 'bundled' ? this.imageReference.index : 0 }));
      return;
    }
    this.settings = a.kind === 'quick' ? { ...this.settings, preset: 'quick', steps: undefined, passes: undefined } : { ...this.settings, steps: a.steps };
    this.restartPending = true;
    this.stop();
  }

  // ---- Runs made elsewhere (CLI folders, exports) -----------------------------------------------

  async openFiles(files: RunFile[]): Promise<void> {
    this.pageError = null;
    const { opened, errors } = await this.saved.openRecords(files);
    this.openedNote = opened.length ? `Opened ${opened.length} run${opened.length === 1 ? '' : 's'}.` : null;
    if (errors.length) this.pageError = errors.join(' · ');
    if (opened.length === 1 && !this.active) await this.openSaved(opened[0].id);
  }

  // ---- References -----------------------------------------------------------------------------

  /** Audio: a file picked or dropped on the reference panel: decode, cut the clip, run with it. */
  async useAudioFile(file: File): Promise<void> {
    const spec = this.pickedManifest?.inputSpec;
    if (!spec || spec.modality !== 'audio') return;
    this.pageError = null;
    try {
      this.userReference = await loadReferenceClip(file, { length: spec.shape[0], sampleRate: spec.sampleRate ?? 20000, padWithZeros: this.padWithZeros });
    } catch (err) {
      this.pageError = err instanceof Error ? err.message : String(err);
      return;
    }
    if (!this.active && this.client.state === 'ready') this.start();
  }

  useBundledAudio(): void {
    this.userReference = null;
    this.start();
  }

  pickImage(choice: ImageReferenceChoice): void {
    this.pageError = null;
    this.imageReference = choice;
    history.replaceState(null, '', this.shareSearch());
  }

  pickModel(): void {
    this.imageReference = { kind: 'bundled', index: 0 };
    this.userReference = null;
    this.grid = null;
    history.replaceState(null, '', this.shareSearch());
  }

  /** Imported models: after an import the new model is picked; a deleted picked model gives way to the first. */
  pickImported(id: string): void {
    this.model = id;
    this.pickModel();
  }

  deleteImported(id: string): void {
    if (id === this.model) this.pickImported(this.client.models.find((m) => m.id !== id)?.id ?? this.model);
    this.client.deleteModel(id);
  }

  deleteSaved(id: string): void {
    void this.saved.delete(id);
  }
}

/**
 * The URL's settings. A link that names no step budget (a first visit) gets the quick preset,
 * so the first run ends with a verdict in well under a minute on wasm; the URL then says so.
 */
function pickSettings(p: PageParams): RunSettingsState {
  const { steps, passes, seed, optimizer, learningRate, eta0, fakeRelu, tv, alphaNorm, alpha, measure } = p;
  const preset = p.preset ?? (steps === undefined && passes === undefined ? 'quick' : undefined);
  return { preset, steps, passes, seed, optimizer, learningRate, eta0, fakeRelu, tv, alphaNorm, alpha, measure };
}
