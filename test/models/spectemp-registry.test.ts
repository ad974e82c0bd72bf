import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { useNodeBackend } from '../../src/platform/tf-node.ts';
import { BUILTIN_MODEL_IDS, loadBuiltinModel, loadReference, naturalStimuli } from '../../src/models/registry.ts';
import { nodeModelSource } from '../../src/models/source-node.ts';

beforeAll(async () => {
  await useNodeBackend('cpu');
});

describe('spectemp in the built-in registry', () => {
  it('loads with its null distribution; audio references and natural stimuli dispatch on modality', async () => {
    expect(BUILTIN_MODEL_IDS).toContain('spectemp');
    const source = nodeModelSource();
    const loaded = await loadBuiltinModel('spectemp', source);
    expect(loaded.model.stages).toEqual(loaded.manifest.stages.map((s) => s.name));
    expect(Object.keys(loaded.nullDistribution!.stages).sort()).toEqual(['average', 'cochleagram', 'filtered_signal', 'power']);
    expect(loaded.nullDistribution!.stages.average.snrDb.pairs).toBeGreaterThanOrEqual(300);
    const before = tf.memory().numTensors;
    const ref = await loadReference(loaded.manifest, source, 0);
    expect(ref.shape).toEqual([1, 40000]);
    const pool = await naturalStimuli(loaded.manifest, source, 4, 1);
    expect(pool.map((t) => t.shape)).toEqual([[1, 40000], [1, 40000], [1, 40000], [1, 40000]]);
    tf.dispose([ref, ...pool]);
    expect(tf.memory().numTensors).toBe(before);
    loaded.model.dispose();
  });
});
