/**
 * The class readout as people read it: softmax probabilities of the logits and the k most
 * probable classes. Float64 throughout; softmax subtracts the largest logit first so logits
 * in the thousands neither overflow nor underflow to 0/0. No DOM here.
 */

/**
 * Numerically stable softmax. NaN logits get probability 0 (treated as -Infinity); if any
 * logit is +Infinity, the +Infinity logits share the mass equally; all -Infinity (or an
 * all-NaN vector) gives the uniform distribution (no evidence for any class).
 */
export function softmax(logits: readonly number[]): number[] {
  const n = logits.length;
  if (n === 0) return [];
  const clean = logits.map((v) => (Number.isNaN(v) ? -Infinity : v));
  const max = clean.reduce((m, v) => (v > m ? v : m), -Infinity);
  if (max === -Infinity) return clean.map(() => 1 / n);
  if (max === Infinity) {
    const top = clean.filter((v) => v === Infinity).length;
    return clean.map((v) => (v === Infinity ? 1 / top : 0));
  }
  const exps = clean.map((v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

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
