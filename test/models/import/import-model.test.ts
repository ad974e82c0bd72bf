import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { useNodeBackend } from '../../../src/platform/tf-node.ts';
import { inspectModelFiles, manifestForImport } from '../../../src/models/import/import-model.ts';
import type { ImportFile } from '../../../src/models/import/import-draft.ts';
import { applyInputSpecFile } from '../../../src/models/import/input-spec-file.ts';
import { loadBuiltinModel, loadModelFromManifest, validateManifest } from '../../../src/models/registry.ts';
import { nodeModelSource } from '../../../src/models/source-node.ts';
import { buildOnnx, floatTensor } from '../onnx-build.ts';

const REPO = join(import.meta.dirname, '..', '..', '..');
const ONNX_DIR = join(REPO, 'test', 'fixtures', 'onnx');

function file(path: string, name = path.split('/').pop()!): ImportFile {
  const b = readFileSync(path);
  return { name, bytes: b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer };
}

const conv = (size: number, k: number, s: number, p: number) => Math.floor((size + 2 * p - k) / s) + 1;

beforeAll(async () => {
  await useNodeBackend('wasm');
});

describe('inspectModelFiles: ONNX', () => {
  it('AlexNet from PyTorch: architecture, input guess = the fixture\'s spec file, stage shapes by the conv arithmetic', async () => {
    const before = tf.memory().numTensors;
    const d = await inspectModelFiles([file(join(ONNX_DIR, 'alexnet.onnx')), file(join(ONNX_DIR, 'alexnet.input-spec.json'))]);
    expect(tf.memory().numTensors).toBe(before);
    expect(d.kind).toBe('onnx');
    expect(d.architecture).toBe('alexnet');
    expect(d.modelFile).toBe('alexnet.onnx');
    expect(d.files.map((f) => f.name)).toEqual(['alexnet.onnx']);
    expect(d.inputDims).toEqual([1, 3, 224, 224]);
    expect(d.logits).toBe(1000);
    const guess = { inputSpec: d.inputGuess, layout: d.layout, channelOrder: d.channelOrder };
    const specText = readFileSync(join(ONNX_DIR, 'alexnet.input-spec.json'), 'utf8');
    expect(applyInputSpecFile(specText, 'alexnet.input-spec.json', guess)).toEqual(guess);
    // torchvision AlexNet: conv 11/4 pad 2, pool 3/2, conv 5 pad 2, pool 3/2, three conv 3 pad 1.
    const c1 = conv(224, 11, 4, 2);
    const p1 = conv(c1, 3, 2, 0);
    const p2 = conv(p1, 3, 2, 0);
    const shape = Object.fromEntries(d.candidates.map((c) => [c.name, c.shape]));
    expect(shape.relu0).toEqual([16, c1, c1]);
    expect(shape.relu1).toEqual([48, p1, p1]);
    expect(shape.relu4).toEqual([64, p2, p2]);
    expect(shape.maxpool2).toEqual([64, conv(p2, 3, 2, 0), conv(p2, 3, 2, 0)]);
    expect(shape.fc1_relu).toEqual([64]);
    expect(shape.final).toEqual([1000]);
  });

  it('CochCNN9: an audio model with the cochleagram front end', async () => {
    const d = await inspectModelFiles([file(join(ONNX_DIR, 'cochcnn9.onnx'))]);
    expect(d.frontEnd).toBe('cochleagram');
    expect(d.inputGuess).toMatchObject({ modality: 'audio', shape: [40000], sampleRate: 20000 });
    expect(d.candidates[0]).toMatchObject({ name: 'cochleagram', shape: [1, 211, 390] });
  });

  it('bad files: one-line errors naming the file', async () => {
    const alex = file(join(ONNX_DIR, 'alexnet.onnx'));
    await expect(inspectModelFiles([])).rejects.toThrow('no files given');
    await expect(inspectModelFiles([alex, { ...alex, name: 'b.onnx' }])).rejects.toThrow('several .onnx files (alexnet.onnx, b.onnx): import one model at a time');
    await expect(inspectModelFiles([{ name: 'notes.txt', bytes: new ArrayBuffer(4) }])).rejects.toThrow('no model file among notes.txt');
    await expect(inspectModelFiles([{ name: 'x.json', bytes: new TextEncoder().encode('{"a":1}').buffer }])).rejects.toThrow('x.json is not a TF.js model.json');
    const truncated = { name: 'cut.onnx', bytes: alex.bytes.slice(0, 100_000) };
    const err = await inspectModelFiles([truncated]).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/cut\.onnx/);
    expect((err as Error).message).not.toContain('\n');
    const batch8 = buildOnnx({ inputs: [{ name: 'x', dims: [8, 3, 8, 8] }], nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }], outputs: ['y'] });
    await expect(inspectModelFiles([{ name: 'b8.onnx', bytes: Uint8Array.from(batch8).buffer }])).rejects.toThrow('input "x" has batch size 8');
    const vector = buildOnnx({ inputs: [{ name: 'x', dims: [1, 100] }], nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }], outputs: ['y'] });
    await expect(inspectModelFiles([{ name: 'v.onnx', bytes: Uint8Array.from(vector).buffer }])).rejects.toThrow(
      'input "x" of v.onnx has dims [1, 100]: expected an image [1, C, H, W] or [1, H, W, C], or a cochleagram [1, 1, 211, 390]',
    );
    // A dynamic batch dim (torch's dynamic_axes) is fine: inspection runs one example.
    const dynamic = buildOnnx({ inputs: [{ name: 'x', dims: ['batch', 3, 8, 8] }], nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }], outputs: ['y'] });
    const dd = await inspectModelFiles([{ name: 'd.onnx', bytes: Uint8Array.from(dynamic).buffer }]);
    expect(dd.inputDims).toEqual([1, 3, 8, 8]);
    expect(dd.candidates.map((c) => [c.name, c.shape])).toEqual([['final', [3, 8, 8]]]);
    const unsupported = buildOnnx({
      inputs: [{ name: 'x', dims: [1, 3, 8, 8] }],
      nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['r'] }, { op: 'LpNormalization', inputs: ['r'], outputs: ['y'], name: 'the_norm' }],
      outputs: ['y'],
    });
    const mb = (alex.bytes.byteLength / 1e6).toFixed(2).replace(/\.?0+$/, '');
    await expect(inspectModelFiles([alex], { maxWeightBytes: 1e6 })).rejects.toThrow(`alexnet.onnx is ${mb} MB; models over 1 MB of weights are refused (memory budget)`);
    const dir = join(REPO, 'models', 'fmnist-alexnet');
    await expect(inspectModelFiles([file(join(dir, 'model.json')), file(join(dir, 'weights.bin'))], { maxWeightBytes: 1e5 })).rejects.toThrow(
      'the weight shards of model.json hold 314.8 kB; models over 100 kB of weights are refused (memory budget)',
    );
    await expect(inspectModelFiles([{ name: 'u.onnx', bytes: Uint8Array.from(unsupported).buffer }])).rejects.toThrow(/unsupported ONNX op "LpNormalization" at node "the_norm"/);
  });
});

describe('manifestForImport', () => {
  it('a valid manifest: stages in depth order, hashes, params for the onnx builder, files under <id>/', async () => {
    const d = await inspectModelFiles([file(join(ONNX_DIR, 'alexnet.onnx'))]);
    const { manifest, source } = await manifestForImport(d, { id: 'my-alexnet', name: 'My AlexNet', stages: ['final', 'relu0', 'fc0_relu'], inputSpec: d.inputGuess });
    expect(validateManifest(manifest, 'my-alexnet')).toBe(manifest);
    expect(manifest.builder).toBe('onnx');
    expect(manifest.stages.map((s) => s.name)).toEqual(['relu0', 'fc0_relu', 'final']);
    expect(manifest.stages[0].shape).toEqual([16, 55, 55]);
    const bytes = readFileSync(join(ONNX_DIR, 'alexnet.onnx'));
    expect(manifest.weights).toEqual([{ path: 'alexnet.onnx', bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') }]);
    const byName = Object.fromEntries(d.candidates.map((c) => [c.name, c.value]));
    expect(manifest.params).toEqual({
      file: 'alexnet.onnx',
      inputName: 'input',
      layout: 'NCHW',
      channelOrder: 'RGB',
      stageValues: { relu0: byName.relu0, fc0_relu: byName.fc0_relu, final: byName.final },
      readoutValue: byName.final,
    });
    expect(new Uint8Array(await source.readBinary('my-alexnet/alexnet.onnx')).length).toBe(bytes.length);
  });

  it('refuses choices that do not fit, naming what is wrong', async () => {
    const d = await inspectModelFiles([file(join(ONNX_DIR, 'alexnet.onnx'))]);
    const ok = { id: 'a', name: 'a', stages: ['relu0'], inputSpec: d.inputGuess };
    await expect(manifestForImport(d, { ...ok, id: 'Bad Id' })).rejects.toThrow('model id "Bad Id" must be 1-64 lower-case letters');
    await expect(manifestForImport(d, { ...ok, stages: ['relu9'] })).rejects.toThrow('alexnet.onnx has no candidate stage "relu9" (candidates: relu0, maxpool0,');
    await expect(manifestForImport(d, { ...ok, stages: [] })).rejects.toThrow('choose at least one stage');
    await expect(manifestForImport(d, { ...ok, inputSpec: { ...d.inputGuess, shape: [200, 200, 3] } })).rejects.toThrow(
      'input spec shape [200,200,3] (NCHW: [1,3,200,200]) does not fit input "input" of alexnet.onnx, which is [1,3,224,224]',
    );
    await expect(manifestForImport(d, { ...ok, classes: ['cat', 'dog'] })).rejects.toThrow('2 class labels for a model whose final output has 1000 logits');
    const audio = { modality: 'audio' as const, shape: [40000], range: [-1, 1] as [number, number], init: { mean: 0, std: 1e-7 }, sampleRate: 20000 };
    await expect(manifestForImport(d, { ...ok, inputSpec: audio })).rejects.toThrow('the input spec must be an image [H, W, C], got audio [40000]');
  });
});

describe('TF.js models', () => {
  const dir = join(REPO, 'models', 'fmnist-alexnet');
  const layersFiles = () => [file(join(dir, 'model.json')), file(join(dir, 'weights.bin'))];

  it('a LayersModel: its layer names as candidates, NHWC input, and the built model matches the built-in one', async () => {
    const d = await inspectModelFiles(layersFiles());
    expect(d.kind).toBe('layers');
    expect(d.candidates.map((c) => c.name)).toEqual(['relu0', 'pool0', 'relu1', 'pool1', 'relu2', 'relu3', 'relu4', 'pool4', 'fc0_relu', 'fc1_relu', 'final']);
    expect(d.candidates.find((c) => c.name === 'relu0')!.shape).toEqual([28, 28, 16]);
    expect(d.layout).toBe('NHWC');
    expect(d.inputGuess).toMatchObject({ modality: 'image', shape: [28, 28, 1] });
    expect(d.logits).toBe(10);

    const builtin = await loadBuiltinModel('fmnist-alexnet', nodeModelSource());
    const { manifest, source } = await manifestForImport(d, { id: 'fm', name: 'fm', stages: ['relu2', 'final'], inputSpec: builtin.manifest.inputSpec });
    const imported = await loadModelFromManifest(manifest, source);
    const x = tf.randomUniform([1, 28, 28, 1], 0, 1, 'float32', 3);
    const a = builtin.model.forward(x, ['relu2', 'final']);
    const b = imported.model.forward(x, ['relu2', 'final']);
    for (const s of ['relu2', 'final']) expect(tf.max(tf.abs(tf.sub(a[s], b[s]))).dataSync()[0]).toBeLessThan(1e-6);
    tf.dispose([x, ...Object.values(a), ...Object.values(b)]);
    builtin.model.dispose();
    imported.model.dispose();
  });

  it('missing or truncated shards are named', async () => {
    const [json, shard] = layersFiles();
    await expect(inspectModelFiles([json])).rejects.toThrow('missing weight shard "weights.bin" listed in model.json (given: no other file)');
    const cut = { name: 'weights.bin', bytes: shard.bytes.slice(0, shard.bytes.byteLength - 8) };
    await expect(inspectModelFiles([json, cut])).rejects.toThrow(
      `weight shard "weights.bin" (${shard.bytes.byteLength - 8} bytes) hold ${shard.bytes.byteLength - 8} bytes; model.json lists weights of ${shard.bytes.byteLength} bytes (truncated file)`,
    );
    // Shards dropped from a folder are found by their bare name.
    const d = await inspectModelFiles([{ ...json, name: 'fm/model.json' }, { ...shard, name: 'weights.bin' }]);
    expect(d.files.map((f) => f.name)).toEqual(['model.json', 'weights.bin']);
  });
});

describe('an imported ONNX model end to end', () => {
  it('AlexNet built through the manifest gives torch\'s logits on the fixture input (raw HWC in, ImageNet-normalised inside)', async () => {
    const d = await inspectModelFiles([file(join(ONNX_DIR, 'alexnet.onnx'))]);
    const { manifest, source } = await manifestForImport(d, { id: 'alex', name: 'alex', stages: ['relu0', 'final'], inputSpec: d.inputGuess });
    const { model } = await loadModelFromManifest(manifest, source);
    const { parseNpy } = await import('../../../src/io/npy.ts');
    const normalised = parseNpy(readFileSync(join(ONNX_DIR, 'image-224.input.npy')));
    const torchLogits = parseNpy(readFileSync(join(ONNX_DIR, 'alexnet.logits.npy'))).data;
    // Undo the ImageNet normalisation and go to the raw [1, H, W, C] layout the StagedModel takes.
    const raw = tf.tidy(() => {
      const x = tf.tensor(Float32Array.from(normalised.data), [1, 3, 224, 224]).transpose([0, 2, 3, 1]);
      return tf.add(tf.mul(x, [0.229, 0.224, 0.225]), [0.485, 0.456, 0.406]);
    });
    const before = tf.memory().numTensors;
    const out = model.forward(raw, ['final']);
    const logits = out.final.dataSync();
    let num = 0;
    let den = 0;
    for (let i = 0; i < logits.length; i++) {
      num += (logits[i] - torchLogits[i]) ** 2;
      den += torchLogits[i] ** 2;
    }
    expect(Math.sqrt(num / den)).toBeLessThan(1e-4);
    expect(model.readout?.labels).toHaveLength(1000);
    tf.dispose([raw, ...Object.values(out)]);
    expect(tf.memory().numTensors).toBe(before - 1);
    model.dispose();
  });
});

describe('TF.js GraphModel', () => {
  /** A converted-graph model.json by hand: out = maxpool2x2(relu(2 x) + x), NHWC [1, 8, 8, 3]. */
  function tinyGraphModel(): ImportFile[] {
    const T = { type: 'DT_FLOAT' };
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const pool = { T, ksize: { list: { i: ['1', '2', '2', '1'] } }, strides: { list: { i: ['1', '2', '2', '1'] } }, padding: { s: b64('VALID') }, data_format: { s: b64('NHWC') } };
    const json = {
      format: 'graph-model',
      modelTopology: {
        node: [
          { name: 'x', op: 'Placeholder', attr: { dtype: T, shape: { shape: { dim: [{ size: '1' }, { size: '8' }, { size: '8' }, { size: '3' }] } } } },
          { name: 'c', op: 'Const', attr: { dtype: T, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: [{ size: '1' }] } } } } },
          { name: 'scaled', op: 'Mul', input: ['x', 'c'], attr: { T } },
          { name: 'r', op: 'Relu', input: ['scaled'], attr: { T } },
          { name: 'sum', op: 'AddV2', input: ['r', 'x'], attr: { T } },
          { name: 'pool', op: 'MaxPool', input: ['sum'], attr: pool },
          { name: 'out', op: 'Identity', input: ['pool'], attr: { T } },
        ],
        versions: { producer: 1 },
      },
      weightsManifest: [{ paths: ['w.bin'], weights: [{ name: 'c', shape: [1], dtype: 'float32' }] }],
    };
    return [
      { name: 'model.json', bytes: new TextEncoder().encode(JSON.stringify(json)).buffer as ArrayBuffer },
      { name: 'w.bin', bytes: new Float32Array([2]).buffer },
    ];
  }

  it('node candidates (ReLU, merge, pool, output last), and the built model computes the graph', async () => {
    const d = await inspectModelFiles(tinyGraphModel());
    expect(d.kind).toBe('graph');
    expect(d.inputName).toBe('x');
    expect(d.candidates.map((c) => [c.name, c.kind, c.shape])).toEqual([
      ['r', 'relu', [8, 8, 3]],
      ['sum', 'merge', [8, 8, 3]],
      ['pool', 'pool', [4, 4, 3]],
      ['out', 'final', [4, 4, 3]],
    ]);
    const { manifest, source } = await manifestForImport(d, { id: 'tiny', name: 'tiny', stages: ['sum', 'out'], inputSpec: { ...d.inputGuess, range: [-1, 1] } });
    expect(manifest.params).toMatchObject({ graph: 'model.json', inputNode: 'x', stageNodes: { sum: 'sum', out: 'out' } });
    const { model } = await loadModelFromManifest(manifest, source);
    const xs = Float32Array.from({ length: 192 }, (_, i) => Math.sin(i * 1.7));
    const x = tf.tensor(xs, [1, 8, 8, 3]);
    const out = model.forward(x, ['sum', 'out']);
    const sum = xs.map((v) => Math.max(0, 2 * v) + v);
    const got = out.out.dataSync();
    for (let r = 0; r < 4; r++) {
      for (let c = 0; c < 4; c++) {
        for (let k = 0; k < 3; k++) {
          const at = (y: number, x: number) => sum[(y * 8 + x) * 3 + k];
          const want = Math.max(at(2 * r, 2 * c), at(2 * r + 1, 2 * c), at(2 * r, 2 * c + 1), at(2 * r + 1, 2 * c + 1));
          expect(got[(r * 4 + c) * 3 + k]).toBeCloseTo(want, 5);
        }
      }
    }
    tf.dispose([x, ...Object.values(out)]);
    model.dispose();
  });
});
