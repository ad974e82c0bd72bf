/**
 * The paper's success test for a metamer (spec section 3): at the generation stage each used
 * metric must lie strictly above the null distribution's maximum, and, when the model has a
 * class readout, the metamer must get the reference's class.
 */
import { NULL_METRICS, type CriterionVerdict, type MetricName, type MetricSet, type NullDistribution, type Verdict } from './types.ts';

export interface SuccessTestInput {
  stage: string;
  /** Metrics between the reference and the metamer at `stage`. */
  metrics: MetricSet;
  nullDist: NullDistribution;
  /** Metrics that count (default all three; HMAX uses only ['snrDb']). */
  metricsUsed?: readonly MetricName[];
  /** Both given: the class criterion is added (model has a readout). */
  referenceClass?: string;
  metamerClass?: string;
}

export function successTest(input: SuccessTestInput): Verdict {
  const { stage, metrics, nullDist } = input;
  const used = input.metricsUsed ?? NULL_METRICS;
  if (used.length === 0) throw new Error('success test: no metrics selected');
  const stageNull = nullDist.stages[stage];
  if (!stageNull) {
    const have = Object.keys(nullDist.stages).join(', ');
    throw new Error(`null distribution of model "${nullDist.model}" has no stage "${stage}" (it has: ${have})`);
  }
  const criteria: CriterionVerdict[] = used.map((m) => {
    const summary = stageNull[m];
    if (!summary) throw new Error(`null distribution of model "${nullDist.model}" has no "${m}" at stage "${stage}"`);
    const value = metrics[m];
    // NaN never passes; +Infinity (an exact match, SNR) passes.
    return { criterion: m, value, threshold: summary.max, pass: value > summary.max };
  });
  const hasRef = input.referenceClass !== undefined;
  const hasMet = input.metamerClass !== undefined;
  if (hasRef !== hasMet) throw new Error('success test: the class criterion needs both referenceClass and metamerClass');
  if (hasRef && hasMet) {
    criteria.push({
      criterion: 'class',
      value: input.metamerClass!,
      threshold: input.referenceClass!,
      pass: input.metamerClass === input.referenceClass,
    });
  }
  return { stage, pass: criteria.every((c) => c.pass), criteria };
}
