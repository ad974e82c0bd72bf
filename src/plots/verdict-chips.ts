/**
 * Which pass/fail chip a stage's metric shows: the final verdict's criterion when the run has
 * one, else a "live" comparison of the current value with the null maximum. Chips belong to
 * the generation stage only: the success test is defined there (spec section 3). No DOM here.
 */
import type { CriterionVerdict, MetricName, Verdict } from '../engine/types.ts';
import { passesNull } from './null-hist.ts';

export interface Chip {
  pass: boolean;
  /** true: from the final verdict; false: a live comparison that may still change. */
  final: boolean;
}

export function metricChip(stage: string, metric: MetricName, generationStage: string | null,
  verdict: Verdict | null, value: number | null | undefined, nullMax: number | null | undefined): Chip | null {
  if (stage !== generationStage) return null;
  if (verdict?.stage === stage) {
    const criterion = verdict.criteria.find((c) => c.criterion === metric);
    // A final verdict that does not use this metric (HMAX: SNR only) shows no chip for it.
    return criterion ? { pass: criterion.pass, final: true } : null;
  }
  const pass = passesNull(value, nullMax);
  return pass === null ? null : { pass, final: false };
}

/** The verdict's class criterion (same class as the reference), if the model has a readout. */
export function classCriterion(verdict: Verdict | null): CriterionVerdict | null {
  return verdict?.criteria.find((c) => c.criterion === 'class') ?? null;
}
