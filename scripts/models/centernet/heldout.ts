/**
 * Readout accuracy of a loaded CenterNet model on its held-out set (heldout/labels.json:
 * [{path, label}] relative to the model directory): argmax of the 16 readout logits.
 */
import * as tf from '@tensorflow/tfjs';
import type { StagedModel } from '../../../src/engine/types.ts';
import type { ModelSource } from '../../../src/models/manifest.ts';
import { decodePng } from '../../../src/models/png-image.ts';

export interface HeldoutResult {
  correct: number;
  total: number;
  predictions: { path: string; label: string; predicted: string }[];
}

export async function evaluateHeldout(model: StagedModel, source: ModelSource, labelsPath: string): Promise<HeldoutResult> {
  const readout = model.readout;
  if (!readout) throw new Error(`model "${model.id}" has no readout`);
  const items = await source.readJson<{ path: string; label: string }[]>(`${model.id}/${labelsPath}`);
  const predictions: HeldoutResult['predictions'] = [];
  const [h, w, c] = model.inputSpec.shape;
  for (const item of items) {
    const img = decodePng(await source.readBinary(`${model.id}/${item.path}`), c as 1 | 3, model.inputSpec.range);
    const x = tf.tensor(img.data, [1, h, w, c]);
    const logits = readout.logits(x);
    const k = (await tf.argMax(logits, 1).data())[0];
    predictions.push({ path: item.path, label: item.label, predicted: readout.labels[k] });
    tf.dispose([x, logits]);
  }
  return { correct: predictions.filter((p) => p.label === p.predicted).length, total: predictions.length, predictions };
}
