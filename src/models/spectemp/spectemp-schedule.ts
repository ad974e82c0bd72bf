/**
 * Spectemp coarse-to-fine loss schedule (Feather et al. 2023; spec section 2): the loss first
 * covers only the lowest-modulation filters and the next of 7 sets is added every 400
 * iterations, restarting at every pass. Set n holds the filters whose rate <= the nth temporal
 * cutoff [0,0.5,1,2,4,8,16] Hz OR whose scale <= the nth spectral cutoff [0,...,2] cycles/ERB.
 *
 * Masks are 0/1 over the filter axis ([1, F, 1, 1] for filtered_signal / power, [1, F, 1] for
 * average), cached per set; a set that holds every filter returns null ("all units").
 * The cochleagram stage has no schedule.
 */
import * as tf from '@tensorflow/tfjs';
import type { LossSchedule, StepContext } from '../../engine/types.ts';
import { inScheduleSet, SCHEDULE_TEMPORAL_CUTOFFS, type ModulationFilter } from './spectemp-filters.ts';

export const SPECTEMP_SCHEDULE_STEP = 400;
export const SPECTEMP_SET_COUNT = SCHEDULE_TEMPORAL_CUTOFFS.length;

/** Which set is active at an iteration inside a pass. */
export function activeSet(iterInPass: number, every = SPECTEMP_SCHEDULE_STEP): number {
  return Math.min(SPECTEMP_SET_COUNT - 1, Math.floor(iterInPass / every));
}

/** 0/1 membership of each filter in set n. */
export function setMembership(filters: readonly ModulationFilter[], n: number): Float32Array {
  return Float32Array.from(filters, (f) => (inScheduleSet(f, n) ? 1 : 0));
}

export class SpectempCoarseToFineSchedule implements LossSchedule {
  private readonly masks = new Map<number, tf.Tensor | null>();
  private readonly maskShape: number[];

  constructor(
    readonly stage: 'filtered_signal' | 'power' | 'average',
    readonly filters: readonly ModulationFilter[],
    readonly every = SPECTEMP_SCHEDULE_STEP,
  ) {
    const F = filters.length;
    this.maskShape = stage === 'average' ? [1, F, 1] : [1, F, 1, 1];
  }

  maskFor(ctx: StepContext): tf.Tensor | null {
    const n = activeSet(ctx.iterInPass, this.every);
    if (!this.masks.has(n)) {
      const m = setMembership(this.filters, n);
      this.masks.set(n, m.every((v) => v === 1) ? null : tf.tensor(m, this.maskShape));
    }
    return this.masks.get(n) ?? null;
  }

  dispose(): void {
    for (const m of this.masks.values()) m?.dispose();
    this.masks.clear();
  }
}

export function createSpectempSchedule(stage: string, filters: readonly ModulationFilter[]): LossSchedule | null {
  if (stage === 'filtered_signal' || stage === 'power' || stage === 'average') {
    return new SpectempCoarseToFineSchedule(stage, filters);
  }
  return null;
}
