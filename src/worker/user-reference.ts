/**
 * The user's own reference (sent by the page with the 'start' command) as a model input:
 * checked against the model's input spec before it replaces the bundled reference.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelManifest } from '../models/manifest.ts';

/** [1, ...inputSpec.shape] tensor of `data`; throws when its length or values do not fit the model. */
export function userReference(manifest: ModelManifest, data: Float32Array): tf.Tensor {
  const shape = manifest.inputSpec.shape;
  const size = shape.reduce((a, b) => a * b, 1);
  if (data.length !== size) {
    throw new Error(`your reference has ${data.length} values; model "${manifest.id}" takes ${size} ([${shape.join(', ')}])`);
  }
  const [lo, hi] = manifest.inputSpec.range;
  const bad = data.findIndex((v) => !Number.isFinite(v) || v < lo || v > hi);
  if (bad >= 0) throw new Error(`your reference has value ${data[bad]} at index ${bad}, outside the model's range [${lo}, ${hi}]`);
  return tf.tensor(data, [1, ...shape]);
}
