/**
 * Fuzzing the model readers: ONNX bytes (parseOnnx, then the whole inspection for what
 * parses) and TF.js model.json + shards (inspectModelFiles), mutated at random and by hand
 * (the examples: huge declared initializers, zero dims, a conv kernel larger than its
 * input, NaN weights, weight paths leaving the model's folder). Each outcome is a valid draft
 * or a one-line error naming the model file.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspectModelFiles } from '../../../src/models/import/import-model.ts';
import type { ImportFile } from '../../../src/models/import/import-draft.ts';
import { parseOnnx } from '../../../src/models/onnx/onnx-parse.ts';
import { useNodeBackend } from '../../../src/platform/tf-node.ts';
import { readModelFiles } from '../../../src/cli/model-arg.ts';
import { buildOnnx, encodeModel, floatTensor, modelProto, type GraphSpec } from '../onnx-build.ts';
import { mutants, outcome, tally } from '../../io/fuzz-kit.ts';

beforeAll(async () => {
  await useNodeBackend('cpu');
});

function smallNet(overrides: Partial<GraphSpec> = {}, inputHw = 8, kernel = 3, weight = 0.1): GraphSpec {
  const w = Array.from({ length: 4 * 3 * kernel * kernel }, (_, i) => weight * ((i % 7) - 3));
  return {
    inputs: [{ name: 'x', dims: [1, 3, inputHw, inputHw] }],
    nodes: [
      { op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['c'], name: 'conv1', attrs: { kernel_shape: [kernel, kernel] } },
      { op: 'Relu', inputs: ['c'], outputs: ['r'], name: 'relu1' },
      { op: 'GlobalAveragePool', inputs: ['r'], outputs: ['p'], name: 'pool' },
      { op: 'Flatten', inputs: ['p'], outputs: ['y'], name: 'flat' },
    ],
    outputs: ['y'],
    initializers: { w: floatTensor([4, 3, kernel, kernel], w), b: floatTensor([4], [0, 0.1, 0.2, 0.3]) },
    ...overrides,
  };
}

const file = (name: string, bytes: Uint8Array): ImportFile => ({ name, bytes: Uint8Array.from(bytes).buffer });

describe('fuzz: ONNX reader', () => {
  it('300 mutants: a draft with stages, or one-line errors naming the file', async () => {
    const seeds = [buildOnnx(smallNet()), buildOnnx(smallNet({}, 6, 1))];
    const results = [];
    for (const [i, bytes] of mutants(seeds, 300, 4409).entries()) {
      results.push(await outcome('net.onnx', `onnx mutant ${i}`, () => inspectModelFiles([file('net.onnx', bytes)]), (draft) => {
        expect(draft.candidates.length).toBeGreaterThan(0);
        for (const c of draft.candidates) for (const d of c.shape) expect(d).toBeGreaterThan(0);
      }));
    }
    const t = tally(results);
    expect(t.refused).toBeGreaterThan(100);
    expect(t.accepted).toBeGreaterThan(5);
  });

  it("the issue's examples: huge declared dims, zero dims, kernel larger than input, NaN weights", async () => {
    const huge = modelProto(smallNet());
    huge.graph!.initializer![0] = { name: 'w', dims: [100000, 100000], dataType: 1, rawData: new Uint8Array(16) };
    expect(() => parseOnnx(encodeModel(huge), 'huge.onnx')).toThrow(/^huge\.onnx: initializer "w" declares dims \[100000,100000\] \(10000000000 values\), over the memory budget/);

    const zero = buildOnnx(smallNet({ inputs: [{ name: 'x', dims: [1, 3, 0, 8] }] }));
    const zeroMessage = () => parseOnnx(zero, 'zero.onnx');
    expect(zeroMessage).toThrow(/^zero\.onnx: input "x" has dims \[1,3,0,8\]: dim 2 has size 0/);
    expect(zeroMessage).not.toThrow(/dynamic/);

    await expect(inspectModelFiles([file('tiny.onnx', buildOnnx(smallNet({}, 4, 5)))])).rejects.toThrow(
      /^tiny\.onnx: Conv node "conv1": its kernel \(5 wide\) is larger than its input \(4\) along spatial axis 0: the output would be empty/,
    );
    await expect(inspectModelFiles([file('nan.onnx', buildOnnx(smallNet({}, 8, 3, NaN)))])).rejects.toThrow(
      /^nan\.onnx: initializer "w" holds NaN at element 0 of \[4,3,3,3\]: weights must be finite/,
    );
  });
});

/** A converted-graph TF.js model: out = relu(x * c), NHWC [1, 4, 4, 1]. */
function tinyGraphModel(paths = ['w.bin'], shape: unknown = [1], weight = 2): ImportFile[] {
  const T = { type: 'DT_FLOAT' };
  const json = {
    format: 'graph-model',
    modelTopology: {
      node: [
        { name: 'x', op: 'Placeholder', attr: { dtype: T, shape: { shape: { dim: [{ size: '1' }, { size: '4' }, { size: '4' }, { size: '1' }] } } } },
        { name: 'c', op: 'Const', attr: { dtype: T, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: [{ size: '1' }] } } } } },
        { name: 'scaled', op: 'Mul', input: ['x', 'c'], attr: { T } },
        { name: 'r', op: 'Relu', input: ['scaled'], attr: { T } },
      ],
      versions: { producer: 1 },
    },
    weightsManifest: [{ paths, weights: [{ name: 'c', shape, dtype: 'float32' }] }],
  };
  return [
    { name: 'model.json', bytes: new TextEncoder().encode(JSON.stringify(json)).buffer as ArrayBuffer },
    { name: 'w.bin', bytes: new Float32Array([weight]).buffer },
  ];
}

describe('fuzz: TF.js model reader', () => {
  it('200 mutants of model.json and its shard: a draft, or one-line errors naming model.json', async () => {
    const [json, shard] = tinyGraphModel();
    const results = [];
    const jsonMutants = mutants([new Uint8Array(json.bytes)], 100, 5501);
    const shardMutants = mutants([new Uint8Array(shard.bytes)], 100, 5502);
    for (const [i, bytes] of jsonMutants.entries()) {
      results.push(await outcome('model.json', `model.json mutant ${i}`, () => inspectModelFiles([file('model.json', bytes), shard]), (d) => expect(d.candidates.length).toBeGreaterThan(0)));
    }
    for (const [i, bytes] of shardMutants.entries()) {
      results.push(await outcome('model.json', `shard mutant ${i}`, () => inspectModelFiles([json, file('w.bin', bytes)]), (d) => expect(d.candidates.length).toBeGreaterThan(0)));
    }
    const t = tally(results);
    expect(t.refused).toBeGreaterThan(50);
    expect(t.accepted).toBeGreaterThan(5);
  });

  it('weight paths stay in the model folder; shapes and NaN weights are checked', async () => {
    for (const [p, why] of [['../w.bin', /leaves the model's folder/], ['/dev/zero', /is an absolute path/], ['a\\w.bin', /backslashes/], ['', /is not a file name/]] as const) {
      await expect(inspectModelFiles(tinyGraphModel([p]))).rejects.toThrow(new RegExp(`^model\\.json: weight shard path .* ${why.source}`));
    }
    await expect(inspectModelFiles(tinyGraphModel(['w.bin'], [-1]))).rejects.toThrow(/^model\.json: weight "c" has shape \[-1\]: dims must be whole numbers >= 0/);
    await expect(inspectModelFiles(tinyGraphModel(['w.bin'], [1], NaN))).rejects.toThrow(/^model\.json: weight "c" holds NaN at element 0: weights must be finite/);
  });

  it('the CLI never reads a shard outside the model folder (../, /dev/zero)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'metamer-fuzz-'));
    for (const p of ['../outside.bin', '/dev/zero']) {
      const [json] = tinyGraphModel([p]);
      writeFileSync(join(dir, 'model.json'), new Uint8Array(json.bytes));
      await expect(readModelFiles(join(dir, 'model.json'))).rejects.toThrow(/^model\.json: weight shard path .* (leaves the model's folder|is an absolute path)/);
    }
  });
});
