/**
 * Turns the null builder's progress callbacks (activations of each stimulus per stage group,
 * then pairs per stage) into one fraction for a progress bar, and picks the stimulus pool size.
 * The bar must only move forward even when the stages are split into several groups (each
 * group re-reads the pool), so each stage's activations and pairs are tracked separately.
 */
import type { NullProgress } from '../engine/null-builder.ts';

/** Share of the work that is activations (forward passes); the rest is pair metrics. */
const ACTIVATION_SHARE = 0.8;

export class NullProgressMeter {
  private readonly activations = new Map<string, number>();
  private readonly pairs = new Map<string, number>();

  constructor(private readonly stages: readonly string[]) {
    if (stages.length === 0) throw new Error('NullProgressMeter needs at least one stage');
  }

  /** Records one progress event; returns the overall fraction done (0..1, never decreasing). */
  update(p: NullProgress): number {
    const part = p.total > 0 ? Math.min(1, p.done / p.total) : 1;
    const into = p.phase === 'activations' ? this.activations : this.pairs;
    for (const s of p.stages) into.set(s, Math.max(into.get(s) ?? 0, part));
    return this.fraction();
  }

  fraction(): number {
    let sum = 0;
    for (const s of this.stages) sum += ACTIVATION_SHARE * (this.activations.get(s) ?? 0) + (1 - ACTIVATION_SHARE) * (this.pairs.get(s) ?? 0);
    return sum / this.stages.length;
  }
}

/** What a progress event means, in words for the page. */
export function describeNullProgress(p: NullProgress): string {
  return p.phase === 'activations'
    ? `activations of natural stimulus ${p.done} of ${p.total} (${p.stages.join(', ')})`
    : `metrics of pair ${p.done} of ${p.total} at ${p.stages[0]}`;
}

/** Smallest pool whose distinct pairs number at least twice `pairs` (as `metamer null` picks it). */
export function poolSizeFor(pairs: number): number {
  let n = 2;
  while ((n * (n - 1)) / 2 < 2 * pairs) n++;
  return n;
}
