/**
 * The seam between the engine worker and the engine/model modules: loads a built-in or
 * imported model (cached per id, it is costly to build) and its reference, builds the
 * MetamerRun, and applies the paper's success test (null maxima + class readout) once the
 * final metrics are known.
 */
import * as tf from '@tensorflow/tfjs';
import { MetamerRun, type RunState } from '../engine/metamer-run.ts';
import { makeRunConfig } from '../engine/presets.ts';
import { successTest } from '../engine/verdict.ts';
import { NULL_METRICS, type MetricName, type MetricSet, type NullDistribution, type RunConfig, type Verdict } from '../engine/types.ts';
import type { LoadedModel, ModelManifest, ModelSource } from '../models/manifest.ts';
import { listBuiltinModels, loadBuiltinModel, loadReference } from '../models/registry.ts';
import { fetchModelSource } from '../models/source-fetch.ts';
import { liveCadence } from './cadence.ts';
import type { NullMaxima } from './protocol.ts';
import { userReference } from './user-reference.ts';

export interface PreparedRun {
  manifest: ModelManifest;
  /** The raw reference stimulus [1, ...shape]; the worker disposes it with the run. */
  reference: tf.Tensor;
  config: RunConfig;
  nullMax: NullMaxima | null;
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

export function nullMaxima(dist: NullDistribution | null): NullMaxima | null {
  if (!dist) return null;
  const out: NullMaxima = {};
  for (const [stage, perMetric] of Object.entries(dist.stages)) {
    out[stage] = {};
    for (const m of NULL_METRICS) if (perMetric[m]) out[stage][m] = perMetric[m].max;
  }
  return out;
}

/**
 * Loads the model and reference and builds the run. With `resume` (a checkpoint of an earlier
 * run), the run continues from it under the checkpoint's own config.
 */
export async function prepareRun(modelId: string, stage: string, overrides: Partial<RunConfig>,
  referenceIndex: number, referenceData?: Float32Array, resume?: RunState): Promise<PreparedRun> {
  const loaded = await loadModel(modelId);
  const { manifest, model } = loaded;
  if (!model.stages.includes(stage)) {
    throw new Error(`model "${modelId}" has no stage "${stage}" (it has: ${model.stages.join(', ')})`);
  }
  const base = makeRunConfig(stage, overrides);
  // Unless the caller chose, show the image and measure often enough for a live page.
  const cadence = liveCadence(base.passes * base.itersPerPass);
  const config = resume ? makeRunConfig(stage, resume.config) : makeRunConfig(stage, {
    ...overrides,
    snapshotEvery: overrides.snapshotEvery ?? cadence.snapshotEvery,
    metricsEvery: overrides.metricsEvery ?? cadence.metricsEvery,
  });
  const reference = referenceData ? userReference(manifest, referenceData)
    : manifest.references.length === 0 && imported?.has(modelId) ? await imported.naturalReference(manifest, referenceIndex)
      : await loadReference(manifest, source, referenceIndex);
  try {
    const run = new MetamerRun(model, reference, config, resume);
    return { manifest, reference, config, nullMax: nullMaxima(loaded.nullDistribution), run, loaded };
  } catch (err) {
    reference.dispose();
    throw err;
  }
}

/** Which metrics the success test uses: the manifest may say; HMAX uses SNR only (spec section 3). */
export function successMetricsOf(manifest: ModelManifest): readonly MetricName[] {
  const declared = manifest.params?.successMetrics;
  if (Array.isArray(declared) && declared.length && declared.every((m) => (NULL_METRICS as readonly unknown[]).includes(m))) {
    return declared as MetricName[];
  }
  return manifest.builder === 'hmax' ? ['snrDb'] : NULL_METRICS;
}

/** The readout's logits for x ([1, ...shape]), or null when the model has no readout. */
export async function readoutLogits(prepared: PreparedRun, x: tf.Tensor): Promise<number[] | null> {
  const readout = prepared.loaded.model.readout;
  if (!readout) return null;
  const logits = tf.tidy(() => readout.logits(x).reshape([-1]));
  try {
    return Array.from(await logits.data());
  } finally {
    logits.dispose();
  }
}

async function classOf(prepared: PreparedRun, x: tf.Tensor): Promise<string> {
  const readout = prepared.loaded.model.readout!;
  const logits = readout.logits(x);
  const index = tf.tidy(() => tf.argMax(logits.reshape([-1])));
  const i = (await index.data())[0];
  tf.dispose([logits, index]);
  return readout.labels[i] ?? String(i);
}

/** The success test at the generation stage, or null when the model has no null distribution. */
export async function judge(prepared: PreparedRun, metrics: Record<string, MetricSet>): Promise<Verdict | null> {
  const dist = prepared.loaded.nullDistribution;
  const stageMetrics = metrics[prepared.config.stage];
  if (!dist || !stageMetrics || !dist.stages[prepared.config.stage]) return null;
  let referenceClass: string | undefined;
  let metamerClass: string | undefined;
  if (prepared.loaded.model.readout) {
    referenceClass = await classOf(prepared, prepared.reference);
    const current = prepared.run.current();
    try {
      metamerClass = await classOf(prepared, current);
    } finally {
      current.dispose();
    }
  }
  return successTest({
    stage: prepared.config.stage,
    metrics: stageMetrics,
    nullDist: dist,
    metricsUsed: successMetricsOf(prepared.manifest),
    referenceClass,
    metamerClass,
  });
}
