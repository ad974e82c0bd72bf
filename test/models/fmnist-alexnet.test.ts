/**
 * The Fashion-MNIST AlexNet-style twins (models/fmnist-alexnet*, layers builder): they load
 * from their verified files, their stages have the manifest's shapes, the TF.js export
 * reproduces PyTorch (logits and per-stage sums written by train.py), the readout reaches
 * the documented held-out accuracy, and a short relu0 metamer passes all three null criteria.
 */
import { shortMetamerVerdict } from './short-metamer.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { useNodeBackend } from '../../src/platform/tf-node.ts';
import { BUILTIN_MODEL_IDS, loadBuiltinModel, loadReference, naturalStimuli } from '../../src/models/registry.ts';
import { nodeModelSource } from '../../src/models/source-node.ts';
import type { LoadedModel } from '../../src/models/manifest.ts';
import { NULL_METRICS } from '../../src/engine/types.ts';

const IDS = ['fmnist-alexnet', 'fmnist-alexnet-robust'] as const;
const STAGES = ['relu0', 'relu1', 'relu2', 'relu3', 'relu4', 'fc0_relu', 'fc1_relu', 'final'];
const FIXTURES = join(import.meta.dirname, '../fixtures/fmnist');

interface TorchOutputs {
  heldoutTestIndices: number[];
  classes: string[];
  models: Record<string, {
    logits: number[][];
    stageSums: Record<string, number>;
    stageSquares: Record<string, number>;
    heldoutPredictions: number[];
  }>;
}

const torch = JSON.parse(readFileSync(join(FIXTURES, 'torch-outputs.json'), 'utf8')) as TorchOutputs;
const heldoutImages = new Uint8Array(readFileSync(join(FIXTURES, 'heldout-images.u8')));
const heldoutLabels = new Uint8Array(readFileSync(join(FIXTURES, 'heldout-labels.u8')));

/** Held-out image i as [1, 28, 28, 1] in [0, 1]. */
function heldout(i: number): tf.Tensor {
  return tf.tidy(() => tf.tensor(heldoutImages.subarray(i * 784, (i + 1) * 784), [1, 28, 28, 1], 'int32').toFloat().div(255));
}

const loaded: Record<string, LoadedModel> = {};
const source = nodeModelSource();

beforeAll(async () => {
  await useNodeBackend('wasm');
  for (const id of IDS) loaded[id] = await loadBuiltinModel(id, source);
});

afterAll(() => {
  for (const id of IDS) loaded[id]?.model.dispose();
});

describe.each(IDS)('%s', (id) => {
  it('is registered, loads with the paper\'s stage names and the manifest\'s shapes', () => {
    expect(BUILTIN_MODEL_IDS).toContain(id);
    const { manifest, model } = loaded[id];
    expect(manifest.builder).toBe('layers');
    expect(model.stages).toEqual(STAGES);
    expect(manifest.stages.map((s) => s.name)).toEqual(STAGES);
    expect(model.readout?.labels).toEqual(torch.classes);
    const before = tf.memory().numTensors;
    const x = heldout(0);
    const acts = model.forward(x, model.stages);
    for (const s of manifest.stages) expect(acts[s.name].shape).toEqual([1, ...s.shape]);
    tf.dispose([x, ...Object.values(acts)]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('has a null distribution of >= 20,000 pairs at every stage for all three metrics', () => {
    const nd = loaded[id].nullDistribution!;
    expect(nd.model).toBe(id);
    expect(Object.keys(nd.stages).sort()).toEqual([...STAGES].sort());
    for (const s of STAGES) {
      for (const m of NULL_METRICS) {
        const summary = nd.stages[s][m];
        expect(summary.pairs).toBeGreaterThanOrEqual(20000);
        expect(summary.max).toBeGreaterThanOrEqual(summary.mean);
      }
    }
  });

  it('reproduces the PyTorch logits and every stage of the original network', async () => {
    const { model } = loaded[id];
    const want = torch.models[id];
    for (let i = 0; i < want.logits.length; i++) {
      const x = heldout(i);
      const y = model.readout!.logits(x);
      const got = Array.from(await y.data());
      tf.dispose([x, y]);
      const scale = Math.max(1, ...want.logits[i].map(Math.abs));
      got.forEach((v, k) => expect(Math.abs(v - want.logits[i][k])).toBeLessThan(1e-4 * scale));
    }
    // Sums are layout-independent: they check that each stage name is the same tensor in both.
    const x = heldout(0);
    const acts = model.forward(x, STAGES);
    for (const s of STAGES) {
      const sum = (await acts[s].sum().data())[0];
      const sq = (await acts[s].square().sum().data())[0];
      expect(Math.abs(sum - want.stageSums[s])).toBeLessThan(1e-4 * Math.max(1, Math.abs(want.stageSums[s])));
      expect(Math.abs(sq - want.stageSquares[s])).toBeLessThan(1e-4 * Math.max(1, want.stageSquares[s]));
    }
    tf.dispose([x, ...Object.values(acts)]);
  });

  it('reaches its documented accuracy on the committed held-out set', async () => {
    const { manifest, model } = loaded[id];
    const documented = (manifest.params!.accuracy as { heldout: number; clean: number }).heldout;
    const clean = (manifest.params!.accuracy as { heldout: number; clean: number }).clean;
    const n = heldoutLabels.length;
    let correct = 0;
    let agree = 0;
    for (let i = 0; i < n; i++) {
      const x = heldout(i);
      const y = model.readout!.logits(x);
      const pred = (await y.argMax(1).data())[0];
      tf.dispose([x, y]);
      if (pred === heldoutLabels[i]) correct++;
      if (pred === torch.models[id].heldoutPredictions[i]) agree++;
    }
    const acc = correct / n;
    expect(acc).toBeGreaterThanOrEqual(documented - 0.01);
    // The 200 images are a sample of the test set: within ~3 standard errors of the test accuracy.
    expect(acc).toBeGreaterThanOrEqual(clean - 3 * Math.sqrt((clean * (1 - clean)) / n));
    expect(agree).toBeGreaterThanOrEqual(n - 1);
  });

  it('serves references (one per class, 28x28) and seeded natural stimuli from natural.bin', async () => {
    const { manifest } = loaded[id];
    expect(manifest.references.map((r) => r.label)).toEqual(torch.classes);
    const before = tf.memory().numTensors;
    const ref = await loadReference(manifest, source, 0);
    expect(ref.shape).toEqual([1, 28, 28, 1]);
    const a = await naturalStimuli(manifest, source, 5, 3);
    const b = await naturalStimuli(manifest, source, 5, 3);
    const c = await naturalStimuli(manifest, source, 5, 4);
    const raw = new Uint8Array(readFileSync(join(import.meta.dirname, '../../models', id, 'natural.bin')));
    for (let k = 0; k < 5; k++) {
      const v = await a[k].data();
      expect(a[k].shape).toEqual([1, 28, 28, 1]);
      expect(Array.from(await b[k].data())).toEqual(Array.from(v));
      // Each stimulus is one stored image, bytes / 255.
      let found = -1;
      for (let i = 0; i < raw.length / 784 && found < 0; i++) {
        if (raw.subarray(i * 784, i * 784 + 784).every((p, j) => Math.abs(p / 255 - v[j]) < 1e-6)) found = i;
      }
      expect(found).toBeGreaterThanOrEqual(0);
    }
    const differs = tf.tidy(() => a.map((t, k) => tf.notEqual(t, c[k]).any().dataSync()[0]));
    expect(differs.some((d) => d === 1)).toBe(true);
    tf.dispose([ref, ...a, ...b, ...c]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('short relu0 metamers', () => {
  it.each(IDS)('%s: passes Spearman, Pearson and SNR against the null at relu0, with flat tensor count', async (id) => {
    const verdict = await shortMetamerVerdict(loaded[id], source, 'relu0', { passes: 3, itersPerPass: 100 });
    expect(verdict.criteria.map((c) => c.criterion)).toEqual(['spearman', 'pearson', 'snrDb', 'class']);
    expect(verdict.criteria.filter((c) => !c.pass)).toEqual([]);
    expect(verdict.pass).toBe(true);
  });
});
