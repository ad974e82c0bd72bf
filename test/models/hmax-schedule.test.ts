import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { useNodeBackend } from '../../src/platform/tf-node.ts';
import { Rng } from '../../src/engine/random.ts';
import type { StepContext } from '../../src/engine/types.ts';
import { DEFAULT_HMAX_PARAMS } from '../../src/models/hmax/hmax-model.ts';
import { hmaxLayout } from '../../src/models/hmax/hmax-layout.ts';
import { HmaxSubsetSchedule } from '../../src/models/hmax/hmax-schedule.ts';

beforeAll(async () => {
  await useNodeBackend('cpu');
});

const params = DEFAULT_HMAX_PARAMS;
const layout = hmaxLayout(params, 250, 250);

/** Which subset a mask selects, decoded independently of the schedule's own bookkeeping. */
function decodeSubset(stage: string, mask: Float32Array): number[] {
  const hits: number[] = [];
  if (stage === 'S1') mask.forEach((v, i) => { if (v === 1) hits.push(i); });
  if (stage === 'C1') {
    layout.c1Bands.forEach((b) => {
      const part = mask.subarray(b.offset, b.offset + b.length);
      if (part.every((v) => v === 1)) hits.push(b.band);
      else expect(part.every((v) => v === 0)).toBe(true);
    });
  }
  if (stage === 'S2') {
    params.patchSizes.forEach((_, i) => {
      const blocks = layout.s2Blocks.filter((b) => b.sizeIndex === i);
      const on = blocks.map((b) => mask.subarray(b.offset, b.offset + b.length).every((v) => v === 1));
      const off = blocks.map((b) => mask.subarray(b.offset, b.offset + b.length).every((v) => v === 0));
      if (on.every(Boolean)) hits.push(i);
      else expect(off.every(Boolean)).toBe(true);
    });
  }
  if (stage === 'C2') {
    const P = params.prototypesPerSize;
    params.patchSizes.forEach((_, i) => {
      const part = mask.subarray(i * P, (i + 1) * P);
      if (part.every((v) => v === 1)) hits.push(i);
      else expect(part.every((v) => v === 0)).toBe(true);
    });
  }
  // Exactly the selected units are 1, everything else 0.
  expect(mask.every((v) => v === 0 || v === 1)).toBe(true);
  return hits;
}

function runPasses(stage: string, seed: number, passes: number, itersPerPass: number) {
  const sched = new HmaxSubsetSchedule(stage, layout, params);
  const rng = new Rng(seed);
  let draws = 0;
  const random = () => { draws++; return rng.uniform(); };
  const subsets: number[][] = [];
  const drawsAt: number[] = [];
  // Decode each distinct (cached) mask tensor once; later steps reuse the decoding.
  const decoded = new Map<tf.Tensor, number[]>();
  let step = 0;
  for (let pass = 0; pass < passes; pass++) {
    const row: number[] = [];
    for (let it = 0; it < itersPerPass; it++, step++) {
      const ctx: StepContext = { step, pass, iterInPass: it, itersPerPass, random };
      const before = draws;
      const mask = sched.maskFor(ctx);
      // A second call at the same step must not draw again.
      expect(sched.maskFor(ctx)).toBe(mask);
      if (draws > before) drawsAt.push(it);
      if (mask === null) { row.push(-1); continue; }
      let hits = decoded.get(mask);
      if (!hits) {
        hits = decodeSubset(stage, mask.dataSync() as Float32Array);
        decoded.set(mask, hits);
      }
      expect(hits.length, `${stage} pass ${pass} iter ${it}`).toBe(1);
      row.push(hits[0]);
    }
    subsets.push(row);
  }
  return { sched, subsets, drawsAt, draws };
}

describe('HMAX random-subset loss schedule', () => {
  for (const stage of ['S1', 'C1', 'S2', 'C2']) {
    it(`${stage}: one subset for 2000 iterations, redrawn every 50, all units after`, () => {
      const tensorsBefore = tf.memory().numTensors;
      const { sched, subsets, drawsAt, draws } = runPasses(stage, 42, 2, 2300);
      const counts = { S1: 32, C1: 4, S2: 4, C2: 4 }[stage]!;
      expect(sched.subsetCount).toBe(counts);
      for (const row of subsets) {
        for (let it = 0; it < 2300; it++) {
          if (it >= 2000) expect(row[it]).toBe(-1);
          else if (it % 50 !== 0) expect(row[it]).toBe(row[it - 1]);
        }
        // The draws are random: more than one subset appears across 40 intervals.
        expect(new Set(row.slice(0, 2000)).size).toBeGreaterThan(1);
      }
      // ctx.random is used only at redraw steps: 40 per pass.
      expect(draws).toBe(80);
      expect(drawsAt.every((it) => it % 50 === 0 && it < 2000)).toBe(true);
      // Masks are cached: at most one tensor per subset, released by dispose().
      expect(tf.memory().numTensors - tensorsBefore).toBeLessThanOrEqual(counts);
      sched.dispose();
      expect(tf.memory().numTensors).toBe(tensorsBefore);
    });
  }

  it('is reproducible from the RNG alone (same seed, same subsets)', () => {
    const a = runPasses('C1', 7, 1, 600);
    const b = runPasses('C1', 7, 1, 600);
    expect(a.subsets).toEqual(b.subsets);
    a.sched.dispose();
    b.sched.dispose();
  });

  it('masks broadcast against the stage activations', () => {
    const sched = new HmaxSubsetSchedule('S1', layout, params);
    const ctx: StepContext = { step: 0, pass: 0, iterInPass: 0, itersPerPass: 3000, random: () => 0.5 };
    const mask = sched.maskFor(ctx)!;
    expect(mask.shape).toEqual([1, 1, 1, 32]);
    expect(Array.from(mask.dataSync()).indexOf(1)).toBe(16);
    sched.dispose();
  });
});
