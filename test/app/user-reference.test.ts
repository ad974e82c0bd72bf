import { beforeAll, describe, expect, it } from 'vitest';
import type * as TF from '@tensorflow/tfjs';
import { useNodeBackend } from '../../src/platform/tf-node.ts';
import { userReference } from '../../src/worker/user-reference.ts';
import { SPECTEMP_INPUT_SPEC } from '../../src/models/spectemp/spectemp-model.ts';
import type { ModelManifest } from '../../src/models/manifest.ts';

let tf: typeof TF;
beforeAll(async () => {
  tf = await useNodeBackend('cpu');
});

const manifest = { id: 'spectemp', inputSpec: SPECTEMP_INPUT_SPEC } as unknown as ModelManifest;

describe('the user\'s own reference in the worker', () => {
  it('becomes a [1, 40000] tensor holding exactly the samples sent', async () => {
    const data = Float32Array.from({ length: 40000 }, (_, i) => Math.sin(i) * 0.5);
    const t = userReference(manifest, data);
    expect(t.shape).toEqual([1, 40000]);
    expect(Array.from(await t.data())).toEqual(Array.from(data));
    t.dispose();
  });

  it('refuses a wrong length, a non-finite value or one outside the input range', () => {
    const before = tf.memory().numTensors;
    expect(() => userReference(manifest, new Float32Array(39999))).toThrow(/39999 values.*40000/);
    const nan = new Float32Array(40000);
    nan[5] = Number.NaN;
    expect(() => userReference(manifest, nan)).toThrow(/NaN at index 5/);
    const loud = new Float32Array(40000);
    loud[7] = 1.5;
    expect(() => userReference(manifest, loud)).toThrow(/1.5 at index 7.*\[-1, 1\]/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
