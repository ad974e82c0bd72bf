/** How the pair pass walks a stage's units: blocks read from the store, cache tiles inside a block. */
import type { FeatureStore } from './feature-store.ts';

/**
 * Units per cache tile of the pair pass: all pairs are advanced over one tile before the next,
 * so the tile of all stimuli (poolSize x TILE x 8 bytes) stays in cache while pairs revisit it.
 */
export const TILE_UNITS = 2048;

/**
 * Units per block of the pair pass: the whole stage for an in-memory store (blocks are views),
 * else as many units as fit the budget for all stimuli (8 bytes each).
 */
export function blockUnitsFor(store: FeatureStore, units: number, poolSize: number, budget: number): number {
  if (!store.spills) return units;
  return Math.max(1, Math.min(units, Math.floor(budget / (poolSize * 8))));
}
