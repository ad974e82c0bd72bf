/** A model's class readout of one stimulus: its logits, and the class they pick (one rule for page and CLI). */
import * as tf from '@tensorflow/tfjs';
import type { StagedModel } from './types.ts';

/** The readout's logits for x ([1, ...shape]), or null when the model has no readout. */
export async function readoutLogits(model: Pick<StagedModel, 'readout'>, x: tf.Tensor): Promise<number[] | null> {
  const readout = model.readout;
  if (!readout) return null;
  const logits = tf.tidy(() => readout.logits(x).reshape([-1]));
  try {
    return Array.from(await logits.data());
  } finally {
    logits.dispose();
  }
}

/** Index of the largest logit (the first of equal ones, as tf.argMax). */
export function argMaxIndex(logits: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  return best;
}

/** The class label the readout gives x, or undefined when the model has no readout. */
export async function readoutClass(model: Pick<StagedModel, 'readout'>, x: tf.Tensor): Promise<string | undefined> {
  const logits = await readoutLogits(model, x);
  if (!logits || !model.readout) return undefined;
  const i = argMaxIndex(logits);
  return model.readout.labels[i] ?? String(i);
}
