/**
 * The class readout as people read it: softmax probabilities of the logits and the k most
 * probable classes. Float64 throughout; softmax subtracts the largest logit first so logits
 * in the thousands neither overflow nor underflow to 0/0. No DOM here.
 */

// The one softmax of the project lives in the engine (the recognition of metamers by other models uses it too).
import { softmax } from '../engine/softmax.ts';

export { softmax };

export interface RankedClass {
  /** Index into the logits / classes. */
  index: number;
  label: string;
  logit: number;
  probability: number;
}

/**
 * The k most probable classes, most probable first; ties keep the lower class index first
 * (a stable order, so the display does not flicker between equal classes). Fewer than k
 * classes: all of them. Missing labels read "class <index>".
 */
export function topK(logits: readonly number[], classes: readonly string[], k = 5): RankedClass[] {
  const probabilities = softmax(logits);
  const ranked = probabilities.map((probability, index) => ({
    index, probability, logit: logits[index], label: classes[index] ?? `class ${index}`,
  }));
  ranked.sort((a, b) => b.probability - a.probability || a.index - b.index);
  return ranked.slice(0, Math.max(0, k));
}
