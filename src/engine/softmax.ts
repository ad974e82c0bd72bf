/** Class probabilities from logits, in float64 (no tfjs: the page's main thread uses it too). */

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
