/**
 * A model's recognition of one input: the softmax of its class readout (in float64 from the
 * logits), the top classes, and whether it names a given true class. The input must already be
 * fitted to the model's input (adapt-input.ts for tensors, the CLI's prepareInput for files).
 */
import * as tf from '@tensorflow/tfjs';
import type { StagedModel } from '../../engine/types.ts';
import { labelKey } from './readers.ts';
import { argMaxIndex, readoutLogits } from '../../engine/readout.ts';
import { softmax } from '../../engine/softmax.ts';

export interface ClassProbability {
  label: string;
  probability: number;
}

export interface Recognition {
  modelId: string;
  /** The model's class names, in its logit order. */
  labels: string[];
  /** Softmax of the logits, same order as labels. */
  probabilities: number[];
  /** Index of the largest logit (ties: the first). */
  argmax: number;
  /** The model's answer: labels[argmax]. */
  predicted: string;
  /** The `topK` most probable classes, most probable first. */
  top: ClassProbability[];
}

/** Recognition from logits (exported for the worker and tests, which may have logits already). */
export function recognitionFromLogits(modelId: string, labels: readonly string[], logits: ArrayLike<number>, topK = 5): Recognition {
  if (logits.length !== labels.length) {
    throw new Error(`model "${modelId}": ${logits.length} logits for ${labels.length} class names`);
  }
  const probabilities = softmax(Array.from(logits));
  const argmax = argMaxIndex(logits);
  const order = probabilities.map((p, i) => i).sort((a, b) => probabilities[b] - probabilities[a] || a - b);
  return {
    modelId,
    labels: [...labels],
    probabilities,
    argmax,
    predicted: labels[argmax],
    top: order.slice(0, Math.min(topK, labels.length)).map((i) => ({ label: labels[i], probability: probabilities[i] })),
  };
}

/** Runs the model's readout on x ([1, ...inputSpec.shape], raw range) and reads it out. */
export async function recognise(model: StagedModel, x: tf.Tensor, topK = 5): Promise<Recognition> {
  const logits = await readoutLogits(model, x);
  if (!logits || !model.readout) throw new Error(`model "${model.id}" has no class readout: it cannot recognise inputs`);
  return recognitionFromLogits(model.id, model.readout.labels, logits, topK);
}

/** The probability the model gives to `label` (by name; 0 when it has no such class). */
export function probabilityOf(r: Recognition, label: string): number {
  const key = labelKey(label);
  const i = r.labels.findIndex((l) => labelKey(l) === key);
  return i < 0 ? 0 : r.probabilities[i];
}

/** Whether the model's answer is `label` (compared by name, as readers.ts does). */
export function recognisedAs(r: Recognition, label: string): boolean {
  return labelKey(r.predicted) === labelKey(label);
}
