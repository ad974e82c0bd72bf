/**
 * The Saved runs list's rows: a run on its own, or an all-stages batch as one entry (its runs
 * share a group id) with its stages inside, a pass count and one status. Pure.
 */
import type { RunSummary } from '../export/saved-run.ts';

export type RunListRow =
  | { kind: 'run'; run: RunSummary }
  | { kind: 'batch'; group: string; modelName: string; runs: RunSummary[]; passed: number; judged: number; status: string; createdAt: number };

/** Rows in the list's order (that of the first run of each batch); a batch's runs keep their order (stage order of the batch). */
export function runListRows(runs: readonly RunSummary[]): RunListRow[] {
  const rows: RunListRow[] = [];
  const batches = new Map<string, Extract<RunListRow, { kind: 'batch' }>>();
  for (const run of runs) {
    if (!run.group) {
      rows.push({ kind: 'run', run });
      continue;
    }
    let batch = batches.get(run.group);
    if (!batch) {
      batch = { kind: 'batch', group: run.group, modelName: run.modelName, runs: [], passed: 0, judged: 0, status: '', createdAt: run.createdAt };
      batches.set(run.group, batch);
      rows.push(batch);
    }
    batch.runs.push(run);
    batch.createdAt = Math.min(batch.createdAt, run.createdAt);
  }
  for (const b of batches.values()) {
    b.runs.sort((x, y) => x.createdAt - y.createdAt);
    b.judged = b.runs.filter((r) => r.pass !== null).length;
    b.passed = b.runs.filter((r) => r.pass === true).length;
    const statuses = new Set(b.runs.map((r) => r.status));
    b.status = statuses.has('running') ? 'running' : statuses.size === 1 ? [...statuses][0] : statuses.has('error') ? 'error' : 'stopped';
  }
  return rows;
}
