import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareInput } from '../../src/cli/prepare-input.ts';
import { writeNpy } from '../../src/io/npy.ts';
import { useNodeBackend } from '../../src/platform/tf-node.ts';
import type { InputSpec } from '../../src/engine/types.ts';

const grey = (shape: number[], range: [number, number] = [0, 255]): InputSpec => ({
  modality: 'image', shape, range, init: { mean: 0.5, std: 0.05 },
});

beforeAll(async () => {
  await useNodeBackend('cpu');
});

describe('prepareInput', () => {
  const dir = mkdtempSync(join(tmpdir(), 'prep-'));

  it('takes a .npy of the right size as raw values, clipping to the range', async () => {
    const path = join(dir, 'x.npy');
    writeFileSync(path, writeNpy(Float32Array.from([-1, 0.5, 2, 1]), [2, 2]));
    const { tensor, description } = await prepareInput(path, grey([2, 2, 1], [0, 1]));
    expect(tensor.shape).toEqual([1, 2, 2, 1]);
    expect(Array.from(tensor.dataSync())).toEqual([0, 0.5, 1, 1]);
    tensor.dispose();
    expect(description).toMatch(/2 values outside the model's range clipped to \[0, 1\]/);
  });

  it('rejects wrong sizes, unknown formats, missing files and non-image input for audio models', async () => {
    const path = join(dir, 'y.npy');
    writeFileSync(path, writeNpy(new Float32Array(3), [3]));
    await expect(prepareInput(path, grey([2, 2, 1]))).rejects.toThrow(/has shape \[3\] \(3 values\); the model's input is \[2,2,1\]/);
    await expect(prepareInput(join(dir, 'x.gif'), grey([2, 2, 1]))).rejects.toThrow(/must be \.png, \.jpg, \.jpeg or \.npy/);
    await expect(prepareInput(join(dir, 'missing.png'), grey([2, 2, 1]))).rejects.toThrow(/cannot read .*missing\.png: ENOENT/);
    const audio: InputSpec = { modality: 'audio', shape: [40000], range: [-1, 1], init: { mean: 0, std: 1e-7 } };
    // Audio models take WAV (or .npy): a missing WAV names the file, an image is refused.
    await expect(prepareInput(join(dir, 'a.wav'), audio)).rejects.toThrow(/cannot read .*a\.wav: ENOENT/);
    await expect(prepareInput(join(dir, 'a.png'), audio)).rejects.toThrow(/audio model takes a \.wav file or a \.npy of 40000 raw samples/);
  });
});
