/**
 * What a replayed (prepared) run shows at a scrubber position: the loss up to that snapshot's
 * step, the latest metrics measured by then, the snapshot itself, and the final verdict only
 * once the scrubber is at the end (before that the chips are the live comparison a running
 * page would have shown). Pure: the view decodes the stimuli.
 */
import type { MetricSet, StepRecord, Verdict } from '../../engine/types.ts';
import type { ExportedMetricSet, ExportedVerdict, JsonNumber } from '../../export/run-json.ts';
import type { PreparedRun } from '../../export/prepared-run.ts';

export function fromJsonNumber(x: JsonNumber | string): number {
  if (typeof x === 'number') return x;
  if (x === 'Infinity') return Infinity;
  if (x === '-Infinity') return -Infinity;
  return NaN;
}

export function importMetrics(m: ExportedMetricSet): MetricSet {
  return { spearman: fromJsonNumber(m.spearman), pearson: fromJsonNumber(m.pearson), r2: fromJsonNumber(m.r2), snrDb: fromJsonNumber(m.snrDb) };
}

export function importVerdict(v: ExportedVerdict): Verdict {
  return {
    stage: v.stage,
    pass: v.pass,
    criteria: v.criteria.map((c) => c.criterion === 'class'
      ? { criterion: 'class', value: String(c.value), threshold: String(c.threshold), pass: c.pass }
      : { criterion: c.criterion as Verdict['criteria'][number]['criterion'], value: fromJsonNumber(c.value), threshold: fromJsonNumber(c.threshold), pass: c.pass }),
  };
}

export function importRecords(run: PreparedRun): StepRecord[] {
  return run.record.lossHistory.map((r) => ({ step: fromJsonNumber(r.step), loss: fromJsonNumber(r.loss), eta: fromJsonNumber(r.eta), gradNorm: fromJsonNumber(r.gradNorm) }));
}

export interface ReplayFrameState {
  frameIndex: number;
  step: number;
  final: boolean;
  records: StepRecord[];
  metrics: { step: number; stages: Record<string, MetricSet> } | null;
  verdict: Verdict | null;
}

/** The run as the page shows it with the scrubber at frame `frameIndex` (clamped). */
export function replayAt(run: PreparedRun, records: StepRecord[], frameIndex: number): ReplayFrameState {
  const last = run.frames.length - 1;
  const i = Math.max(0, Math.min(last, Math.round(frameIndex)));
  const final = i === last;
  const step = run.frames[i].step;
  // Records carry the step they were taken at (before the update): x_step follows record step-1.
  const shownRecords = final ? records : records.filter((r) => r.step < step);
  const measured = run.record.metricHistory.filter((m) => m.step <= step || final).at(-1) ?? null;
  const metrics = measured ? { step: measured.step, stages: Object.fromEntries(Object.entries(measured.stages).map(([k, v]) => [k, importMetrics(v)])) } : null;
  return { frameIndex: i, step, final, records: shownRecords, metrics, verdict: final && run.record.verdict ? importVerdict(run.record.verdict) : null };
}
