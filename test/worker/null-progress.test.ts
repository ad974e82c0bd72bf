import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { useNodeBackend } from '../../src/platform/tf-node.ts';
import { buildNullDistribution } from '../../src/engine/null-builder.ts';
import type { StagedModel } from '../../src/engine/types.ts';
import { NullProgressMeter, describeNullProgress, poolSizeFor } from '../../src/worker/null-progress.ts';
import { importedModelId } from '../../src/models/import/imported-id.ts';
import { toyModel, toyStimuli } from '../engine/toy-model.ts';

let model: StagedModel;
let stimuli: tf.Tensor[];

beforeAll(async () => {
  await useNodeBackend();
  model = toyModel();
  stimuli = toyStimuli(12, 3);
});

afterAll(() => {
  tf.dispose(stimuli);
  model.dispose();
});

/** Every fraction the meter reports over one real null build (the builder's own progress events). */
async function fractionsOfBuild(memoryBudgetBytes?: number): Promise<{ fractions: number[]; groups: number }> {
  const stages = ['conv', 'relu', 'pool'];
  const meter = new NullProgressMeter(stages);
  const fractions: number[] = [];
  let activationRestarts = 0;
  let lastActivations = Infinity;
  await buildNullDistribution({
    model, stimuli, pairs: 30, seed: 1, stages, memoryBudgetBytes,
    onProgress: (p) => {
      if (p.phase === 'activations') {
        if (p.done < lastActivations) activationRestarts++;
        lastActivations = p.done;
      }
      fractions.push(meter.update(p));
    },
  });
  return { fractions, groups: activationRestarts };
}

describe('null progress for the import panel', () => {
  it('rises monotonically from near 0 to exactly 1 over a real build, also when the stages are split into groups', async () => {
    // Toy activation sizes: conv 72, relu 72, pool 18 values; 12 stimuli x 8 bytes each.
    for (const budget of [undefined, 72 * 12 * 8]) {
      const { fractions, groups } = await fractionsOfBuild(budget);
      expect(groups).toBe(budget === undefined ? 1 : 3);
      expect(fractions[0]).toBeGreaterThan(0);
      expect(fractions[0]).toBeLessThan(0.35);
      for (let i = 1; i < fractions.length; i++) expect(fractions[i]).toBeGreaterThanOrEqual(fractions[i - 1]);
      expect(fractions.at(-1)).toBe(1);
    }
  });

  it('describes each phase in words', () => {
    expect(describeNullProgress({ phase: 'activations', stages: ['relu0', 'relu1'], done: 3, total: 90 }))
      .toBe('activations of natural stimulus 3 of 90 (relu0, relu1)');
    expect(describeNullProgress({ phase: 'pairs', stages: ['final'], done: 1024, total: 2000 })).toBe('metrics of pair 1024 of 2000 at final');
    expect(() => new NullProgressMeter([])).toThrow(/at least one stage/);
  });

  it('picks the smallest pool with at least twice as many distinct pairs as requested', () => {
    for (const pairs of [1, 2, 3, 40, 2000, 20000]) {
      const n = poolSizeFor(pairs);
      expect((n * (n - 1)) / 2).toBeGreaterThanOrEqual(2 * pairs);
      expect(((n - 1) * (n - 2)) / 2).toBeLessThan(2 * pairs);
    }
    expect(poolSizeFor(2000)).toBe(90);
  });

  it('derives readable model ids that never clash', () => {
    const taken = new Set(['imported-alexnet', 'imported-alexnet-2', 'hmax']);
    expect(importedModelId('AlexNet', (id) => taken.has(id))).toBe('imported-alexnet-3');
    expect(importedModelId('  My ResNet-50 (random)! ', () => false)).toBe('imported-my-resnet-50-random');
    expect(importedModelId('???', () => false)).toBe('imported-model');
    expect(importedModelId('x'.repeat(40) + ' tail', () => false)).toBe(`imported-${'x'.repeat(32)}`);
  });
});
