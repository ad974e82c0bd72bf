/** Which metrics a model's success test uses (spec section 3), one rule for the page and the CLI. */
import { NULL_METRICS, type MetricName } from '../engine/types.ts';
import type { ModelManifest } from './manifest.ts';

/** manifest.params.successMetrics when it is a non-empty list of known metrics; else HMAX: SNR only; else all three. */
export function successMetricsOf(manifest: Pick<ModelManifest, 'params' | 'builder'>): readonly MetricName[] {
  const declared = manifest.params?.successMetrics;
  if (Array.isArray(declared) && declared.length && declared.every((m) => (NULL_METRICS as readonly unknown[]).includes(m))) {
    return declared as MetricName[];
  }
  return manifest.builder === 'hmax' ? ['snrDb'] : NULL_METRICS;
}
