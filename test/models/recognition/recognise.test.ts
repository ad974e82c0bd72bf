/**
 * Recognition by other models: each built-in classifier's answer is the argmax of its own
 * final stage (computed independently through forward()), probabilities are the float64
 * softmax of those activations, and readers are chosen by modality and class names.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { useNodeBackend } from '../../../src/platform/tf-node.ts';
import { BUILTIN_MODEL_IDS, listBuiltinModels, loadBuiltinModel } from '../../../src/models/registry.ts';
import { nodeModelSource } from '../../../src/models/source-node.ts';
import type { LoadedModel, ModelManifest } from '../../../src/models/manifest.ts';
import { canRead, readersOf } from '../../../src/models/recognition/readers.ts';
import { probabilityOf, recognise, recognisedAs, recognitionFromLogits } from '../../../src/models/recognition/recognise.ts';
import { adaptInput } from '../../../src/models/recognition/adapt-input.ts';
import { recognitionMatrix } from '../../../src/models/recognition/matrix.ts';
import type { InputSpec } from '../../../src/engine/types.ts';
import { fitClipToInput } from '../../../src/audio/fit-clip.ts';

const FMNIST = BUILTIN_MODEL_IDS.filter((id) => id.startsWith('fmnist-'));
const FIXTURES = join(import.meta.dirname, '../../fixtures/fmnist');
const heldoutImages = new Uint8Array(readFileSync(join(FIXTURES, 'heldout-images.u8')));

function heldout(i: number): tf.Tensor {
  return tf.tidy(() => tf.tensor(heldoutImages.subarray(i * 784, (i + 1) * 784), [1, 28, 28, 1], 'int32').toFloat().div(255));
}

/** Independent reference: the final stage's activations through forward(), argmax and softmax in float64. */
async function finalStage(model: LoadedModel['model'], x: tf.Tensor): Promise<{ argmax: number; softmax: number[] }> {
  const acts = model.forward(x, ['final']);
  const v = Array.from(await acts.final.data(), Number);
  tf.dispose(Object.values(acts));
  let argmax = 0;
  v.forEach((a, i) => { if (a > v[argmax]) argmax = i; });
  const m = Math.max(...v);
  const z = v.reduce((s, a) => s + Math.exp(a - m), 0);
  return { argmax, softmax: v.map((a) => Math.exp(a - m) / z) };
}

let manifests: ModelManifest[] = [];
const loaded: Record<string, LoadedModel> = {};

beforeAll(async () => {
  await useNodeBackend('wasm');
  const source = nodeModelSource();
  manifests = await listBuiltinModels(source);
  for (const id of FMNIST) loaded[id] = await loadBuiltinModel(id, source);
});

afterAll(() => {
  for (const l of Object.values(loaded)) l.model.dispose();
});

describe('readers', () => {
  it('pairs the Fashion-MNIST models with each other and the two word models, and nothing across modalities', () => {
    const byId = Object.fromEntries(manifests.map((m) => [m.id, m]));
    for (const id of FMNIST) {
      expect(readersOf(byId[id], manifests).sort()).toEqual(FMNIST.filter((o) => o !== id).sort());
      expect(readersOf(byId[id], manifests, true)[0]).toBe(id);
    }
    expect(readersOf(byId['cochcnn9-words'], manifests)).toEqual(['spectemp']);
    expect(readersOf(byId.spectemp, manifests)).toEqual(['cochcnn9-words']);
    expect(readersOf(byId.hmax, manifests)).toEqual([]); // no classes
    expect(readersOf(byId.centernet, manifests)).toEqual([]);
  });

  it('matches imported class names regardless of case and spacing, and needs every class', () => {
    const image = { modality: 'image' as const };
    const a = { id: 'a', classes: ['Cat', 'Dog'], inputSpec: image };
    const b = { id: 'b', classes: ['dog', ' cat ', 'bird'], inputSpec: image };
    const c = { id: 'c', classes: ['cat', 'horse'], inputSpec: image };
    expect(canRead(b, a)).toBe(true);
    expect(canRead(a, b)).toBe(false); // a has no "bird"
    expect(canRead(c, a)).toBe(false);
    expect(canRead({ ...b, inputSpec: { modality: 'audio' } }, a)).toBe(false);
  });
});

describe('recognise', () => {
  it.each(FMNIST)('%s: the answer is the argmax of the final stage, probabilities its softmax', async (id) => {
    const { model } = loaded[id];
    const before = tf.memory().numTensors;
    const noise = tf.tidy(() => tf.randomUniform([1, 28, 28, 1], 0, 1, 'float32', 3));
    const inputs = [heldout(0), heldout(1), heldout(7), noise];
    for (const x of inputs) {
      const r = await recognise(model, x);
      const want = await finalStage(model, x);
      expect(r.argmax).toBe(want.argmax);
      expect(r.predicted).toBe(model.readout!.labels[want.argmax]);
      r.probabilities.forEach((p, i) => expect(Math.abs(p - want.softmax[i])).toBeLessThan(1e-5));
      expect(r.top).toHaveLength(5);
      expect(r.top[0].label).toBe(r.predicted);
      for (let k = 1; k < r.top.length; k++) expect(r.top[k].probability).toBeLessThanOrEqual(r.top[k - 1].probability);
    }
    tf.dispose(inputs);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reads logits: ties go to the first class, names compare like readers.ts', () => {
    const r = recognitionFromLogits('m', ['A', 'B', 'C'], [1, 3, 3], 2);
    expect(r.argmax).toBe(1);
    expect(r.top.map((t) => t.label)).toEqual(['B', 'C']);
    const e = Math.exp(1) + 2 * Math.exp(3);
    expect(r.probabilities[0]).toBeCloseTo(Math.exp(1) / e, 12);
    expect(probabilityOf(r, ' b ')).toBeCloseTo(Math.exp(3) / e, 12);
    expect(probabilityOf(r, 'Z')).toBe(0);
    expect(recognisedAs(r, 'b')).toBe(true);
    expect(() => recognitionFromLogits('m', ['A'], [1, 2])).toThrow(/2 logits for 1 class names/);
  });
});

describe('adaptInput', () => {
  const fm: InputSpec = { modality: 'image', shape: [28, 28, 1], range: [0, 1], init: { mean: 0.5, std: 0.05 } };

  it('passes identical specs through unchanged (a new tensor)', async () => {
    const x = heldout(3);
    const y = adaptInput(x, fm, { ...fm, normalization: { mean: [0.3], std: [0.3] } });
    expect(y).not.toBe(x);
    expect(Array.from(await y.data())).toEqual(Array.from(await x.data()));
    tf.dispose([x, y]);
  });

  it('halves a 0..255 RGB image to 2x2 block means of its luma in [0, 1] (bilinear, half-pixel centres)', async () => {
    const from: InputSpec = { modality: 'image', shape: [4, 6, 3], range: [0, 255], init: { mean: 0, std: 1 } };
    const to: InputSpec = { ...fm, shape: [2, 2, 1] };
    const data = Float32Array.from({ length: 4 * 6 * 3 }, (_, i) => (i * 37) % 256);
    const x = tf.tensor(data, [1, 4, 6, 3]);
    const y = adaptInput(x, from, to);
    const got = await y.data();
    // Centre crop 4x6 -> 4x4 (columns 1..4), then the mean of each 2x2 block of luma / 255.
    const luma = (r: number, c: number) => {
      const k = (r * 6 + c) * 3;
      return (0.299 * data[k] + 0.587 * data[k + 1] + 0.114 * data[k + 2]) / 255;
    };
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 2; j++) {
        const c0 = 1 + 2 * j;
        const want = (luma(2 * i, c0) + luma(2 * i, c0 + 1) + luma(2 * i + 1, c0) + luma(2 * i + 1, c0 + 1)) / 4;
        expect(got[i * 2 + j]).toBeCloseTo(want, 5);
      }
    }
    tf.dispose([x, y]);
  });

  it('fits a clip of another rate and length with the shared clip recipe (fitClipToInput, zero padded)', async () => {
    const from: InputSpec = { modality: 'audio', shape: [400], range: [-1, 1], sampleRate: 1000, init: { mean: 0, std: 1 } };
    const to: InputSpec = { modality: 'audio', shape: [1000], range: [-1, 1], sampleRate: 2000, init: { mean: 0, std: 1 } };
    const samples = Float32Array.from({ length: 400 }, (_, i) => 0.3 * Math.sin(i / 5));
    const x = tf.tensor(samples, [1, 400]);
    const y = adaptInput(x, from, to);
    const want = fitClipToInput([samples], 1000, to, { pad: 'zeros' }).samples;
    expect(y.shape).toEqual([1, 1000]);
    expect(Array.from(await y.data())).toEqual(Array.from(want));
    tf.dispose([x, y]);
    expect(() => adaptInput(x, from, fm)).toThrow(/audio input cannot be read by a image model/);
  });
});

describe('recognitionMatrix', () => {
  it('marks each cell, averages other models per stage and gives the chance level', () => {
    const labels = ['a', 'b', 'c', 'd'];
    const answer: Record<string, string> = { 's1/own': 'a', 's1/x': 'a', 's1/y': 'a', 's2/own': 'a', 's2/x': 'b', 's2/y': 'a' };
    const m = recognitionMatrix({
      stages: ['s1', 's2', 's3'],
      readers: ['own', 'x', 'y'],
      trueLabel: 'a',
      classCount: 4,
      ownModel: 'own',
      results: (s, r) => {
        const l = answer[`${s}/${r}`];
        return l ? recognitionFromLogits(r, labels, labels.map((k) => (k === l ? 2 : 0))) : undefined;
      },
    });
    expect(m.cells[1].map((c) => c.correct)).toEqual([true, false, true]);
    expect(m.cells[2].map((c) => c.correct)).toEqual([null, null, null]);
    expect(m.cells[0][0].pTrue).toBeCloseTo(Math.exp(2) / (Math.exp(2) + 3), 12);
    expect(m.curveReaders).toEqual(['x', 'y']);
    expect(m.curve).toEqual([1, 0.5, null]);
    expect(m.chance).toBe(0.25);
  });
});
