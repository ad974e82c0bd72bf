/**
 * The page side of a batched "Generate all stages" (one worker batch, not one run per stage):
 * folds the batch's worker events into the all-stages grid (cells fill as their stage ends),
 * and saves each stage as its own run (a RunRecorder per stage, the batch's group), so a cell
 * opens and exports like a run started on its own. Pure TypeScript: no DOM, no worker.
 */
import type { WorkerEvent } from '../worker/protocol.ts';
import { markDone, markFailed, markRunning, stopAll, type AllStagesGrid } from './all-stages.ts';
import type { RunContext, RunRecorder } from './run-recorder.ts';

/** An all-stages batch as the page shows it: how it runs and how far it is (steps of every stage). */
export interface BatchProgress {
  /** null until the worker has loaded the model. */
  mode: 'batched' | 'sequential' | null;
  reason: string;
  stages: string[];
  /** Steps completed by the stages together, out of stages x totalSteps. */
  step: number;
  totalSteps: number;
  /** The batch is in flight (loading or running). */
  live: boolean;
}

/** The batch's progress after one worker event. */
export function foldBatchProgress(p: BatchProgress | null, e: WorkerEvent): BatchProgress | null {
  if (!p) return p;
  switch (e.type) {
    case 'batch-started':
      return { ...p, mode: e.mode, reason: e.reason, stages: e.stages, totalSteps: e.totalSteps };
    case 'stage-event':
      return e.event.type === 'progress' ? { ...p, step: p.step + e.event.records.length } : p;
    case 'batch-done':
    case 'fatal':
      return { ...p, live: false };
    default:
      return p;
  }
}

/** The grid with a saved-run id for every cell, all running (a batch runs every stage at once). */
export function startBatchGrid(grid: AllStagesGrid, newId: () => string): AllStagesGrid {
  return grid.cells.reduce((g, c) => markRunning(g, c.stage, newId()), grid);
}

function patch(grid: AllStagesGrid, stage: string, p: Partial<AllStagesGrid['cells'][number]>): AllStagesGrid {
  return { ...grid, cells: grid.cells.map((c) => (c.stage === stage ? { ...c, ...p } : c)) };
}

/** The grid after one worker event of the batch (unrelated events leave it as it is). */
export function foldBatchEvent(grid: AllStagesGrid, e: WorkerEvent): AllStagesGrid {
  const cellOf = (stage: string) => grid.cells.find((c) => c.stage === stage);
  switch (e.type) {
    case 'stage-event': {
      const cell = cellOf(e.stage);
      if (!cell || cell.state !== 'running') return grid;
      const ev = e.event;
      if (ev.type === 'snapshot') return patch(grid, e.stage, { snapshot: { shape: ev.shape, data: ev.data } });
      if (ev.type === 'metrics') return patch(grid, e.stage, { metrics: ev.stages[e.stage] ?? null });
      if (ev.type === 'error') return markFailed(grid, e.stage, ev.message);
      if (ev.type === 'done' && ev.stopped) return patch(grid, e.stage, { state: 'stopped' });
      return grid;
    }
    case 'stage-verdict': {
      const cell = cellOf(e.stage);
      if (!cell || cell.state !== 'running') return grid;
      return markDone(grid, e.stage, { verdict: e.verdict, metrics: cell.metrics, snapshot: cell.snapshot });
    }
    case 'batch-done':
      return e.stopped ? stopAll(grid) : grid;
    case 'fatal':
      return grid.cells.reduce((g, c) => (c.state === 'running' || c.state === 'waiting' ? markFailed(g, c.stage, e.message) : g), grid);
    default:
      return grid;
  }
}

/** Saves every stage of a batch as its own run, from the batch's events. */
export class BatchRecorder {
  constructor(
    /** One recorder per stage, begun with that stage's context. */
    private readonly recorders: Map<string, RunRecorder>,
  ) {}

  /** A recorder per cell of the grid (made by `make`), each begun as a run of its stage in the grid's group. */
  static begin(grid: AllStagesGrid, make: () => RunRecorder | null, context: Omit<RunContext, 'id' | 'stage' | 'group'>): BatchRecorder | null {
    // context.config is the batch's shared config; each stage's run records it at its own stage.
    const recorders = new Map<string, RunRecorder>();
    for (const cell of grid.cells) {
      const r = make();
      if (!r || !cell.runId) return null;
      r.begin({ ...context, id: cell.runId, stage: cell.stage, config: { ...context.config, stage: cell.stage }, group: grid.group });
      recorders.set(cell.stage, r);
    }
    return new BatchRecorder(recorders);
  }

  handle(e: WorkerEvent): void {
    switch (e.type) {
      case 'batch-started':
        for (const r of this.recorders.values()) {
          r.handle({ type: 'model', manifest: e.manifest, reference: { shape: [], data: new Float32Array(0) }, nullStages: null });
        }
        return;
      case 'stage-event':
        this.recorders.get(e.stage)?.handle({ type: 'engine', event: e.event });
        return;
      case 'stage-verdict':
        this.recorders.get(e.stage)?.handle({ type: 'verdict', verdict: e.verdict });
        return;
      case 'fatal':
        for (const r of this.recorders.values()) r.handle(e);
        return;
      default:
        return;
    }
  }

  /** Resolves when every stage's writes have landed. */
  async settled(): Promise<void> {
    await Promise.all([...this.recorders.values()].map((r) => r.settled()));
  }
}
