/**
 * The worker's side of "bring your own model": inspects dropped files into a draft, turns a
 * draft plus the user's choices into a model (manifest + in-memory files), keeps imported
 * models in IndexedDB (src/store/model-store.ts) so they survive a reload, and builds their
 * null distribution from the bundled natural stimuli. Runs in the worker so parsing, building
 * and the null never block the page. Imported models are then loaded like built-in ones, via
 * registry.loadModelFromManifest(manifest, memoryModelSource(files)).
 */
import * as tf from '@tensorflow/tfjs';
import { buildNullDistribution } from '../engine/null-builder.ts';
import type { NullDistribution } from '../engine/types.ts';
import type { LoadedModel, ModelManifest, ModelSource } from '../models/manifest.ts';
import { loadModelFromManifest } from '../models/registry.ts';
import { inspectModelFiles, manifestForImport } from '../models/import/import-model.ts';
import type { ImportDraft } from '../models/import/import-draft.ts';
import { memoryModelSource } from '../models/import/memory-source.ts';
import { importNaturalStimuli } from '../models/import/natural-for-import.ts';
import { openModelStore, type ModelStore } from '../store/model-store.ts';
import { NullProgressMeter, describeNullProgress, poolSizeFor } from './null-progress.ts';
import { importedModelId } from '../models/import/imported-id.ts';
import type { ImportChoices, ImportDraftSummary, ImportedModelInfo, ImportFile } from './protocol.ts';

/** Most pairs a browser null may use (the CLI has no such limit). */
export const MAX_BROWSER_NULL_PAIRS = 20000;
/** Feature memory for the null builder in the browser (it groups stages to stay under it). */
const NULL_MEMORY_BUDGET = 256 * 1024 * 1024;

/** An imported model as this worker holds it: what loadModelFromManifest needs, and its null. */
interface ImportedModel {
  manifest: ModelManifest;
  /** File bytes by path relative to the model's folder. */
  files: Map<string, ArrayBuffer>;
  nullDistribution: NullDistribution | null;
  /** It has a null (stored or built), even while the null itself is not read yet. */
  hasNull: boolean;
  bytes: number;
  saved: boolean;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A source over a model's files (paths relative to its folder), served at `<id>/<path>`. */
function sourceOf(model: ImportedModel): ModelSource {
  const keyed = new Map<string, ArrayBuffer>();
  for (const [path, bytes] of model.files) keyed.set(`${model.manifest.id}/${path}`, bytes);
  return memoryModelSource(keyed);
}

export class ImportService {
  /** Drafts the page is still editing, by request id. */
  private readonly drafts = new Map<number, ImportDraft>();
  private readonly models = new Map<string, ImportedModel>();
  private store: ModelStore | null = null;
  /** Why imported models are not saved (IndexedDB unavailable), or null. */
  storageError: string | null = null;
  private nullAbort: AbortController | null = null;
  /** The model whose null is being built (null: none). */
  private nullModelId: string | null = null;

  constructor(
    /** The built-in models' files (natural stimuli for the null and default references). */
    private readonly builtinSource: ModelSource,
    /** Built-in ids: an imported model must not shadow one. */
    private readonly builtinIds: readonly string[],
  ) {}

  /** Opens the store and reads the saved imported models (resolves even without storage). */
  async open(indexedDB?: IDBFactory): Promise<void> {
    try {
      this.store = await openModelStore(indexedDB);
    } catch (err) {
      this.storageError = message(err);
      return;
    }
    try {
      for (const summary of await this.store.list()) {
        const id = summary.manifest.id;
        // Files are read when the model is first run (they can be hundreds of MB).
        this.models.set(id, {
          manifest: summary.manifest, files: new Map(), nullDistribution: null, hasNull: summary.hasNull, bytes: summary.bytes, saved: true,
        });
      }
    } catch (err) {
      this.storageError = message(err);
    }
  }

  manifests(): ModelManifest[] {
    return [...this.models.values()].map((m) => m.manifest);
  }

  info(): Record<string, ImportedModelInfo> {
    const out: Record<string, ImportedModelInfo> = {};
    for (const [id, m] of this.models) out[id] = { hasNull: m.hasNull, bytes: m.bytes, saved: m.saved };
    return out;
  }

  has(id: string): boolean {
    return this.models.has(id);
  }

  /** Parses the files and discovers candidate stages; the draft stays here until imported or discarded. */
  async inspect(requestId: number, files: ImportFile[]): Promise<ImportDraftSummary> {
    if (files.length === 0) throw new Error('no files to import: drop an .onnx file, or a model.json with its .bin weight files');
    const draft = await inspectModelFiles(files);
    this.drafts.set(requestId, draft);
    return {
      kind: draft.kind,
      architecture: draft.architecture,
      candidates: draft.candidates.map((c) => ({ name: c.name, kind: c.kind, shape: [...c.shape], value: c.value, opType: c.opType, suggested: c.suggested })),
      inputGuess: draft.inputGuess,
      layout: draft.layout,
      channelOrder: draft.channelOrder,
      fixedInput: draft.frontEnd === 'cochleagram' ? 'cochleagram' : null,
      inputDims: draft.inputDims,
      modelFile: draft.modelFile,
      fileNames: draft.files.map((f) => f.name),
      totalBytes: draft.files.reduce((n, f) => n + f.bytes.byteLength, 0),
    };
  }

  discard(requestId: number): void {
    this.drafts.delete(requestId);
  }

  /**
   * Builds the model from a draft and the user's choices, checks it runs on its input, and
   * saves it. Returns the manifest and why it was not saved (null when it was).
   */
  async importModel(requestId: number, choices: ImportChoices): Promise<{ manifest: ModelManifest; loaded: LoadedModel; saveError: string | null }> {
    const draft = this.drafts.get(requestId);
    if (!draft) throw new Error('this import was already finished or discarded: drop the files again');
    if (choices.stages.length === 0) throw new Error('pick at least one stage to import');
    const name = choices.name.trim() || 'Imported model';
    const id = importedModelId(name, (x) => this.models.has(x) || this.builtinIds.includes(x));
    const { manifest, source } = await manifestForImport(draft, {
      id, name, stages: choices.stages, inputSpec: choices.inputSpec, channelOrder: choices.channelOrder ?? draft.channelOrder,
    });
    const loaded = await loadModelFromManifest(manifest, source);
    try {
      checkRuns(loaded, manifest);
    } catch (err) {
      loaded.model.dispose();
      throw err;
    }
    const files = new Map(draft.files.map((f) => [f.name, f.bytes]));
    let bytes = 0;
    for (const b of files.values()) bytes += b.byteLength;
    const model: ImportedModel = { manifest, files, nullDistribution: null, hasNull: false, bytes, saved: false };
    this.models.set(id, model);
    this.drafts.delete(requestId);
    let saveError: string | null = null;
    if (!this.store) saveError = this.storageError ?? 'browser storage is unavailable';
    else {
      try {
        await this.store.put({ manifest, files, nullDistribution: null });
        model.saved = true;
        // The built model is cached by the worker; should it be built again, load() reads the stored bytes.
        model.files = new Map();
      } catch (err) {
        saveError = message(err);
      }
    }
    return { manifest, loaded, saveError };
  }

  /** Loads an imported model (its files from storage on first use) for a run or a null build. */
  async load(id: string): Promise<LoadedModel> {
    const model = this.models.get(id);
    if (!model) throw new Error(`unknown model "${id}": it is neither built in nor imported in this browser`);
    if (model.files.size === 0 && this.store) {
      const stored = await this.store.get(id);
      if (!stored) throw new Error(`imported model "${model.manifest.name}" is no longer in browser storage: import it again`);
      model.files = stored.files;
      model.nullDistribution = stored.nullDistribution;
    }
    const loaded = await loadModelFromManifest(model.manifest, sourceOf(model));
    return { ...loaded, nullDistribution: model.nullDistribution };
  }

  /**
   * Bundled natural stimulus `index` shaped for the model: the reference of an imported model
   * that ships none. Caller disposes.
   */
  async naturalReference(manifest: ModelManifest, index: number): Promise<tf.Tensor> {
    // The importer draws at least two; the first is the reference.
    const natural = await importNaturalStimuli(manifest.inputSpec, 2, index, this.builtinSource);
    const [first, ...rest] = natural.stimuli;
    tf.dispose(rest);
    return first;
  }

  /**
   * Builds the null distribution of an imported model (all its stages) from `pairs` random
   * pairs of natural stimuli, stores it with the model and returns it. Cancel with cancelNull().
   */
  async buildNull(loaded: LoadedModel, pairs: number, seed: number,
    onProgress: (fraction: number, detail: string) => void): Promise<{ dist: NullDistribution; saveError: string | null }> {
    const id = loaded.manifest.id;
    const model = this.models.get(id);
    if (!model) throw new Error(`model "${id}" is not an imported model: its null distribution ships with it`);
    if (!Number.isInteger(pairs) || pairs < 2 || pairs > MAX_BROWSER_NULL_PAIRS) {
      throw new Error(`pairs must be a whole number from 2 to ${MAX_BROWSER_NULL_PAIRS}, got ${pairs}`);
    }
    if (this.nullAbort) throw new Error('a null distribution is already being built: wait for it or cancel it');
    const abort = new AbortController();
    this.nullAbort = abort;
    this.nullModelId = id;
    const pool = poolSizeFor(pairs);
    const stages = loaded.model.stages;
    const meter = new NullProgressMeter(stages);
    let natural: Awaited<ReturnType<typeof importNaturalStimuli>> | null = null;
    try {
      onProgress(0, `drawing ${pool} natural stimuli`);
      natural = await importNaturalStimuli(loaded.manifest.inputSpec, pool, seed, this.builtinSource);
      const dist = await buildNullDistribution({
        model: loaded.model,
        stimuli: natural.stimuli,
        groups: natural.groups,
        pairs,
        seed,
        memoryBudgetBytes: NULL_MEMORY_BUDGET,
        sourceDescription: `${natural.description} (built in the browser, tfjs ${tf.getBackend()} backend)`,
        signal: abort.signal,
        onProgress: (p) => onProgress(meter.update(p), describeNullProgress(p)),
      });
      model.nullDistribution = dist;
      model.hasNull = true;
      loaded.nullDistribution = dist;
      let saveError: string | null = null;
      if (model.saved && this.store) {
        try {
          await this.store.setNull(id, dist);
        } catch (err) {
          saveError = message(err);
        }
      } else saveError = 'the model itself is not saved in this browser';
      return { dist, saveError };
    } finally {
      if (natural) tf.dispose(natural.stimuli);
      if (this.nullAbort === abort) {
        this.nullAbort = null;
        this.nullModelId = null;
      }
    }
  }

  /** Stops the null build in progress (it rejects with an "aborted" error); false if none runs. */
  cancelNull(): boolean {
    if (!this.nullAbort) return false;
    this.nullAbort.abort();
    return true;
  }

  get buildingNull(): boolean {
    return this.nullAbort !== null;
  }

  async delete(id: string): Promise<void> {
    if (!this.models.has(id)) throw new Error(`model "${id}" is not an imported model`);
    if (this.nullModelId === id) this.cancelNull();
    this.models.delete(id);
    await this.store?.delete(id);
  }
}

/** A forward pass on a neutral input at every stage, so a model that cannot run fails at import, not mid-run. */
function checkRuns(loaded: LoadedModel, manifest: ModelManifest): void {
  const shape = [1, ...manifest.inputSpec.shape];
  const [lo, hi] = manifest.inputSpec.range;
  tf.tidy(() => {
    let acts: Record<string, tf.Tensor>;
    try {
      acts = loaded.model.forward(tf.fill(shape, (lo + hi) / 2), loaded.model.stages);
    } catch (err) {
      throw new Error(`the model does not run on an input of shape [${shape.join(', ')}]: ${message(err)}`);
    }
    for (const stage of manifest.stages) {
      const got = acts[stage.name]?.shape.slice(1) ?? [];
      if (stage.shape.length && got.join(',') !== stage.shape.join(',')) {
        throw new Error(`stage "${stage.name}" has shape [${got.join(', ')}], the import expected [${stage.shape.join(', ')}]`);
      }
    }
  });
}
