/**
 * The streaming null builder: features spilled to disk (FileFeatureStore) and read back in
 * blocks of a tiny budget give the same values as the in-memory build; the Gram and per-pair
 * passes agree bit for bit; Gram chunks added up agree with one pass; values match float64
 * references computed from the activations; the radix ranks match naive ranks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { useNodeBackend } from '../../src/platform/tf-node.ts';
import { computeNullValues, type NullValues } from '../../src/engine/null-builder.ts';
import { loadStageScalars, storeStimulusFeatures } from '../../src/engine/null-features.ts';
import { accumulateStageGram, emptyStageGram, gramPairValues } from '../../src/engine/null-gram.ts';
import { averageRanksJs } from '../../src/engine/null-ranks.ts';
import { InMemoryFeatureStore } from '../../src/engine/feature-store.ts';
import { FileFeatureStore } from '../../scripts/lib/file-feature-store.ts';
import type { MetricName, StagedModel } from '../../src/engine/types.ts';
import { naiveAverageRanks, pearson64, snr64, spearman64 } from './reference-metrics.ts';
import { toyModel, toyStimuli } from './toy-model.ts';

const STAGES = ['conv', 'relu', 'pool', 'zero', 'flat'];
const METRICS: MetricName[] = ['spearman', 'pearson', 'snrDb'];

let model: StagedModel;
let stimuli: tf.Tensor[];
let parent: string;

beforeAll(async () => {
  await useNodeBackend('cpu');
  model = toyModel();
  stimuli = toyStimuli(10, 8);
  parent = mkdtempSync(join(tmpdir(), 'null-blocks-test-'));
});
afterAll(() => {
  tf.dispose(stimuli);
  model.dispose();
  rmSync(parent, { recursive: true, force: true });
});

function expectSameValues(a: NullValues, b: NullValues, tol = 0): void {
  expect(b.pairs).toEqual(a.pairs);
  for (const s of Object.keys(a.values)) {
    for (const m of METRICS) {
      const x = Array.from(a.values[s][m]);
      const y = Array.from(b.values[s][m]);
      if (tol === 0) expect(y, `${s} ${m}`).toEqual(x);
      else x.forEach((v, k) => (Number.isFinite(v) ? expect(Math.abs(y[k] - v), `${s} ${m} pair ${k}`).toBeLessThanOrEqual(tol) : expect(y[k]).toBe(v)));
    }
  }
}

describe('averageRanksJs (radix sort)', () => {
  it('equals naive average ranks with ties, -0 and +0, infinities; rejects NaN', () => {
    const x = Float32Array.from([0, -0, 3, -1.5, 3, Infinity, -Infinity, 1e-30, -1e-30, 0, 2 ** 20, -(2 ** 20), 3, 7.25]);
    expect(Array.from(averageRanksJs(x))).toEqual(Array.from(naiveAverageRanks(x)));
    const big = Float32Array.from({ length: 3000 }, (_, i) => Math.round(Math.sin(i * 12.9898) * 43758.5453) % 97 / 8);
    expect(Array.from(averageRanksJs(big))).toEqual(Array.from(naiveAverageRanks(big)));
    expect(() => averageRanksJs(Float32Array.from([1, NaN]))).toThrow(/cannot rank NaN \(value 1 of 2\)/);
  });
});

describe('streaming null builder', () => {
  it('spilled to disk in tiny blocks: same values as in memory, Gram and per-pair passes alike', async () => {
    const before = tf.memory().numTensors;
    const base = await computeNullValues({ model, stimuli, pairs: 30, seed: 6, stages: STAGES, pairPass: 'pairs' });
    const gramInMemory = await computeNullValues({ model, stimuli, pairs: 30, seed: 6, stages: STAGES, pairPass: 'gram' });
    expectSameValues(base, gramInMemory);
    for (const pairPass of ['gram', 'pairs'] as const) {
      const store = FileFeatureStore.create(parent);
      // 10 stimuli x 8 bytes x 5 units = 400 bytes: blocks of 5 units, e.g. 18 blocks for conv's 2 x 6 x 6 = 72.
      const spilled = await computeNullValues({ model, stimuli, pairs: 30, seed: 6, stages: STAGES, featureStore: store, memoryBudgetBytes: 400, pairPass });
      expect(readdirSync(store.dir)).toEqual([]); // every stage released after its pair pass
      store.dispose();
      expect(existsSync(store.dir)).toBe(false);
      expectSameValues(base, spilled);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('matches float64 references computed from the activations', async () => {
    const store = FileFeatureStore.create(parent);
    const { pairs, values } = await computeNullValues({ model, stimuli, pairs: 12, seed: 2, stages: ['conv', 'relu'], featureStore: store, memoryBudgetBytes: 320 });
    store.dispose();
    for (const stage of ['conv', 'relu']) {
      for (const [p, [i, j]] of pairs.entries()) {
        const [a, b] = [i, j].map((k) => tf.tidy(() => model.forward(stimuli[k], [stage])[stage].dataSync()));
        // The z-scored ranks are stored as float32: Spearman to ~1e-8.
        expect(values[stage].spearman[p]).toBeCloseTo(spearman64(a, b), 7);
        expect(values[stage].pearson[p]).toBeCloseTo(pearson64(a, b), 12);
        expect(values[stage].snrDb[p]).toBeCloseTo(snr64(a, b), 10);
      }
    }
  });

  it('features stored by separate calls and Gram chunks added up give the one-pass values', async () => {
    const stages = ['conv', 'pool'];
    const base = await computeNullValues({ model, stimuli, pairs: 40, seed: 3, stages, pairPass: 'gram' });
    const store = FileFeatureStore.create(parent);
    // As the split build does: features from separate "workers", then the pair pass over the store.
    for (let k = stimuli.length - 1; k >= 0; k--) await storeStimulusFeatures(model, stimuli[k], k, stages, null, FileFeatureStore.open(store.dir));
    // Gram of conv in chunks [0, 30), [30, 72): sums in another order, equal within 1e-12.
    const scalars = await loadStageScalars(store, 'conv', stimuli.length);
    const [part1, part2] = [emptyStageGram(stimuli.length), emptyStageGram(stimuli.length)];
    await accumulateStageGram(store, 'conv', stimuli.length, 0, 30, 1 << 20, part1);
    await accumulateStageGram(store, 'conv', stimuli.length, 30, 72, 1 << 20, part2);
    for (let g = 0; g < part1.raw.length; g++) {
      part1.raw[g] += part2.raw[g];
      part1.ranks[g] += part2.ranks[g];
    }
    const chunked = gramPairValues(base.pairs, 72, scalars, part1);
    for (const m of METRICS) chunked[m].forEach((v, p) => expect(Math.abs(v - base.values.conv[m][p])).toBeLessThan(1e-12));
    // Then the builder's own pass over the filled store (which releases the stages).
    const stored = await computeNullValues({ model, stimuli, pairs: 40, seed: 3, stages, featureStore: store, featuresStored: true, pairPass: 'gram' });
    expectSameValues(base, stored);
    store.dispose();
  });

  it('names the missing stimulus and stage, and the in-memory store its bad blocks', async () => {
    const store = FileFeatureStore.create(parent);
    await expect(
      computeNullValues({ model, stimuli, pairs: 5, seed: 1, stages: ['conv'], featureStore: store, featuresStored: true }),
    ).rejects.toThrow(/no features for stimulus 0 at stage "conv"/);
    store.dispose();
    const mem = new InMemoryFeatureStore();
    mem.put(0, 'conv', { zRanks: new Float32Array(4), raw: new Float32Array(4), energy: 0, mean: 0, centredNorm: 0 });
    expect(() => mem.readBlock(0, 'conv', 2, 9)).toThrow(/block \[2, 9\) outside stage "conv" of 4 units/);
    expect(() => mem.readBlock(1, 'conv', 0, 1)).toThrow(/no features for stimulus 1 at stage "conv"/);
  });
});
