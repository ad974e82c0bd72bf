/**
 * The "onnx" builder end to end on a small hand-built conv net (conv-relu-pool, grouped conv
 * + batch norm + relu, a residual add, global pool, torch-style flatten, Gemm logits):
 * gradients w.r.t. the raw input agree with central finite differences on wasm, the fake
 * ReLU's gradient is the pre-activation's, tensors do not leak over repeated forward + grad,
 * the input pipeline (normalisation, BGR, NCHW) is what it claims, and bad manifests fail
 * with messages naming the problem.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Cochleagram } from '../../src/audio/cochleagram.ts';
import { useNodeBackend } from '../../src/platform/tf-node.ts';
import { Rng } from '../../src/engine/random.ts';
import type { InputSpec, StagedModel } from '../../src/engine/types.ts';
import { parseOnnx } from '../../src/models/onnx/onnx-parse.ts';
import { probeShapes, runOnnxGraph } from '../../src/models/onnx/onnx-runner.ts';
import { stagedModelFromOnnx, type OnnxStagedOptions } from '../../src/models/onnx/onnx-model.ts';
import { loadModelFromManifest } from '../../src/models/registry.ts';
import { sha256Hex } from '../../src/io/sha256.ts';
import type { ModelManifest, ModelSource } from '../../src/models/manifest.ts';
import { buildOnnx, floatTensor, ints, type GraphSpec } from './onnx-build.ts';
import { expectGradientMatchesDifferences } from './onnx-gradcheck.ts';

const SIZE = 10;
const rng = new Rng(5);
const randn = (n: number, std: number) => rng.normalArray(n, 0, std);

/** input [1,3,10,10] -> relu0 [1,4,10,10] -> pool [1,4,5,5] -> relu1 [1,6,5,5] -> add -> relu2 -> logits [1,5]. */
function tinyNetSpec(): GraphSpec {
  return {
    inputs: [{ name: 'input', dims: ['batch', 3, SIZE, SIZE] }],
    outputs: ['logits'],
    initializers: {
      w0: floatTensor([4, 3, 3, 3], randn(108, 0.4)), b0: floatTensor([4], randn(4, 0.1)),
      w1: floatTensor([6, 2, 3, 3], randn(108, 0.4)),
      bn_s: floatTensor([6], [1.2, 0.8, 1, 1.5, 0.7, 1.1]), bn_b: floatTensor([6], randn(6, 0.1)),
      bn_m: floatTensor([6], randn(6, 0.1)), bn_v: floatTensor([6], [0.5, 1, 2, 0.8, 1.2, 0.9]),
      wp: floatTensor([6, 4, 1, 1], randn(24, 0.5)),
      wf: floatTensor([5, 6], randn(30, 0.5)), bf: floatTensor([5], randn(5, 0.1)),
      zero: { dims: [], data: [0], type: 'int64' }, axis0: ints([0]), minus1: ints([-1]),
    },
    nodes: [
      { op: 'Conv', inputs: ['input', 'w0', 'b0'], outputs: ['c0'], attrs: { pads: [1, 1, 1, 1], kernel_shape: [3, 3] } },
      { op: 'Relu', inputs: ['c0'], outputs: ['r0'] },
      { op: 'MaxPool', inputs: ['r0'], outputs: ['p0'], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
      { op: 'Conv', inputs: ['p0', 'w1'], outputs: ['c1'], attrs: { pads: [1, 1, 1, 1], group: 2 } },
      { op: 'BatchNormalization', inputs: ['c1', 'bn_s', 'bn_b', 'bn_m', 'bn_v'], outputs: ['n1'] },
      { op: 'Relu', inputs: ['n1'], outputs: ['r1'] },
      { op: 'Conv', inputs: ['p0', 'wp'], outputs: ['proj'] },
      { op: 'Add', inputs: ['r1', 'proj'], outputs: ['sum'] },
      { op: 'Relu', inputs: ['sum'], outputs: ['r2'] },
      { op: 'GlobalAveragePool', inputs: ['r2'], outputs: ['gap'] },
      { op: 'Shape', inputs: ['gap'], outputs: ['s'] },
      { op: 'Gather', inputs: ['s', 'zero'], outputs: ['n'], attrs: { axis: 0 } },
      { op: 'Unsqueeze', inputs: ['n', 'axis0'], outputs: ['n1d'] },
      { op: 'Concat', inputs: ['n1d', 'minus1'], outputs: ['flat_shape'], attrs: { axis: 0 } },
      { op: 'Reshape', inputs: ['gap', 'flat_shape'], outputs: ['flat'] },
      { op: 'Gemm', inputs: ['flat', 'wf', 'bf'], outputs: ['logits'], attrs: { transB: 1 } },
    ],
  };
}

const BYTES = buildOnnx(tinyNetSpec());
const SPEC: InputSpec = { modality: 'image', shape: [SIZE, SIZE, 3], range: [0, 1], init: { mean: 0.5, std: 0.05 } };
const STAGE_VALUES = { relu0: 'r0', relu1: 'r1', merge: 'r2', final: 'logits' };

function options(extra: Partial<OnnxStagedOptions> = {}): OnnxStagedOptions {
  return { id: 'tiny-onnx', inputSpec: SPEC, stages: Object.keys(STAGE_VALUES), stageValues: STAGE_VALUES, layout: 'NCHW', readoutValue: 'logits', ...extra };
}

function randomInput(seed: number): tf.Tensor {
  const r = new Rng(seed);
  return tf.tensor(Float32Array.from({ length: SIZE * SIZE * 3 }, () => 0.2 + 0.6 * r.uniform()), [1, SIZE, SIZE, 3]);
}

/** <probe, stage(x)> for a fixed random probe: a scalar whose gradient mixes every unit. */
function probeLoss(model: StagedModel, stage: string, probe: tf.Tensor, fake = false) {
  return (x: tf.Tensor) => tf.sum(tf.mul(model.forward(x, [stage], fake ? { fakeReluStage: stage } : {})[stage], probe)) as tf.Scalar;
}

describe('onnx builder on wasm', () => {
  let model: StagedModel;
  beforeAll(async () => {
    await useNodeBackend('wasm');
    model = stagedModelFromOnnx(parseOnnx(BYTES), options());
  });

  it('has the stages and readout it was given, with the graph\'s shapes', () => {
    expect(model.stages).toEqual(['relu0', 'relu1', 'merge', 'final']);
    const x = randomInput(1);
    const out = model.forward(x, ['relu0', 'final']);
    expect(out.relu0.shape).toEqual([1, 4, SIZE, SIZE]);
    expect(out.final.shape).toEqual([1, 5]);
    const logits = model.readout!.logits(x);
    expect(Array.from(logits.dataSync())).toEqual(Array.from(out.final.dataSync()));
    expect(model.readout!.labels).toEqual(['0', '1', '2', '3', '4']);
    tf.dispose([x, logits, out.relu0, out.final]);
  });

  it.each(['relu0', 'relu1', 'merge', 'final'])('gradient at %s agrees with central finite differences', (stage) => {
    const x = randomInput(2);
    expectGradientMatchesDifferences((v) => model.forward(v, [stage])[stage], x, 9);
    x.dispose();
  });

  it('fake ReLU at a stage passes the pre-activation gradient; other calls keep the true ReLU', () => {
    const x = randomInput(3);
    const probe = tf.tensor(randn(4 * SIZE * SIZE, 1), [1, 4, SIZE, SIZE]);
    const fakeGrad = tf.grad(probeLoss(model, 'relu0', probe, true))(x);
    const trueGrad = tf.grad(probeLoss(model, 'relu0', probe, false))(x);
    // The pre-activation c0 through the runner directly: its NCHW input is the transposed raw image.
    const graph = parseOnnx(BYTES);
    const preGrad = tf.grad((v: tf.Tensor) => {
      const c0 = runOnnxGraph(graph, { input: tf.transpose(v, [0, 3, 1, 2]) }, ['c0']).c0;
      return tf.sum(tf.mul(c0, probe)) as tf.Scalar;
    })(x);
    const diff = (a: tf.Tensor, b: tf.Tensor) => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
    const scale = tf.max(tf.abs(preGrad)).dataSync()[0];
    expect(diff(fakeGrad, preGrad)).toBeLessThan(1e-5 * scale);
    expect(diff(trueGrad, preGrad)).toBeGreaterThan(1e-2 * scale);
    tf.dispose([x, probe, fakeGrad, trueGrad, preGrad]);
  });

  it('keeps tf.memory().numTensors flat over repeated forward + gradient passes', () => {
    const x = randomInput(4);
    const probe = tf.tensor(randn(6 * 25, 1), [1, 6, 5, 5]);
    const step = () => {
      const g = tf.grad(probeLoss(model, 'merge', probe, true))(x);
      g.dispose();
      const out = model.forward(x, ['relu0', 'final']);
      tf.dispose(Object.values(out));
    };
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, probe]);
  });

  it('feeds the graph the normalised, channel-reordered, channels-first input', () => {
    const mean = [0.4, 0.5, 0.6];
    const std = [0.2, 0.25, 0.3];
    const m = stagedModelFromOnnx(parseOnnx(BYTES), options({
      stages: ['pixels'], stageValues: { pixels: 'input' }, channelOrder: 'BGR', readoutValue: undefined,
      inputSpec: { ...SPEC, normalization: { mean, std } },
    }));
    const x = randomInput(5);
    const got = m.forward(x, ['pixels']).pixels;
    expect(got.shape).toEqual([1, 3, SIZE, SIZE]);
    const xs = x.dataSync();
    const gs = got.dataSync();
    for (let c = 0; c < 3; c++) {
      const src = 2 - c; // BGR: graph channel 0 is raw channel 2
      for (let i = 0; i < SIZE * SIZE; i++) {
        expect(gs[c * SIZE * SIZE + i]).toBeCloseTo((xs[i * 3 + src] - mean[src]) / std[src], 5);
      }
    }
    tf.dispose([x, got]);
    m.dispose();
  });

  it('probeShapes records the shape of every float value computed from the input, not the folded shape arithmetic', () => {
    const shapes = probeShapes(parseOnnx(BYTES), [1, 3, SIZE, SIZE]);
    expect(shapes.get('input')).toEqual([1, 3, SIZE, SIZE]);
    expect(shapes.get('r0')).toEqual([1, 4, SIZE, SIZE]);
    expect(shapes.get('p0')).toEqual([1, 4, 5, 5]);
    expect(shapes.get('gap')).toEqual([1, 6, 1, 1]);
    expect(shapes.get('flat')).toEqual([1, 6]);
    expect(shapes.get('logits')).toEqual([1, 5]);
    for (const folded of ['s', 'n', 'n1d', 'flat_shape', 'w0']) expect(shapes.has(folded)).toBe(false);
    expect(shapes.size).toBe(16 - 4 + 1); // node outputs minus the 4 folded shape values, plus the input
  });

  it('refuses bad options with messages naming the problem', () => {
    const graph = parseOnnx(BYTES);
    expect(() => stagedModelFromOnnx(graph, options({ stageValues: { ...STAGE_VALUES, relu1: 'nope' } })))
      .toThrow('model "tiny-onnx" (onnx builder): stage "relu1": ONNX value "nope" is not a float value computed from the input');
    expect(() => stagedModelFromOnnx(graph, options({ inputSpec: { ...SPEC, shape: [12, 12, 3] } })))
      .toThrow('inputSpec.shape [12,12,3] with layout NCHW gives [1,3,12,12], which does not fit ONNX input "input" [1,3,10,10]');
    expect(() => stagedModelFromOnnx(graph, options({ stageShapes: { relu0: [4, 10, 9] } })))
      .toThrow('stage "relu0" (ONNX value "r0") has shape [4,10,10] but the manifest says [4,10,9]');
    expect(() => stagedModelFromOnnx(graph, options({ labels: ['a', 'b'] })))
      .toThrow('2 class labels for a readout with 5 outputs');
    expect(() => stagedModelFromOnnx(graph, options({ readoutValue: 'r0' })))
      .toThrow('readout value "r0" must be [1, classes] logits, is [1,4,10,10]');
    expect(() => stagedModelFromOnnx(graph, options({ maxWeightBytes: 1000 })))
      .toThrow(/model "tiny-onnx" \(onnx builder\): its weights take 1\.\d+ kB; models over 1 kB of weights are refused/);
  });
});

describe('registry builder "onnx"', () => {
  beforeAll(async () => {
    await useNodeBackend('wasm');
  });

  function memorySource(files: Record<string, ArrayBuffer>): ModelSource {
    return {
      readJson: async (p) => JSON.parse(new TextDecoder().decode(files[p])),
      readBinary: async (p) => {
        if (!files[p]) throw new Error(`no file ${p}`);
        return files[p];
      },
    };
  }

  async function manifestFor(bytes: Uint8Array, params: Record<string, unknown>): Promise<{ manifest: ModelManifest; source: ModelSource }> {
    const buf = bytes.slice().buffer;
    const manifest: ModelManifest = {
      format: 'metamer-model/1', id: 'imported', name: 'Imported', description: '', builder: 'onnx',
      stages: [{ name: 'relu0', shape: [4, SIZE, SIZE] }, { name: 'final', shape: [5] }],
      inputSpec: SPEC, classes: ['a', 'b', 'c', 'd', 'e'], provenance: 'test', licence: 'MIT', accuracy: 'none',
      weights: [{ path: 'model.onnx', sha256: await sha256Hex(new Uint8Array(buf)), bytes: buf.byteLength }], references: [],
      params: { file: 'model.onnx', layout: 'NCHW', stageValues: { relu0: 'r0', final: 'logits' }, readoutValue: 'logits', ...params },
    };
    return { manifest, source: memorySource({ 'imported/model.onnx': buf }) };
  }

  it('loads an imported model from its manifest and an in-memory source', async () => {
    const { manifest, source } = await manifestFor(BYTES, {});
    const { model } = await loadModelFromManifest(manifest, source);
    expect(model.stages).toEqual(['relu0', 'final']);
    expect(model.readout!.labels).toEqual(['a', 'b', 'c', 'd', 'e']);
    const x = randomInput(6);
    const out = model.forward(x, ['final']);
    expect(out.final.shape).toEqual([1, 5]);
    tf.dispose([x, out.final]);
    model.dispose();
  });

  it('names the file when its bytes are not ONNX, and the param at fault', async () => {
    const junk = new TextEncoder().encode('{"this": "is json, not onnx"}');
    const a = await manifestFor(junk, {});
    await expect(loadModelFromManifest(a.manifest, a.source)).rejects.toThrow(/^"model\.onnx" is not an ONNX model/);
    const b = await manifestFor(BYTES, { layout: 'CHW' });
    await expect(loadModelFromManifest(b.manifest, b.source)).rejects.toThrow('params.layout must be "NCHW" or "NHWC" (got "CHW")');
  });
});

describe('onnx builder with the cochleagram front end (wasm)', () => {
  beforeAll(async () => {
    await useNodeBackend('wasm');
  });

  // A 0.2-s clip keeps the front end cheap: cochleagram [211, 30] instead of the paper's [211, 390].
  const spec: InputSpec = { modality: 'audio', shape: [4000], range: [-1, 1], init: { mean: 0, std: 1e-7 }, sampleRate: 20000 };

  it.each([[[1, 1, 211, 30]], [[1, 211, 30]]])('feeds a graph with input %j the project\'s cochleagram, differentiably', (dims) => {
    const graph = parseOnnx(buildOnnx({
      inputs: [{ name: 'coch', dims }],
      outputs: ['r'],
      initializers: { k: floatTensor([], [2]), b: floatTensor([], [-0.1]) },
      nodes: [
        { op: 'Mul', inputs: ['coch', 'k'], outputs: ['m'] },
        { op: 'Add', inputs: ['m', 'b'], outputs: ['pre'] },
        { op: 'Relu', inputs: ['pre'], outputs: ['r'] },
      ],
    }));
    const model = stagedModelFromOnnx(graph, {
      id: 'audio', inputSpec: spec, stages: ['cochleagram', 'relu'], stageValues: { cochleagram: 'coch', relu: 'r' },
      layout: 'NCHW', frontEnd: 'cochleagram',
    });
    const r = new Rng(8);
    const x = tf.tensor(Float32Array.from({ length: 4000 }, () => 0.1 * r.normal()), [1, 4000]);
    const coch = new Cochleagram({ signalLength: 4000, sampleRate: 20000 });
    const want = coch.apply(x);
    const got = model.forward(x, ['cochleagram']).cochleagram;
    expect(got.shape).toEqual(dims);
    expect(Array.from(got.dataSync())).toEqual(Array.from(want.dataSync()));
    // With the fake ReLU at "relu", d sum(relu)/dx is d sum(2 * cochleagram)/dx exactly.
    const fake = tf.grad((v: tf.Tensor) => tf.sum(model.forward(v, ['relu'], { fakeReluStage: 'relu' }).relu) as tf.Scalar)(x);
    const direct = tf.grad((v: tf.Tensor) => tf.mul(tf.sum(coch.apply(v)), 2) as tf.Scalar)(x);
    const err = tf.max(tf.abs(tf.sub(fake, direct))).dataSync()[0];
    expect(err).toBeLessThanOrEqual(1e-5 * tf.max(tf.abs(direct)).dataSync()[0]);
    tf.dispose([x, want, got, fake, direct]);
    coch.dispose();
    model.dispose();
  });
});
