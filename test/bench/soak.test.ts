/**
 * The soak check, short: 400 steps (2 passes x 200) of fmnist-alexnet through the real run
 * loop, with live metrics and snapshots. tf.memory() must be exactly flat at every sample and
 * everything released at the end; process memory must not keep growing after the first pass.
 * The full 24000-step version is `npm run soak` (bench/soak-results.md).
 */
import { describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../src/platform/tf-node.ts';
import { soak } from '../../bench/soak-core.ts';

describe('soak (short)', () => {
  it('tensors and process memory stay flat over 400 steps', async () => {
    await useNodeBackend('wasm');
    const r = await soak({ modelId: 'fmnist-alexnet', stage: 'relu2', passes: 2, itersPerPass: 200, sampleEvery: 50, metricsEvery: 100 });
    expect(r.samples).toHaveLength(8);
    const first = r.samples[0];
    for (const s of r.samples) {
      expect(s.numTensors).toBe(first.numTensors);
      expect(s.tensorBytes).toBe(first.tensorBytes);
    }
    expect(r.tensorsAfter).toBe(r.tensorsBefore);
    expect(Number.isFinite(r.finalLoss)).toBe(true);
    // Process memory over the second pass: a coarse guard (no forced GC inside vitest, so the
    // full check with its extrapolated trend is `npm run soak`, run under --expose-gc).
    const late = r.samples.filter((s) => s.step > 200);
    expect(late[late.length - 1].rssMB - late[0].rssMB).toBeLessThan(64);
    expect(late[late.length - 1].heapUsedMB - late[0].heapUsedMB).toBeLessThan(64);
  });
});
