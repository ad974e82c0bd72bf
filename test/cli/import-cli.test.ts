/**
 * The CLI on model files (issue 6): `stages`, `activations`, and `generate` / `null` with
 * --model PATH, on the PyTorch fixtures in test/fixtures/onnx (and the fmnist-alexnet TF.js
 * LayersModel for the shard errors). In process, wasm backend.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { cliInProcess, REPO } from './run-cli.ts';
import { importedModelName, isModelPath } from '../../src/cli/model-arg.ts';
import { importedModelId } from '../../src/models/import/imported-id.ts';
import { parseNpy, writeNpy } from '../../src/io/npy.ts';
import { parseOnnx } from '../../src/models/onnx/onnx-parse.ts';
import { runOnnxGraph } from '../../src/models/onnx/onnx-runner.ts';
import { validateNullDistribution } from '../../src/engine/null-distribution.ts';

const ONNX = join(REPO, 'test', 'fixtures', 'onnx');
const ALEXNET = join(ONNX, 'alexnet.onnx');
const tmp = mkdtempSync(join(tmpdir(), 'metamer-import-cli-'));

/** The fixture's shared input: ImageNet-normalised NCHW, and the raw [224, 224, 3] image it came from. */
function fixtureImage(): { normalised: Float32Array; rawPath: string } {
  const normalised = Float32Array.from(parseNpy(readFileSync(join(ONNX, 'image-224.input.npy'))).data);
  const mean = [0.485, 0.456, 0.406];
  const std = [0.229, 0.224, 0.225];
  const raw = new Float32Array(224 * 224 * 3);
  for (let c = 0; c < 3; c++) for (let i = 0; i < 224 * 224; i++) raw[3 * i + c] = normalised[c * 224 * 224 + i] * std[c] + mean[c];
  const rawPath = join(tmp, 'image-raw.npy');
  writeFileSync(rawPath, writeNpy(raw, [224, 224, 3]));
  return { normalised, rawPath };
}

describe('--model: built-in id or model file', () => {
  it('tells paths from ids, and names imported models after their file (model.json: its folder)', () => {
    expect(isModelPath('hmax')).toBe(false);
    expect(isModelPath('alexnet.onnx')).toBe(true);
    expect(isModelPath('models/x/model.json')).toBe(true);
    expect(isModelPath('./resnet')).toBe(true);
    expect(isModelPath('resnet')).toBe(false);
    // The page's rule: imported-<slug of the name>; the name is the file's (model.json: its folder's).
    const id = (path: string) => importedModelId(importedModelName(path), () => false);
    expect(id('/data/My ResNet-50.onnx')).toBe('imported-my-resnet-50');
    expect(id('exports/keras_net/model.json')).toBe('imported-keras-net');
  });
});

describe('metamer stages', () => {
  it('AlexNet: the paper names, suggested ones starred, the guessed input spec', async () => {
    const r = await cliInProcess(['stages', ALEXNET]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('ONNX model, architecture alexnet');
    expect(r.out).toContain('input "input" [1,3,224,224]: image [224,224,3] in [0,1], NCHW, RGB, normalised (x - [0.485,0.456,0.406]) / [0.229,0.224,0.225]');
    const starred = r.out.split('\n').filter((l) => l.trimEnd().endsWith('*')).map((l) => l.split(/\s+/)[0]);
    expect(starred).toEqual(['relu0', 'relu1', 'relu2', 'relu3', 'relu4', 'fc0_relu', 'fc1_relu', 'final']);
    expect(r.out).toMatch(/^relu0\s+relu\s+\[16, 55, 55\]\s+\S+ \(Relu\)\s+\*$/m);
  });

  it('ResNet-50 --json: conv1_relu1, layer1..layer4, avgpool, final suggested', async () => {
    const r = await cliInProcess(['stages', join(ONNX, 'resnet50.onnx'), '--json']);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.architecture).toBe('resnet');
    expect(j.stages.filter((s: { suggested: boolean }) => s.suggested).map((s: { name: string }) => s.name)).toEqual([
      'conv1_relu1', 'layer1', 'layer2', 'layer3', 'layer4', 'avgpool', 'final',
    ]);
  });
});

describe('metamer stages on an audio model', () => {
  it('CochCNN9: the cochleagram front end, and the cochleagram as the first stage', async () => {
    const r = await cliInProcess(['stages', join(ONNX, 'cochcnn9.onnx')]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('input "input" [1,1,211,390]: audio [40000] in [-1,1] at 20000 Hz through the cochleagram');
    expect(r.out).toMatch(/^cochleagram\s+input-stage\s+\[1, 211, 390\]\s+input \(Input\)\s+\*$/m);
    expect(r.out).toMatch(/^relufc\s+relu\s+\[64\]/m);
  });
});

describe('metamer activations', () => {
  it('writes the runner\'s own activations of the stage (raw image in, normalised inside), with or without --input-spec', async () => {
    const { normalised, rawPath } = fixtureImage();
    const graph = parseOnnx(readFileSync(ALEXNET));
    const stages = JSON.parse((await cliInProcess(['stages', ALEXNET, '--json'])).out).stages as { name: string; value: string }[];
    const value = stages.find((s) => s.name === 'relu3')!.value;
    const expected = tf.tidy(() => runOnnxGraph(graph, { input: tf.tensor(normalised, [1, 3, 224, 224]) }, [value])[value]);
    const want = expected.dataSync();
    for (const spec of [[], ['--input-spec', join(ONNX, 'alexnet.input-spec.json')]]) {
      const out = join(tmp, `relu3-${spec.length}.npy`);
      const r = await cliInProcess(['activations', '--model', ALEXNET, '--stage', 'relu3', '--input', rawPath, '--out', out, ...spec]);
      expect(r.code, r.err).toBe(0);
      const got = parseNpy(readFileSync(out));
      expect(got.shape).toEqual(expected.shape);
      let num = 0;
      let den = 0;
      for (let i = 0; i < want.length; i++) {
        num += (got.data[i] - want[i]) ** 2;
        den += want[i] ** 2;
      }
      // Only the float32 rounding of the de- and re-normalisation separates the two.
      expect(Math.sqrt(num / den)).toBeLessThan(1e-5);
    }
    expected.dispose();
  });
});

describe('generate and null on an imported model', () => {
  it('null --pairs 20 writes a null of the chosen stages; generate --steps 3 writes its files and tests against it', async () => {
    const nullPath = join(tmp, 'alexnet-null.json');
    const n = await cliInProcess(['null', '--model', ALEXNET, '--pairs', '20', '--stages', 'relu0,final', '--out', nullPath]);
    expect(n.code, n.err).toBe(0);
    const dist = validateNullDistribution(JSON.parse(readFileSync(nullPath, 'utf8')));
    expect(Object.keys(dist.stages)).toEqual(['relu0', 'final']);
    expect(dist.stages.relu0.spearman.pairs).toBe(20);
    expect(dist.model).toBe('imported-alexnet');
    expect(dist.source).toContain('natural photos of centernet');

    const { rawPath } = fixtureImage();
    const out = join(tmp, 'gen');
    const g = await cliInProcess(['generate', '--model', ALEXNET, '--stage', 'relu0', '--input', rawPath, '--steps', '3', '--out', out, '--null', nullPath, '--stages', 'relu0,relu4']);
    expect(g.code, g.err).toBe(0);
    for (const f of ['metamer.npy', 'metamer.png', 'reference.npy', 'reference.png', 'run.json']) expect(existsSync(join(out, f)), f).toBe(true);
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    expect(run.schema).toBe('metamer-run-export/1');
    expect(run.model.id).toBe('imported-alexnet');
    expect(Object.keys(run.metricHistory.at(-1).stages)).toEqual(['relu0', 'relu4']);
    expect(run.lossHistory).toHaveLength(3);
    const verdict = run.verdict;
    expect(typeof verdict.pass).toBe('boolean');
    expect(verdict.criteria.map((c: { criterion: string }) => c.criterion)).toEqual(['spearman', 'pearson', 'snrDb', 'class']);
    expect(verdict.criteria[0].threshold).toBe(dist.stages.relu0.spearman.max);
    expect(parseNpy(readFileSync(join(out, 'metamer.npy'))).shape).toEqual([224, 224, 3]);
  });
});

describe('errors on model files: one line, exit 1 (failure) or 2 (usage)', () => {
  const oneLine = (r: { err: string }) => expect(r.err.trimEnd().split('\n')).toHaveLength(1);

  it('missing, corrupt and unreadable model files', async () => {
    const missing = await cliInProcess(['stages', join(tmp, 'nope.onnx')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toBe(`metamer stages: error: model file not found: ${join(tmp, 'nope.onnx')}\n`);
    const corrupt = join(tmp, 'corrupt.onnx');
    writeFileSync(corrupt, Buffer.from('this is not a protobuf at all, just text'));
    const c = await cliInProcess(['stages', corrupt]);
    expect(c.code).toBe(1);
    expect(c.err).toMatch(/^metamer stages: error: "corrupt\.onnx" is not an ONNX model/);
    oneLine(c);
    const json = JSON.parse(readFileSync(join(REPO, 'models', 'fmnist-alexnet', 'model.json'), 'utf8'));
    const lonely = join(tmp, 'lonely', 'model.json');
    (await import('node:fs')).mkdirSync(join(tmp, 'lonely'), { recursive: true });
    writeFileSync(lonely, JSON.stringify(json));
    const shard = await cliInProcess(['stages', lonely]);
    expect(shard.code).toBe(1);
    expect(shard.err).toBe('metamer stages: error: missing weight shard "weights.bin" listed in model.json (given: no other file)\n');
    const usage = await cliInProcess(['stages']);
    expect(usage.code).toBe(2);
    const txt = await cliInProcess(['activations', '--model', 'some/model.txt', '--stage', 'x', '--input', 'x.npy', '--out', 'a.npy']);
    expect(txt.code).toBe(2);
    expect(txt.err).toBe('metamer activations: --model some/model.txt: a model file must be a .onnx file or a TF.js model.json\n');
  });

  it('wrong input size, a spec that does not fit, an unknown stage, --input-spec on a built-in model', async () => {
    const small = join(tmp, 'small.npy');
    writeFileSync(small, writeNpy(new Float32Array(100 * 100 * 3), [100, 100, 3]));
    const size = await cliInProcess(['activations', '--model', ALEXNET, '--stage', 'relu0', '--input', small, '--out', join(tmp, 'a.npy')]);
    expect(size.code).toBe(1);
    // The guessed input spec is printed first (issue 13), then the one-line error.
    const [guess, error, ...rest] = size.err.split('\n');
    expect(guess).toMatch(/^input spec of alexnet\.onnx \(GUESSED from its input dims \[1,3,224,224\]; check it, or give --input-spec FILE\): image \[224,224,3\] in \[0,1\], ImageNet normalisation/);
    expect(error).toBe(`metamer activations: error: ${small} has shape [100,100,3] (30000 values); the model's input is [224,224,3] (a leading batch of 1 is fine)`);
    expect(rest).toEqual(['']);
    const specPath = join(tmp, 'spec.json');
    writeFileSync(specPath, '{"shape": [200, 200, 3]}');
    const spec = await cliInProcess(['stages', ALEXNET, '--input-spec', specPath]);
    expect(spec.code).toBe(1);
    expect(spec.err).toBe(`metamer stages: error: ${specPath}: input spec shape [200,200,3] (NCHW: [1,3,200,200]) does not fit input "input" of alexnet.onnx, which is [1,3,224,224]\n`);
    const stage = await cliInProcess(['generate', '--model', ALEXNET, '--stage', 'layer9', '--input', small, '--out', join(tmp, 'x')]);
    expect(stage.code).toBe(2);
    expect(stage.err).toMatch(/^metamer generate: alexnet\.onnx has no stage "layer9" \(stages: relu0, maxpool0, .*final; see metamer stages .*alexnet\.onnx\)\n$/);
    const builtin = await cliInProcess(['null', '--model', 'hmax', '--pairs', '2', '--out', join(tmp, 'n.json'), '--input-spec', specPath]);
    expect(builtin.code).toBe(2);
    expect(builtin.err).toBe('metamer null: --input-spec applies to a model file (--model path/to/model.onnx), not to a built-in model\n');
  });
});
