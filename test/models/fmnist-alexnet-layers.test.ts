/**
 * The `layers` builder's plain-ops runner (src/models/layers/sequential-ops.ts) against an
 * independent reference: tfjs-layers itself (model.predict and stagedModelFromLayersModel,
 * whose Conv2D gradients work on the cpu backend), on the committed fmnist-alexnet export.
 * Also: the wasm backend differentiates the plain ops (tfjs-layers' fused Conv2D cannot).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { useNodeBackend } from '../../src/platform/tf-node.ts';
import { loadBuiltinModel, readManifest } from '../../src/models/registry.ts';
import { nodeModelSource } from '../../src/models/source-node.ts';
import { stagedModelFromLayersModel } from '../../src/engine/staged-model.ts';
import { layersParams, loadLayersModelFiles } from '../../src/models/layers/layers-model.ts';
import { sequentialOps } from '../../src/models/layers/sequential-ops.ts';
import type { StagedModel } from '../../src/engine/types.ts';

const ID = 'fmnist-alexnet';
const source = nodeModelSource();
const images = new Uint8Array(readFileSync(join(import.meta.dirname, '../fixtures/fmnist/heldout-images.u8')));

function image(i: number): tf.Tensor {
  return tf.tidy(() => tf.tensor(images.subarray(i * 784, (i + 1) * 784), [1, 28, 28, 1], 'int32').toFloat().div(255));
}

function maxRelErr(a: Float32Array | Int32Array | Uint8Array, b: Float32Array | Int32Array | Uint8Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / Math.max(den, 1e-12);
}

/** dL/dx of L = sum(stage * fixed random weights), with the fake ReLU at `stage` if asked. */
function stageGradient(model: StagedModel, x: tf.Tensor, stage: string, fake: boolean): tf.Tensor {
  return tf.tidy(() => {
    const probe = model.forward(x, [stage])[stage];
    const w = tf.randomNormal(probe.shape, 0, 1, 'float32', 3);
    return tf.grad((v: tf.Tensor) => {
      const a = model.forward(v, [stage], fake ? { fakeReluStage: stage } : {})[stage];
      return tf.sum(tf.mul(a, w));
    })(x);
  });
}

describe('layers builder, plain ops vs tfjs-layers (cpu backend)', () => {
  beforeAll(async () => {
    await useNodeBackend('cpu');
  });

  it('matches model.predict, every stage of stagedModelFromLayersModel, and its input gradients', async () => {
    const manifest = await readManifest(ID, source);
    const { model: plain } = await loadBuiltinModel(ID, source);
    const layers = await loadLayersModelFiles(manifest, source);
    const reference = stagedModelFromLayersModel(layers, {
      id: ID,
      stageLayers: layersParams(manifest).stageLayers,
      inputSpec: manifest.inputSpec,
      readoutLayer: 'final',
      labels: manifest.classes,
    });
    expect(plain.stages).toEqual(reference.stages);
    const before = tf.memory().numTensors;
    const x = image(3);
    // model.predict gets the normalised input (normalisation lives in the manifest, not the layers).
    const norm = tf.tidy(() => x.sub(manifest.inputSpec.normalization!.mean[0]).div(manifest.inputSpec.normalization!.std[0]));
    const predicted = layers.predict(norm) as tf.Tensor;
    const logits = plain.readout!.logits(x);
    expect(maxRelErr(await logits.data(), await predicted.data())).toBeLessThan(1e-5);
    const a = plain.forward(x, plain.stages);
    const b = reference.forward(x, reference.stages);
    for (const s of plain.stages) expect(maxRelErr(await a[s].data(), await b[s].data())).toBeLessThan(1e-5);
    for (const [stage, fake] of [['relu0', true], ['relu0', false], ['relu2', true], ['fc0_relu', true], ['final', false]] as const) {
      const ga = stageGradient(plain, x, stage, fake);
      const gb = stageGradient(reference, x, stage, fake);
      expect(maxRelErr(await ga.data(), await gb.data())).toBeLessThan(1e-4);
      tf.dispose([ga, gb]);
    }
    // The fake ReLU changes the gradient (some relu0 units are negative before the ReLU).
    const gFake = stageGradient(plain, x, 'relu0', true);
    const gTrue = stageGradient(plain, x, 'relu0', false);
    expect(maxRelErr(await gFake.data(), await gTrue.data())).toBeGreaterThan(1e-3);
    tf.dispose([x, norm, predicted, logits, gFake, gTrue, ...Object.values(a), ...Object.values(b)]);
    expect(tf.memory().numTensors).toBe(before);
    plain.dispose();
    reference.dispose();
  });

  it('refuses layer types it does not implement, naming the layer', () => {
    const m = tf.sequential({
      layers: [tf.layers.dense({ units: 2, inputShape: [3], name: 'd' }), tf.layers.dropout({ rate: 0.5, name: 'drop' })],
    });
    expect(() => sequentialOps(m)).toThrow(/"drop" \(Dropout\)/);
    const t = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3], activation: 'tanh', name: 't' })] });
    expect(() => sequentialOps(t)).toThrow(/"t".*activation "tanh"/);
    m.dispose();
    t.dispose();
  });
});

describe('layers builder on the wasm backend', () => {
  beforeAll(async () => {
    await useNodeBackend('wasm');
  });

  it('differentiates through the conv layers (fused Conv2D layers cannot: no Conv2DBackpropFilter)', async () => {
    const { model } = await loadBuiltinModel(ID, source);
    const x = image(5);
    const g = stageGradient(model, x, 'relu4', true);
    const v = await g.data();
    expect(v.every(Number.isFinite)).toBe(true);
    expect(v.some((e) => e !== 0)).toBe(true);
    tf.dispose([x, g]);
    model.dispose();
  });
});
