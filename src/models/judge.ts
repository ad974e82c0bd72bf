/**
 * The paper's success test of a finished run, as the page's worker and the CLI both apply it:
 * the metrics at the generation stage against the model's null maxima (successTest), with the
 * model's success metrics, and the class criterion when the model has a readout.
 */
import type * as tf from '@tensorflow/tfjs';
import { validateNullDistribution } from '../engine/null-distribution.ts';
import { readoutClass } from '../engine/readout.ts';
import { successTest } from '../engine/verdict.ts';
import type { MetricSet, NullDistribution, StagedModel, Verdict } from '../engine/types.ts';
import type { ModelManifest } from './manifest.ts';
import { successMetricsOf } from './success-metrics.ts';

export interface JudgeInput {
  model: Pick<StagedModel, 'readout'>;
  manifest: Pick<ModelManifest, 'id' | 'params' | 'builder'>;
  nullDistribution: NullDistribution | null | undefined;
  stage: string;
  /** Final metrics of the run, per stage (the generation stage must be among them). */
  metrics: Record<string, MetricSet>;
  /** [1, ...shape] raw stimuli. */
  reference: tf.Tensor;
  metamer: tf.Tensor;
}

/** A verdict, or why there is none (no null distribution, or none at this stage, or no metrics there). */
export type Judgement = { verdict: Verdict; missing: null } | { verdict: null; missing: 'no-null' | 'no-stage' | 'no-metrics' };

export async function judgeMetamer(input: JudgeInput): Promise<Judgement> {
  const { nullDistribution: dist, stage } = input;
  if (!dist) return { verdict: null, missing: 'no-null' };
  if (!dist.stages?.[stage]) return { verdict: null, missing: 'no-stage' };
  const stageMetrics = input.metrics[stage];
  if (!stageMetrics) return { verdict: null, missing: 'no-metrics' };
  const referenceClass = await readoutClass(input.model, input.reference);
  const metamerClass = await readoutClass(input.model, input.metamer);
  const verdict = successTest({
    stage,
    metrics: stageMetrics,
    nullDist: validateNullDistribution(dist),
    metricsUsed: successMetricsOf(input.manifest),
    referenceClass,
    metamerClass,
  });
  return { verdict, missing: null };
}
