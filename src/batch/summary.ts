/**
 * The numbers of a batch summary, from the jobs' run records (metamer-run-export/1) and the
 * labels other models read out from the metamers: per model and stage the pass rate of the
 * success test, the distributions of the match metrics at the generation stage, and the
 * recognition rate of each recogniser (the generating model itself and every model that can read
 * its metamers: models/recognition/readers.ts). Pure: no files, no tfjs.
 */
import { quantileSorted } from '../engine/null-distribution.ts';
import { NULL_METRICS, type MetricName } from '../engine/types.ts';
import type { JsonNumber, RunExport } from '../export/run-json.ts';

export interface SummaryJob {
  id: string;
  model: string;
  stage: string;
  record: RunExport;
  /** The reference's true label (bundled label, else the generating model's readout), or null. */
  referenceLabel: string | null;
  /** Per recogniser model id: the class it read out from the metamer, and whether that is the reference's. */
  recognised: Record<string, { predicted: string; correct: boolean }>;
}

export interface Distribution {
  n: number;
  min: number;
  q25: number;
  median: number;
  q75: number;
  max: number;
  mean: number;
}

export interface StageSummary {
  model: string;
  stage: string;
  jobs: number;
  /** Jobs with a success test (the model has a null distribution for the stage). */
  tested: number;
  passed: number;
  /** passed / tested, null without tests. */
  passRate: number | null;
  /** Generation-stage metrics over the jobs (finite values only; an SNR of +Infinity counts as such in `infinite`). */
  metrics: Record<MetricName, Distribution | null>;
  infinite: Record<MetricName, number>;
  /** Per recogniser: share of metamers it gives the reference's label. */
  recognition: Record<string, { correct: number; n: number; rate: number }>;
}

export interface BatchSummary {
  format: 'metamer-batch-summary/1';
  jobs: { total: number; done: number };
  /** Chance level of recognition per model (1 / number of classes), null without classes. */
  chance: Record<string, number | null>;
  /** Recogniser ids per generating model. */
  recognisers: Record<string, string[]>;
  stages: StageSummary[];
}

export function jsonToNumber(x: JsonNumber | undefined): number {
  if (x === undefined) return NaN;
  if (typeof x === 'number') return x;
  return x === 'Infinity' ? Infinity : x === '-Infinity' ? -Infinity : NaN;
}

/** Order statistics with numpy's linear quantiles; null for no values. */
export function distribution(values: readonly number[]): Distribution | null {
  const v = values.filter(Number.isFinite);
  if (v.length === 0) return null;
  const sorted = Float64Array.from(v).sort();
  return {
    n: sorted.length,
    min: sorted[0],
    q25: quantileSorted(sorted, 0.25),
    median: quantileSorted(sorted, 0.5),
    q75: quantileSorted(sorted, 0.75),
    max: sorted[sorted.length - 1],
    mean: v.reduce((a, b) => a + b, 0) / v.length,
  };
}

/** The generation-stage metrics at the end of a run record. */
export function finalStageMetrics(record: RunExport): Record<MetricName, number> | null {
  const last = record.metricHistory.at(-1);
  const set = last?.stages[record.stage];
  if (!set) return null;
  return { spearman: jsonToNumber(set.spearman), pearson: jsonToNumber(set.pearson), snrDb: jsonToNumber(set.snrDb) };
}

export function summarizeBatch(
  jobs: readonly SummaryJob[],
  plan: { total: number; order: { model: string; stage: string }[] },
  chance: Record<string, number | null>,
  recognisers: Record<string, string[]>,
): BatchSummary {
  const stages: StageSummary[] = [];
  for (const { model, stage } of plan.order) {
    const mine = jobs.filter((j) => j.model === model && j.stage === stage);
    const tested = mine.filter((j) => j.record.verdict !== null);
    const passed = tested.filter((j) => j.record.verdict!.pass).length;
    const finals = mine.map((j) => finalStageMetrics(j.record)).filter((m): m is Record<MetricName, number> => m !== null);
    const metrics = {} as StageSummary['metrics'];
    const infinite = {} as StageSummary['infinite'];
    for (const m of NULL_METRICS) {
      metrics[m] = distribution(finals.map((f) => f[m]));
      infinite[m] = finals.filter((f) => f[m] === Infinity).length;
    }
    const recognition: StageSummary['recognition'] = {};
    for (const r of recognisers[model] ?? []) {
      const judged = mine.filter((j) => j.referenceLabel !== null && j.recognised[r] !== undefined);
      const correct = judged.filter((j) => j.recognised[r].correct).length;
      if (judged.length > 0) recognition[r] = { correct, n: judged.length, rate: correct / judged.length };
    }
    stages.push({ model, stage, jobs: mine.length, tested: tested.length, passed, passRate: tested.length > 0 ? passed / tested.length : null, metrics, infinite, recognition });
  }
  return { format: 'metamer-batch-summary/1', jobs: { total: plan.total, done: jobs.length }, chance, recognisers, stages };
}
