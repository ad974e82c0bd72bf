import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { useNodeBackend } from '../../src/platform/tf-node.ts';
import { buildNullDistribution, computeNullValues } from '../../src/engine/null-builder.ts';
import { drawPairs } from '../../src/engine/null-draw-pairs.ts';
import { stageMetrics } from '../../src/engine/metrics.ts';
import { validateNullDistribution } from '../../src/engine/null-distribution.ts';
import { Rng } from '../../src/engine/random.ts';
import type { StagedModel } from '../../src/engine/types.ts';
import { toyModel, toyStimuli } from './toy-model.ts';

/** Float64 references written independently of the builder: O(n^2) ranks, two-pass Pearson. */
function ranks64(x: ArrayLike<number>): number[] {
  const v = Array.from(x);
  return v.map((a) => v.filter((b) => b < a).length + (v.filter((b) => b === a).length + 1) / 2);
}
function pearson64(a: number[], b: number[]): number {
  const ma = a.reduce((s, v) => s + v, 0) / a.length;
  const mb = b.reduce((s, v) => s + v, 0) / b.length;
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += (a[i] - ma) * (b[i] - mb);
    aa += (a[i] - ma) ** 2;
    bb += (b[i] - mb) ** 2;
  }
  return aa === 0 || bb === 0 ? 0 : ab / Math.sqrt(aa * bb);
}

let model: StagedModel;
let stimuli: tf.Tensor[];

beforeAll(async () => {
  await useNodeBackend('cpu');
  model = toyModel();
  stimuli = toyStimuli(12, 5);
});
afterAll(() => {
  tf.dispose(stimuli);
  model.dispose();
});

describe('drawPairs', () => {
  it('draws distinct unordered pairs of different stimuli, both orientations, deterministically', () => {
    for (const count of [10, 40, 45]) {
      const pairs = drawPairs(10, count, new Rng(1));
      expect(pairs.length).toBe(count);
      expect(pairs.every(([i, j]) => i !== j && i >= 0 && j >= 0 && i < 10 && j < 10)).toBe(true);
      const keys = new Set(pairs.map(([i, j]) => `${Math.min(i, j)},${Math.max(i, j)}`));
      expect(keys.size).toBe(count);
      expect(drawPairs(10, count, new Rng(1))).toEqual(pairs);
    }
    const many = drawPairs(100, 2000, new Rng(2));
    const forward = many.filter(([i, j]) => i < j).length;
    expect(forward).toBeGreaterThan(900);
    expect(forward).toBeLessThan(1100);
    expect(() => drawPairs(10, 46, new Rng(1))).toThrow(/at most 45/);
  });

  it('never pairs two stimuli of one source (e.g. two crops of one photo), sparse or dense', () => {
    // 12 stimuli from 3 sources of 4: 66 pairs, 3 * 6 = 18 within a source, 48 across.
    const groups = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2];
    for (const count of [5, 30, 48]) {
      const pairs = drawPairs(12, count, new Rng(3), groups);
      expect(pairs).toHaveLength(count);
      expect(pairs.every(([i, j]) => groups[i] !== groups[j])).toBe(true);
      expect(new Set(pairs.map(([i, j]) => Math.min(i, j) * 12 + Math.max(i, j))).size).toBe(count);
    }
    expect(() => drawPairs(12, 49, new Rng(3), groups)).toThrow(/at most 48 across different sources/);
    expect(() => drawPairs(12, 5, new Rng(3), [0, 1])).toThrow(/2 entries for a pool of 12/);
  });
});

describe('computeNullValues', () => {
  it('equals stageMetrics and float64 references on the same pairs at every stage', async () => {
    const before = tf.memory().numTensors;
    const { pairs, values } = await computeNullValues({ model, stimuli, pairs: 30, seed: 9 });
    expect(tf.memory().numTensors).toBe(before);
    for (const stage of model.stages) {
      for (let p = 0; p < pairs.length; p++) {
        const [i, j] = pairs[p];
        const acts = [model.forward(stimuli[i], [stage])[stage], model.forward(stimuli[j], [stage])[stage]];
        const direct = await stageMetrics(acts[0], acts[1]);
        const a = Array.from(acts[0].dataSync());
        const b = Array.from(acts[1].dataSync());
        tf.dispose(acts);
        expect(values[stage].spearman[p]).toBeCloseTo(direct.spearman, 5);
        expect(values[stage].pearson[p]).toBeCloseTo(direct.pearson, 5);
        expect(values[stage].snrDb[p]).toBeCloseTo(direct.snrDb, 4);
        expect(values[stage].spearman[p]).toBeCloseTo(pearson64(ranks64(a), ranks64(b)), 6);
        expect(values[stage].pearson[p]).toBeCloseTo(pearson64(a, b), 6);
      }
    }
    // Degenerate stages follow stageMetrics' conventions: both all zero -> every metric 0;
    // constant vectors -> correlations 0 (and equal constants -> SNR +Infinity).
    expect(Array.from(values.zero.snrDb).every((v) => v === 0)).toBe(true);
    expect(Array.from(values.flat.pearson).every((v) => v === 0)).toBe(true);
    expect(Array.from(values.flat.snrDb).every((v) => v === Infinity)).toBe(true);
    // The relu stage has ties (quantised inputs, zeros): Spearman differs from Pearson there.
    expect(values.relu.spearman.some((v, k) => Math.abs(v - values.relu.pearson[k]) > 1e-3)).toBe(true);
  });

  it('gives the same values stage by stage (tiny memory budget) and from a stimulus factory', async () => {
    const base = await computeNullValues({ model, stimuli, pairs: 20, seed: 4, stages: ['conv', 'pool'] });
    const before = tf.memory().numTensors;
    let calls = 0;
    const factory = async function* () {
      calls++;
      for (const s of toyStimuli(12, 5)) yield s; // fresh tensors: the builder disposes them
    };
    const progress: string[] = [];
    const other = await computeNullValues({
      model,
      stimuli: factory,
      pairs: 20,
      seed: 4,
      stages: ['conv', 'pool'],
      memoryBudgetBytes: 1,
      onProgress: (p) => progress.push(`${p.phase}:${p.stages.join('+')}`),
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(calls).toBe(3); // one sizing pass + one per stage group
    expect(other.pairs).toEqual(base.pairs);
    for (const s of ['conv', 'pool']) expect(Array.from(other.values[s].snrDb)).toEqual(Array.from(base.values[s].snrDb));
    expect(progress).toContain('activations:conv');
    expect(progress).toContain('pairs:pool');
  });

  it('rejects unknown stages, too many pairs and aborts', async () => {
    await expect(computeNullValues({ model, stimuli, pairs: 5, seed: 1, stages: ['fc'] })).rejects.toThrow(/no stage "fc"/);
    await expect(computeNullValues({ model, stimuli, pairs: 67, seed: 1 })).rejects.toThrow(/at most 66/);
    const ac = new AbortController();
    ac.abort();
    await expect(computeNullValues({ model, stimuli, pairs: 5, seed: 1, signal: ac.signal })).rejects.toThrow(/aborted/);
  });
});

describe('buildNullDistribution', () => {
  it('writes a valid file whose maxima are the maxima of the pair values', async () => {
    const stages = ['conv', 'relu', 'pool'];
    const dist = await buildNullDistribution({ model, stimuli, pairs: 25, seed: 3, stages, sourceDescription: 'toy images' });
    const { values } = await computeNullValues({ model, stimuli, pairs: 25, seed: 3, stages });
    expect(validateNullDistribution(JSON.parse(JSON.stringify(dist)))).toEqual(dist);
    expect(Object.keys(dist.stages)).toEqual(stages);
    for (const s of stages) {
      expect(dist.stages[s].snrDb.max).toBe(Math.max(...values[s].snrDb));
      expect(dist.stages[s].spearman.pairs).toBe(25);
    }
    expect(dist.source).toMatch(/toy images; 25 pairs from a pool of 12, seed 3/);
  });
});
