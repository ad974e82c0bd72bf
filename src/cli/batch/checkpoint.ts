/**
 * A batch job's checkpoint: the engine's resumable RunState (typed arrays as base64, bit-exact)
 * and the loss and metric histories up to that step, so a job cut off continues as if it never
 * stopped. Metrics keep NaN and +-Infinity as strings (JSON has none).
 */
import type { RunState } from '../../engine/metamer-run.ts';
import type { MetricSet, StepRecord } from '../../engine/types.ts';
import type { MetricsEntry } from '../../export/saved-run.ts';

export const CHECKPOINT_FORMAT = 'metamer-batch-checkpoint/1';

interface StoredState extends Omit<RunState, 'x' | 'adam'> {
  x: string;
  adam: { m: string; v: string } | null;
}

export interface StoredCheckpoint {
  format: typeof CHECKPOINT_FORMAT;
  job: string;
  state: StoredState;
  records: StepRecord[];
  metrics: { step: number; stages: Record<string, Record<keyof MetricSet, number | string>> }[];
}

function toJsonNumber(x: number): number | string {
  return Number.isFinite(x) ? x : String(x);
}

function fromJsonNumber(x: number | string): number {
  return typeof x === 'number' ? x : Number(x);
}

function toBase64(a: Float32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

function fromBase64(s: string): Float32Array {
  const b = Buffer.from(s, 'base64');
  // Copy into a fresh, aligned buffer.
  return new Float32Array(new Uint8Array(b).buffer);
}

export function checkpointJson(job: string, state: RunState, records: readonly StepRecord[], metrics: readonly MetricsEntry[] = []): StoredCheckpoint {
  if (records.length !== state.step) throw new Error(`checkpoint of ${job}: ${records.length} history records for step ${state.step}`);
  return {
    format: CHECKPOINT_FORMAT,
    job,
    state: { ...state, x: toBase64(state.x), adam: state.adam ? { m: toBase64(state.adam.m), v: toBase64(state.adam.v) } : null },
    records: [...records],
    metrics: metrics.map((m) => ({
      step: m.step,
      stages: Object.fromEntries(Object.entries(m.stages).map(([k, v]) => [k, { spearman: toJsonNumber(v.spearman), pearson: toJsonNumber(v.pearson), r2: toJsonNumber(v.r2), snrDb: toJsonNumber(v.snrDb) }])),
    })),
  };
}

/** The RunState and history of a stored checkpoint; throws naming the file when it is not one. */
export function parseCheckpoint(json: unknown, file: string, job: string): { state: RunState; records: StepRecord[]; metrics: MetricsEntry[] } {
  const c = json as Partial<StoredCheckpoint>;
  if (!c || c.format !== CHECKPOINT_FORMAT || !c.state || !Array.isArray(c.records)) throw new Error(`${file}: not a ${CHECKPOINT_FORMAT} file`);
  if (c.job !== job) throw new Error(`${file}: checkpoint of job "${c.job}", not "${job}"`);
  const s = c.state;
  const state: RunState = { ...s, x: fromBase64(s.x), adam: s.adam ? { m: fromBase64(s.adam.m), v: fromBase64(s.adam.v) } : null };
  if (c.records.length !== state.step) throw new Error(`${file}: ${c.records.length} history records for step ${state.step}`);
  const metrics: MetricsEntry[] = (c.metrics ?? []).map((m) => ({
    step: m.step,
    stages: Object.fromEntries(
      Object.entries(m.stages).map(([k, v]) => [k, { spearman: fromJsonNumber(v.spearman), pearson: fromJsonNumber(v.pearson), r2: fromJsonNumber(v.r2), snrDb: fromJsonNumber(v.snrDb) }]),
    ),
  }));
  return { state, records: c.records, metrics };
}
