/**
 * The seam between the engine worker and the engine/model modules: loads a built-in or
 * imported model (cached per id, it is costly to build) and its reference, builds the
 * MetamerRun from the complete config the page sent, and applies the success test (judgeMetamer,
 * shared with the CLI) once the final metrics are known.
 */
import type * as tf from '@tensorflow/tfjs';
import { MetamerRun, type RunState } from '../engine/metamer-run.ts';
import { validateRunConfig } from '../engine/presets.ts';
import type { MetricSet, RunConfig, Verdict } from '../engine/types.ts';
import type { LoadedModel, ModelManifest, ModelSource } from '../models/manifest.ts';
import { listBuiltinModels, loadBuiltinModel, loadReference } from '../models/registry.ts';
import { fetchModelSource } from '../models/source-fetch.ts';
import { judgeMetamer } from '../models/judge.ts';
import { userReference } from './user-reference.ts';

export interface PreparedRun {
  manifest: ModelManifest;
  /** The raw reference stimulus [1, ...shape]; the worker disposes it with the run. */
  reference: tf.Tensor;
  config: RunConfig;
  run: MetamerRun;
  loaded: LoadedModel;
}

// Relative to the page's base so a build served under a sub-path still finds its models.
const source = fetchModelSource(new URL(`${import.meta.env.BASE_URL}models/`, self.location.href).href);
/** The built-in models' files (imported models draw their natural stimuli from them). */
export const builtinSource: ModelSource = source;
const loadedModels = new Map<string, Promise<LoadedModel>>();

/** Models the user imported (import-service.ts): loaded from their in-memory or stored files. */
export interface ImportedModels {
  has(id: string): boolean;
  load(id: string): Promise<LoadedModel>;
  /** The default reference of an imported model that bundles none. */
  naturalReference(manifest: ModelManifest, index: number): Promise<tf.Tensor>;
}

let imported: ImportedModels | null = null;

export function useImportedModels(models: ImportedModels): void {
  imported = models;
}

export function loadModel(modelId: string): Promise<LoadedModel> {
  let loading = loadedModels.get(modelId);
  if (!loading) {
    loading = imported?.has(modelId) ? imported.load(modelId) : loadBuiltinModel(modelId, source);
    // A failed load must not poison the cache: the next Run tries again.
    loading.catch(() => loadedModels.delete(modelId));
    loadedModels.set(modelId, loading);
  }
  return loading;
}

/** Caches a model built elsewhere (an import builds it to check it), so its first run does not build it again. */
export function cacheModel(loaded: LoadedModel): void {
  void forgetModel(loaded.manifest.id);
  loadedModels.set(loaded.manifest.id, Promise.resolve(loaded));
}

/** Drops a cached model (a deleted import) and frees its weights. */
export async function forgetModel(modelId: string): Promise<void> {
  const loading = loadedModels.get(modelId);
  if (!loading) return;
  loadedModels.delete(modelId);
  const loaded = await loading.catch(() => null);
  loaded?.model.dispose();
}

/** Manifests of every built-in model (cheap: JSON only). */
export function listModels(): Promise<ModelManifest[]> {
  return listBuiltinModels(source);
}

/**
 * Loads the model and reference and builds the run. With `resume` (a checkpoint of an earlier
 * run), the run continues from it under the checkpoint's own config.
 */
export async function prepareRun(modelId: string, runConfig: RunConfig,
  referenceIndex: number, referenceData?: Float32Array, resume?: RunState): Promise<PreparedRun> {
  const stage = runConfig.stage;
  const loaded = await loadModel(modelId);
  const { manifest, model } = loaded;
  if (!model.stages.includes(stage)) {
    throw new Error(`model "${modelId}" has no stage "${stage}" (it has: ${model.stages.join(', ')})`);
  }
  // The page sends the complete config (runConfigFor); a resumed run keeps its checkpoint's.
  const config = validateRunConfig(resume ? resume.config : runConfig);
  const reference = referenceData ? userReference(manifest, referenceData)
    : manifest.references.length === 0 && imported?.has(modelId) ? await imported.naturalReference(manifest, referenceIndex)
      : await loadReference(manifest, source, referenceIndex);
  try {
    const run = new MetamerRun(model, reference, config, resume);
    return { manifest, reference, config, run, loaded };
  } catch (err) {
    reference.dispose();
    throw err;
  }
}

/** The success test at the generation stage (judgeMetamer, as the CLI), or null when the model has no null there. */
export async function judge(prepared: PreparedRun, metrics: Record<string, MetricSet>): Promise<Verdict | null> {
  const metamer = prepared.run.current();
  try {
    const { verdict } = await judgeMetamer({
      model: prepared.loaded.model, manifest: prepared.manifest, nullDistribution: prepared.loaded.nullDistribution,
      stage: prepared.config.stage, metrics, reference: prepared.reference, metamer,
    });
    return verdict;
  } finally {
    metamer.dispose();
  }
}

/** The success test of one stage's metamer of an all-stages batch (judgeMetamer, as the CLI), or null. */
export async function judgeStage(loaded: LoadedModel, stage: string, metrics: Record<string, MetricSet>,
  reference: tf.Tensor, metamer: tf.Tensor): Promise<Verdict | null> {
  const { verdict } = await judgeMetamer({
    model: loaded.model, manifest: loaded.manifest, nullDistribution: loaded.nullDistribution, stage, metrics, reference, metamer,
  });
  return verdict;
}

/** What an all-stages batch needs: the model, its reference and the shared config. */
export async function prepareAllStages(modelId: string, stages: readonly string[], runConfig: RunConfig,
  referenceIndex: number, referenceData?: Float32Array): Promise<{ loaded: LoadedModel; reference: tf.Tensor; config: RunConfig }> {
  const loaded = await loadModel(modelId);
  const { manifest, model } = loaded;
  for (const stage of stages) {
    if (!model.stages.includes(stage)) throw new Error(`model "${modelId}" has no stage "${stage}" (it has: ${model.stages.join(', ')})`);
  }
  // The page sends the complete config (runConfigFor); every stage runs it at its own stage.
  const config = validateRunConfig(runConfig);
  const reference = referenceData ? userReference(manifest, referenceData)
    : manifest.references.length === 0 && imported?.has(modelId) ? await imported.naturalReference(manifest, referenceIndex)
      : await loadReference(manifest, source, referenceIndex);
  return { loaded, reference, config };
}
