/**
 * Verdicts in words: which criterion of the success test passed or failed, by how much,
 * against which null maximum, shown with as many digits as it takes to tell the value from
 * the maximum (or "equal to the null maximum" when they are the same number), and the step
 * budget the run had. Used by the page and the command line; pure, no DOM.
 */
import type { CriterionVerdict, MetricName, Verdict } from './types.ts';

export const CRITERION_LABELS: Record<MetricName | 'class', string> = {
  spearman: 'Spearman ρ',
  pearson: 'Pearson r',
  snrDb: 'SNR',
  class: 'class',
};

/** Decimals each metric is shown with at least (SNR in dB needs fewer). */
const MIN_DECIMALS: Record<MetricName, number> = { spearman: 4, pearson: 4, snrDb: 2 };
const MAX_DECIMALS = 12;

/**
 * The fewest decimals (at least `min`) at which `a` and `b` print differently and their
 * difference shows a significant digit, or null when they print the same even at
 * MAX_DECIMALS (the same number, for a reader).
 */
export function decimalsToTell(a: number, b: number, min: number): number | null {
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b ? null : min;
  const gap = Math.abs(a - b);
  const forGap = gap > 0 ? Math.ceil(-Math.log10(gap) - 1e-9) : min;
  for (let d = Math.max(min, Math.min(MAX_DECIMALS, forGap)); d <= MAX_DECIMALS; d++) if (a.toFixed(d) !== b.toFixed(d)) return d;
  return null;
}

function formatNumber(metric: MetricName, x: number, decimals: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '∞';
  if (x === -Infinity) return '−∞';
  const s = x.toFixed(decimals);
  return metric === 'snrDb' ? `${s} dB` : s;
}

export interface CriterionExplanation {
  criterion: MetricName | 'class';
  label: string;
  pass: boolean;
  /** The value and the null maximum, each with the digits that tell them apart. */
  value: string;
  threshold: string;
  /** e.g. "Spearman ρ 0.99971: below the null max 0.99978 by 0.00007". */
  text: string;
}

export function explainCriterion(c: CriterionVerdict): CriterionExplanation {
  const label = CRITERION_LABELS[c.criterion];
  if (c.criterion === 'class') {
    const value = String(c.value);
    const threshold = String(c.threshold);
    const text = c.pass ? `class “${value}”, the reference's` : `class “${value}”, not the reference's “${threshold}”`;
    return { criterion: c.criterion, label, pass: c.pass, value, threshold, text };
  }
  const metric = c.criterion;
  const v = Number(c.value);
  const t = Number(c.threshold);
  const min = MIN_DECIMALS[metric];
  if (Number.isNaN(v)) {
    return { criterion: metric, label, pass: false, value: 'NaN', threshold: formatNumber(metric, t, min),
      text: `${label} is undefined (NaN: e.g. constant activations), so it cannot beat the null max ${formatNumber(metric, t, min)}` };
  }
  const d = decimalsToTell(v, t, min);
  if (d === null) {
    const shown = formatNumber(metric, v, min);
    return { criterion: metric, label, pass: c.pass, value: shown, threshold: shown,
      text: `${label} ${shown} is equal to the null maximum: a metamer must be strictly above it` };
  }
  const value = formatNumber(metric, v, d);
  const threshold = formatNumber(metric, t, d);
  const gap = Number.isFinite(v - t) ? ` by ${formatNumber(metric, Math.abs(v - t), d)}` : '';
  const text = `${label} ${value}: ${c.pass ? 'above' : 'below'} the null max ${threshold}${gap}`;
  return { criterion: metric, label, pass: c.pass, value, threshold, text };
}

export interface VerdictExplanation {
  pass: boolean;
  /** One line: "passes at relu2: all 3 criteria hold" or "fails at relu2: Spearman ρ 0.99971: below the null max ...". */
  headline: string;
  criteria: CriterionExplanation[];
}

export function explainVerdict(v: Verdict): VerdictExplanation {
  const criteria = v.criteria.map(explainCriterion);
  const failed = criteria.filter((c) => !c.pass);
  const headline = v.pass
    ? `passes at ${v.stage}: ${criteria.length === 1 ? 'its criterion holds' : `all ${criteria.length} criteria hold`}`
    : `fails at ${v.stage}: ${failed.map((c) => c.text).join('; ')}`;
  return { pass: v.pass, headline, criteria };
}

/** "2,000 of 2,000 steps (4 × 500)", "stopped at 120 of 2,000 steps (4 × 500)". */
export function budgetText(stepsRun: number, budget: { passes: number; itersPerPass: number }, stopped = false): string {
  const total = budget.passes * budget.itersPerPass;
  const n = (x: number) => x.toLocaleString('en-US');
  const split = budget.passes > 1 ? ` (${budget.passes} × ${n(budget.itersPerPass)})` : '';
  return `${stopped || stepsRun < total ? 'stopped at ' : ''}${n(stepsRun)} of ${n(total)} steps${split}`;
}
