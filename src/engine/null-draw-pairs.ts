/** The random pairs of stimuli a null distribution is built from. */
import type { Rng } from './random.ts';

/**
 * `count` distinct unordered pairs {i, j}, i != j, from a pool of n, each oriented at random:
 * [reference, other]. With `groups`, only pairs of different groups are drawn. Deterministic for a seed.
 */
export function drawPairs(n: number, count: number, rng: Rng, groups?: readonly number[]): Array<[number, number]> {
  if (groups && groups.length !== n) throw new Error(`groups has ${groups.length} entries for a pool of ${n}`);
  const eligible = (i: number, j: number) => !groups || groups[i] !== groups[j];
  let total = (n * (n - 1)) / 2;
  if (groups) {
    const sizes = new Map<number, number>();
    for (const g of groups) sizes.set(g, (sizes.get(g) ?? 0) + 1);
    for (const k of sizes.values()) total -= (k * (k - 1)) / 2;
  }
  if (!Number.isInteger(count) || count < 1) throw new Error(`pairs must be a positive integer, got ${count}`);
  if (count > total) {
    throw new Error(`cannot draw ${count} distinct pairs from ${n} stimuli (at most ${total}${groups ? ' across different sources' : ''})`);
  }
  const chosen: Array<[number, number]> = [];
  if (count * 2 > total) {
    // Dense: partial Fisher-Yates over all eligible pairs.
    const all: Array<[number, number]> = [];
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (eligible(i, j)) all.push([i, j]);
    for (let k = 0; k < count; k++) {
      const r = k + rng.int(all.length - k);
      [all[k], all[r]] = [all[r], all[k]];
      chosen.push(all[k]);
    }
  } else {
    const seen = new Set<number>();
    while (chosen.length < count) {
      const i = rng.int(n);
      const j = rng.int(n);
      if (i === j || !eligible(i, j)) continue;
      const lo = Math.min(i, j);
      const hi = Math.max(i, j);
      const key = lo * n + hi;
      if (seen.has(key)) continue;
      seen.add(key);
      chosen.push([lo, hi]);
    }
  }
  return chosen.map(([i, j]) => (rng.uniform() < 0.5 ? [i, j] : [j, i]));
}
