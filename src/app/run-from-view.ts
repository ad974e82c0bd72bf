/**
 * A SavedRun assembled from what the page shows, for exports when the run store is unavailable
 * (private browsing, storage full): the loss history is complete, the metric history holds the
 * latest measurement only. Pure.
 */
import type { MetricSet, RunConfig, StepRecord, Verdict } from '../engine/types.ts';
import type { SavedReference, SavedRun, SavedRunStatus } from '../export/saved-run.ts';

export interface RunView {
  id: string;
  modelId: string;
  modelName: string;
  weightsHash: string;
  stage: string;
  reference: SavedReference;
  config: RunConfig;
  measure: 'all' | 'stage';
  backend: string;
  status: SavedRunStatus;
  step: number;
  totalSteps: number;
  records: StepRecord[];
  metrics: { step: number; stages: Record<string, MetricSet> } | null;
  verdict: Verdict | null;
  snapshot: { step: number; shape: number[]; data: Float32Array } | null;
  now: number;
}

export function runFromView(v: RunView): SavedRun {
  return {
    id: v.id, createdAt: v.now, updatedAt: v.now, modelId: v.modelId, modelName: v.modelName, weightsHash: v.weightsHash,
    stage: v.stage, reference: v.reference, settings: { config: v.config, measure: v.measure, backend: v.backend },
    status: v.status, step: v.step, totalSteps: v.totalSteps, records: v.records.slice(),
    metrics: v.metrics ? [{ step: v.metrics.step, stages: v.metrics.stages }] : [], verdict: v.verdict,
    snapshot: v.snapshot, state: null,
  };
}
