/**
 * A run as a self-describing JSON document (schema 'metamer-run-export/1'): what was run
 * (model id, weights hash, stage, seed, every setting, the reference), how it went (loss and
 * metric history) and the verdict. The metamer itself is exported separately (PNG/WAV), so no
 * typed arrays appear here. JSON has no NaN or Infinity: such numbers are written as the
 * strings "NaN", "Infinity", "-Infinity" (e.g. an SNR of +Infinity for an exact match).
 */
import type { MeasureScope, MetricSet, RunConfig, StepRecord, Verdict } from '../engine/types.ts';
import type { ModelManifest } from '../models/manifest.ts';
import type { SavedRun, SavedRunStatus } from './saved-run.ts';
import { APP_NAME, APP_VERSION } from './app-version.ts';

export const RUN_EXPORT_SCHEMA = 'metamer-run-export/1';

/** A number as JSON can carry it. */
export type JsonNumber = number | 'NaN' | 'Infinity' | '-Infinity';

export function jsonNumber(x: number): JsonNumber {
  if (Number.isFinite(x)) return x;
  return Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
}

export type ExportedMetricSet = { [K in keyof MetricSet]: JsonNumber };
export type ExportedStepRecord = { [K in keyof StepRecord]: JsonNumber };

export type ExportedReference =
  | { kind: 'bundled'; index: number; path: string | null; label: string | null; source: string | null; licence: string | null }
  | { kind: 'user'; name: string; shape: number[] };

export interface ExportedVerdict {
  stage: string;
  pass: boolean;
  criteria: { criterion: string; value: JsonNumber | string; threshold: JsonNumber | string; pass: boolean }[];
}

export interface RunExport {
  schema: typeof RUN_EXPORT_SCHEMA;
  app: { name: string; version: string };
  exportedAt: string;
  run: {
    id: string;
    createdAt: string;
    updatedAt: string;
    status: SavedRunStatus;
    step: number;
    totalSteps: number;
    group: string | null;
    error: string | null;
  };
  model: {
    id: string;
    name: string;
    /** SHA-256 over the weight files' hashes when the run was made (see weightsHashOf). */
    weightsHash: string;
    licence: string;
  };
  stage: string;
  seed: number;
  settings: { config: RunConfig; measure: MeasureScope; backend: string };
  input: { modality: string; shape: number[]; range: [number, number]; sampleRate: number | null };
  reference: ExportedReference;
  /** The iterate the exported PNG/WAV holds (x_step); null before the first snapshot. */
  metamer: { step: number; shape: number[] } | null;
  lossHistory: ExportedStepRecord[];
  metricHistory: { step: number; stages: Record<string, ExportedMetricSet> }[];
  verdict: ExportedVerdict | null;
}

export interface RunJsonOptions {
  /** Time written as exportedAt. Default: now. */
  now?: Date;
}

export function exportMetrics(m: MetricSet): ExportedMetricSet {
  return { spearman: jsonNumber(m.spearman), pearson: jsonNumber(m.pearson), r2: jsonNumber(m.r2), snrDb: jsonNumber(m.snrDb) };
}

export function exportVerdict(v: Verdict): ExportedVerdict {
  const value = (x: number | string) => (typeof x === 'number' ? jsonNumber(x) : x);
  return {
    stage: v.stage,
    pass: v.pass,
    criteria: v.criteria.map((c) => ({ criterion: c.criterion, value: value(c.value), threshold: value(c.threshold), pass: c.pass })),
  };
}

function exportReference(run: SavedRun, manifest: ModelManifest): ExportedReference {
  const ref = run.reference;
  if (ref.kind === 'user') return { kind: 'user', name: ref.name, shape: [...ref.shape] };
  const bundled = manifest.references[ref.index];
  return {
    kind: 'bundled',
    index: ref.index,
    path: bundled?.path ?? null,
    label: bundled?.label ?? null,
    source: bundled?.source ?? null,
    licence: bundled?.licence ?? null,
  };
}

/** The export document of `run`; `manifest` is its model's (ids must match). */
export function runToJson(run: SavedRun, manifest: ModelManifest, options: RunJsonOptions = {}): RunExport {
  if (manifest.id !== run.modelId) throw new Error(`run ${run.id} belongs to model "${run.modelId}", not "${manifest.id}"`);
  const spec = manifest.inputSpec;
  return {
    schema: RUN_EXPORT_SCHEMA,
    app: { name: APP_NAME, version: APP_VERSION },
    exportedAt: (options.now ?? new Date()).toISOString(),
    run: {
      id: run.id,
      createdAt: new Date(run.createdAt).toISOString(),
      updatedAt: new Date(run.updatedAt).toISOString(),
      status: run.status,
      step: run.step,
      totalSteps: run.totalSteps,
      group: run.group ?? null,
      error: run.error ?? null,
    },
    model: { id: run.modelId, name: run.modelName, weightsHash: run.weightsHash, licence: manifest.licence },
    stage: run.stage,
    seed: run.settings.config.seed,
    // structuredClone: the export must not share objects with the live run.
    settings: { config: structuredClone(run.settings.config), measure: run.settings.measure, backend: run.settings.backend },
    input: { modality: spec.modality, shape: [...spec.shape], range: [spec.range[0], spec.range[1]], sampleRate: spec.sampleRate ?? null },
    reference: exportReference(run, manifest),
    metamer: run.snapshot ? { step: run.snapshot.step, shape: [...run.snapshot.shape] } : null,
    lossHistory: run.records.map((r) => ({ step: r.step, loss: jsonNumber(r.loss), eta: jsonNumber(r.eta), gradNorm: jsonNumber(r.gradNorm) })),
    metricHistory: run.metrics.map((m) => ({
      step: m.step,
      stages: Object.fromEntries(Object.entries(m.stages).map(([stage, set]) => [stage, exportMetrics(set)])),
    })),
    verdict: run.verdict ? exportVerdict(run.verdict) : null,
  };
}

/** The export document as pretty-printed JSON text. */
export function runJsonText(run: SavedRun, manifest: ModelManifest, options: RunJsonOptions = {}): string {
  return `${JSON.stringify(runToJson(run, manifest, options), null, 2)}\n`;
}
