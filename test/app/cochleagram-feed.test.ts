import { beforeAll, describe, expect, it } from 'vitest';
import type * as TF from '@tensorflow/tfjs';
import { useNodeBackend } from '../../src/platform/tf-node.ts';
import { Cochleagram } from '../../src/audio/cochleagram.ts';
import { DEFAULT_COCHLEAGRAM_CONFIG } from '../../src/audio/cochleagram-config.ts';
import { CochleagramFeed, channelFrequencies, cochleagramConfigOf } from '../../src/worker/cochleagram-snapshots.ts';
import type { StagedModel } from '../../src/engine/types.ts';
import type { ModelManifest } from '../../src/models/manifest.ts';
import type { WorkerEvent } from '../../src/worker/protocol.ts';

let tf: typeof TF;
beforeAll(async () => {
  tf = await useNodeBackend('cpu');
});

const manifest = { id: 'fake', params: { cochleagram: { envSampleRate: 100 } } } as unknown as ModelManifest;

/** A model whose 'cochleagram' stage is the clip folded to [1, 2, n/2] and doubled (easy to check). */
function fakeModel(): StagedModel {
  return {
    stages: ['cochleagram'],
    forward: (x: TF.Tensor) => ({ cochleagram: tf.mul(tf.reshape(x, [1, 2, x.size / 2]), 2) }),
  } as unknown as StagedModel;
}

describe('cochleagram feed (worker side)', () => {
  it('sends the start at once, throttles later snapshots, and flushes the last skipped one', async () => {
    const events: Extract<WorkerEvent, { type: 'cochleagram' }>[] = [];
    let clock = 0;
    const feed = new CochleagramFeed(fakeModel(), manifest, (e) => {
      if (e.type === 'cochleagram') events.push(e);
    }, 3000, () => clock);
    const clip = (v: number) => Float32Array.from({ length: 8 }, (_, i) => v + i);
    const before = tf.memory().numTensors;

    await feed.snapshot(0, clip(0)); // t = 0: the start noise
    clock = 1000;
    await feed.snapshot(1, clip(1)); // too soon: skipped
    clock = 2000;
    await feed.snapshot(2, clip(2)); // too soon: replaces step 1
    clock = 3500;
    await feed.snapshot(3, clip(3)); // due
    clock = 4000;
    await feed.snapshot(4, clip(4)); // skipped ...
    await feed.flush(); // ... until the run ends
    await feed.flush(); // nothing left

    expect(events.map((e) => [e.which, e.step])).toEqual([['start', 0], ['metamer', 3], ['metamer', 4]]);
    expect(events[1].shape).toEqual([2, 4]);
    expect(Array.from(events[1].data)).toEqual(Array.from(clip(3), (v) => 2 * v));
    expect(events[0].frameRate).toBe(100);
    expect(events[0].startS).toBeCloseTo((DEFAULT_COCHLEAGRAM_CONFIG.downsampleTaps - 1) / 2 / 20000, 12);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('labels channels exactly as Cochleagram.channelFrequencies does', () => {
    const config = { signalLength: 4000, downsampleTaps: 101 };
    const coch = new Cochleagram(config);
    try {
      const manifestWith = { id: 'x', params: { cochleagram: config } } as unknown as ModelManifest;
      expect(channelFrequencies(cochleagramConfigOf(manifestWith))).toEqual(Array.from(coch.channelFrequencies));
    } finally {
      coch.dispose();
    }
  });
});
