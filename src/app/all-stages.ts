/**
 * "Generate all stages": one metamer per stage of the model from the same noise seed (the
 * paper's Figure 2d/h). The grid's state: one cell per stage (waiting, running, done, stopped,
 * failed). The worker runs the whole batch (batched or stage after stage); batch-follow.ts folds
 * its events into these cells. Pure: no worker, no DOM.
 */
import type { MetricSet, Verdict } from '../engine/types.ts';

export type CellState = 'waiting' | 'running' | 'done' | 'stopped' | 'failed';

export interface GridCell {
  stage: string;
  state: CellState;
  /** Saved-run id of this stage's run (to reopen it), once it started. */
  runId: string | null;
  verdict: Verdict | null;
  /** Metrics at this stage (the generation stage) when the run ended. */
  metrics: MetricSet | null;
  /** Latest metamer of this stage's run. */
  snapshot: { shape: number[]; data: Float32Array } | null;
  error?: string;
}

export interface AllStagesGrid {
  /** Id shared by the runs of this batch (saved runs carry it as their group). */
  group: string;
  modelId: string;
  seed: number;
  cells: GridCell[];
}

export function newGrid(group: string, modelId: string, stages: readonly string[], seed: number): AllStagesGrid {
  if (stages.length === 0) throw new Error(`model "${modelId}" has no stages to generate`);
  return {
    group,
    modelId,
    seed,
    cells: stages.map((stage) => ({ stage, state: 'waiting', runId: null, verdict: null, metrics: null, snapshot: null })),
  };
}

/** The stage that should run now: the running one, else the first still waiting; null when the batch is over. */
export function nextStage(grid: AllStagesGrid): string | null {
  const cell = grid.cells.find((c) => c.state === 'running') ?? grid.cells.find((c) => c.state === 'waiting');
  return cell?.stage ?? null;
}

/** True when no cell will run any more (all settled, or the batch was stopped). */
export function isFinished(grid: AllStagesGrid): boolean {
  return grid.cells.every((c) => c.state !== 'waiting' && c.state !== 'running');
}

function patchCell(grid: AllStagesGrid, stage: string, patch: Partial<GridCell>): AllStagesGrid {
  const index = grid.cells.findIndex((c) => c.stage === stage);
  if (index < 0) throw new Error(`stage "${stage}" is not part of this batch`);
  const cells = grid.cells.slice();
  cells[index] = { ...cells[index], ...patch };
  return { ...grid, cells };
}

export function markRunning(grid: AllStagesGrid, stage: string, runId: string | null): AllStagesGrid {
  return patchCell(grid, stage, { state: 'running', runId });
}

/** A stage's run completed: keep its verdict, metrics at its stage and latest image. */
export function markDone(
  grid: AllStagesGrid,
  stage: string,
  result: { verdict: Verdict | null; metrics: MetricSet | null; snapshot: GridCell['snapshot'] },
): AllStagesGrid {
  return patchCell(grid, stage, { state: 'done', ...result });
}

/** The user stopped the batch: the running cell is stopped and the waiting ones never run. */
export function stopAll(grid: AllStagesGrid): AllStagesGrid {
  return {
    ...grid,
    cells: grid.cells.map((c) => (c.state === 'running' || c.state === 'waiting' ? { ...c, state: 'stopped' } : c)),
  };
}

/** A stage's run failed: say why in its cell and go on with the next stage (one bad stage does not end the batch). */
export function markFailed(grid: AllStagesGrid, stage: string, error: string): AllStagesGrid {
  return patchCell(grid, stage, { state: 'failed', error });
}

/** Counts for the grid's caption: how many stages passed the success test so far. */
export function gridSummary(grid: AllStagesGrid): { done: number; passed: number; total: number } {
  const done = grid.cells.filter((c) => c.state === 'done');
  return { done: done.length, passed: done.filter((c) => c.verdict?.pass).length, total: grid.cells.length };
}
