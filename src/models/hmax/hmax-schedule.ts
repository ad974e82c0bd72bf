/**
 * HMAX random-subset loss schedule (Feather et al. 2023, methods): during the first 2000
 * iterations of every pass the loss covers one randomly chosen subset of the stage's units,
 * re-drawn every 50 iterations; afterwards all units. Subsets: S1 one Gabor channel
 * (scale x orientation), C1 one band, S2 and C2 one patch size.
 *
 * Draws use ctx.random and happen only at redraw iterations (iterInPass % redrawEvery === 0),
 * so a run resumed from a saved RNG state draws the same subsets. A schedule created in the
 * middle of an interval (e.g. after reloading a run) has no current subset and draws once
 * on its first call.
 */
import * as tf from '@tensorflow/tfjs';
import type { LossSchedule, StepContext } from '../../engine/types.ts';
import type { HmaxLayout, HmaxParams } from './hmax-layout.ts';

export interface HmaxScheduleOptions {
  /** Iterations at the start of each pass that use a subset (paper: 2000). */
  subsetIters: number;
  /** Re-draw the subset every this many iterations (paper: 50). */
  redrawEvery: number;
}

export const HMAX_SCHEDULE_DEFAULTS: HmaxScheduleOptions = { subsetIters: 2000, redrawEvery: 50 };

/** Number of subsets of a stage and the 0/1 mask data of subset k (shape broadcastable to the stage). */
export function hmaxSubsets(
  stage: string,
  layout: HmaxLayout,
  params: HmaxParams,
): { count: number; shape: number[]; mask(k: number): Float32Array } {
  switch (stage) {
    case 'S1':
      return {
        count: layout.s1Channels,
        shape: [1, 1, 1, layout.s1Channels],
        mask: (k) => {
          const m = new Float32Array(layout.s1Channels);
          m[k] = 1;
          return m;
        },
      };
    case 'C1':
      return {
        count: layout.c1Bands.length,
        shape: [1, layout.c1Length],
        mask: (k) => {
          const m = new Float32Array(layout.c1Length);
          const band = layout.c1Bands[k];
          m.fill(1, band.offset, band.offset + band.length);
          return m;
        },
      };
    case 'S2':
      return {
        count: params.patchSizes.length,
        shape: [1, layout.s2Length],
        mask: (k) => {
          const m = new Float32Array(layout.s2Length);
          for (const b of layout.s2Blocks) if (b.sizeIndex === k) m.fill(1, b.offset, b.offset + b.length);
          return m;
        },
      };
    case 'C2':
      return {
        count: params.patchSizes.length,
        shape: [1, layout.c2Length],
        mask: (k) => {
          const m = new Float32Array(layout.c2Length);
          const P = params.prototypesPerSize;
          m.fill(1, k * P, (k + 1) * P);
          return m;
        },
      };
    default:
      throw new Error(`HMAX has no stage "${stage}"`);
  }
}

export class HmaxSubsetSchedule implements LossSchedule {
  private readonly masks = new Map<number, tf.Tensor>();
  private current = -1;
  private lastDraw = '';
  private readonly subsets: ReturnType<typeof hmaxSubsets>;

  constructor(
    readonly stage: string,
    layout: HmaxLayout,
    params: HmaxParams,
    readonly options: HmaxScheduleOptions = HMAX_SCHEDULE_DEFAULTS,
  ) {
    this.subsets = hmaxSubsets(stage, layout, params);
  }

  /** The subset index in use after the last maskFor call (-1 = all units). */
  get currentSubset(): number {
    return this.current;
  }

  get subsetCount(): number {
    return this.subsets.count;
  }

  maskFor(ctx: StepContext): tf.Tensor | null {
    if (ctx.iterInPass >= this.options.subsetIters) {
      this.current = -1;
      return null;
    }
    const key = `${ctx.pass}:${ctx.iterInPass}`;
    const redrawStep = ctx.iterInPass % this.options.redrawEvery === 0;
    // Draw once per redraw step (maskFor may be called more than once for the same step).
    if ((redrawStep && key !== this.lastDraw) || this.current < 0) {
      this.current = Math.min(this.subsets.count - 1, Math.floor(ctx.random() * this.subsets.count));
      this.lastDraw = key;
    }
    let mask = this.masks.get(this.current);
    if (!mask) {
      mask = tf.tensor(this.subsets.mask(this.current), this.subsets.shape);
      this.masks.set(this.current, mask);
    }
    return mask;
  }

  dispose(): void {
    for (const m of this.masks.values()) m.dispose();
    this.masks.clear();
  }
}

export function createHmaxSchedule(
  stage: string,
  layout: HmaxLayout,
  params: HmaxParams,
  options: HmaxScheduleOptions = HMAX_SCHEDULE_DEFAULTS,
): LossSchedule {
  return new HmaxSubsetSchedule(stage, layout, params, options);
}
