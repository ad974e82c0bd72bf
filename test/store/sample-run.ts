/** Builds SavedRun fixtures for the store and export tests. */
import { readFileSync } from 'node:fs';
import { makeRunConfig } from '../../src/engine/presets.ts';
import type { MetricSet, StepRecord } from '../../src/engine/types.ts';
import type { ModelManifest } from '../../src/models/manifest.ts';
import type { MetricsEntry, SavedRun } from '../../src/export/saved-run.ts';

export function metricSet(seed: number): MetricSet {
  return { spearman: 0.5 + seed / 100, pearson: 0.6 + seed / 100, r2: 0.36, snrDb: 10 + seed };
}

export function stepRecords(from: number, count: number): StepRecord[] {
  return Array.from({ length: count }, (_, i) => ({ step: from + i, loss: 1 / (from + i + 1), eta: 0.5, gradNorm: 2 + (from + i) / 4 }));
}

export function metricsEntries(steps: number[], stages: string[]): MetricsEntry[] {
  return steps.map((step) => ({ step, stages: Object.fromEntries(stages.map((s, i) => [s, metricSet(step + i)])) }));
}

/** A paused run with typed arrays everywhere a real one has them. */
export function sampleRun(overrides: Partial<SavedRun> = {}): SavedRun {
  const config = makeRunConfig('C1', { seed: 1234, passes: 2, itersPerPass: 5 });
  const x = Float32Array.from({ length: 12 }, (_, i) => i / 7);
  return {
    id: 'run-a',
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_000_500,
    modelId: 'hmax',
    modelName: 'HMAX',
    weightsHash: 'ab'.repeat(32),
    stage: 'C1',
    reference: { kind: 'user', name: 'my-photo.png', shape: [2, 2, 3], data: Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 0, 0.25]) },
    settings: { config, measure: 'all', backend: 'wasm' },
    status: 'paused',
    step: 4,
    totalSteps: 10,
    records: stepRecords(0, 4),
    metrics: metricsEntries([0, 4], ['S1', 'C1']),
    verdict: null,
    snapshot: { step: 4, shape: [2, 2, 3], data: x },
    state: {
      format: 'metamer-run-state/1',
      modelId: 'hmax',
      config,
      step: 4,
      shape: [1, 2, 2, 3],
      x,
      rngState: [1, 2, 3, 4],
      adam: { m: new Float32Array(12).fill(0.25), v: new Float32Array(12).fill(0.125) },
    },
    ...overrides,
  };
}

/** A model manifest straight from models/<id>/manifest.json. */
export function diskManifest(id: 'hmax' | 'spectemp'): ModelManifest {
  return JSON.parse(readFileSync(new URL(`../../models/${id}/manifest.json`, import.meta.url), 'utf8')) as ModelManifest;
}
