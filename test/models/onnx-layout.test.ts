/**
 * The ONNX runner's layout pass and batch-norm folding (fast paths on): a Conv -> BN -> Relu ->
 * MaxPool -> Conv -> BN -> residual Add -> Relu -> GlobalAveragePool -> Flatten -> Gemm graph
 * gives the float64 definition's values with the conv outputs folded away, runs its 4-D part
 * channels-last (transposes only where NCHW is read), and its input gradient equals the plain
 * per-op path's (whose own gradients are checked against finite differences elsewhere).
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setFastGradients } from '../../src/engine/fast-gradients.ts';
import { Rng } from '../../src/engine/random.ts';
import { parseOnnx } from '../../src/models/onnx/onnx-parse.ts';
import { OnnxWeights, runOnnxGraph } from '../../src/models/onnx/onnx-runner.ts';
import { useNodeBackend } from '../../src/platform/tf-node.ts';
import { buildOnnx, floatTensor } from './onnx-build.ts';
import { batchNormRef, convRef, nd, poolRef, relError, type NdArray } from './onnx-reference.ts';

const rng = new Rng(11);
const randn = (n: number, std: number) => Array.from(rng.normalArray(n, 0, std));
const P = { strides: [1, 1] as [number, number], pads: [1, 1, 1, 1] as [number, number, number, number], dilations: [1, 1] as [number, number], group: 1 };

const x0 = randn(1 * 3 * 8 * 8, 1);
const w0 = randn(4 * 3 * 3 * 3, 0.4);
const b0 = randn(4, 0.1);
const w1 = randn(4 * 4 * 3 * 3, 0.4);
const bn = (seed: number) => ({
  s: [1.2, 0.8, 1.1, 1.5].map((v) => v * seed), b: randn(4, 0.1), m: randn(4, 0.2), v: [0.5, 1, 2, 0.8],
});
const bn0 = bn(1);
const bn1 = bn(0.9);
const wf = randn(5 * 4, 0.5);
const bf = randn(5, 0.1);

const graph = parseOnnx(buildOnnx({
  inputs: [{ name: 'x', dims: [1, 3, 8, 8] }],
  outputs: ['logits'],
  initializers: {
    w0: floatTensor([4, 3, 3, 3], w0), b0: floatTensor([4], b0), w1: floatTensor([4, 4, 3, 3], w1),
    s0: floatTensor([4], bn0.s), c0: floatTensor([4], bn0.b), m0: floatTensor([4], bn0.m), v0: floatTensor([4], bn0.v),
    s1: floatTensor([4], bn1.s), c1: floatTensor([4], bn1.b), m1: floatTensor([4], bn1.m), v1: floatTensor([4], bn1.v),
    wf: floatTensor([5, 4], wf), bf: floatTensor([5], bf),
  },
  nodes: [
    { op: 'Conv', inputs: ['x', 'w0', 'b0'], outputs: ['conv0'], attrs: { pads: [1, 1, 1, 1] } },
    { op: 'BatchNormalization', inputs: ['conv0', 's0', 'c0', 'm0', 'v0'], outputs: ['bn0'] },
    { op: 'Relu', inputs: ['bn0'], outputs: ['relu0'] },
    { op: 'MaxPool', inputs: ['relu0'], outputs: ['pool'], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
    { op: 'Conv', inputs: ['pool', 'w1'], outputs: ['conv1'], attrs: { pads: [1, 1, 1, 1] } },
    { op: 'BatchNormalization', inputs: ['conv1', 's1', 'c1', 'm1', 'v1'], outputs: ['bn1'] },
    { op: 'Add', inputs: ['bn1', 'pool'], outputs: ['sum'] },
    { op: 'Relu', inputs: ['sum'], outputs: ['relu1'] },
    { op: 'GlobalAveragePool', inputs: ['relu1'], outputs: ['gap'] },
    { op: 'Flatten', inputs: ['gap'], outputs: ['flat'] },
    { op: 'Gemm', inputs: ['flat', 'wf', 'bf'], outputs: ['logits'], attrs: { transB: 1 } },
  ],
}), 'layout.onnx');

/** The float64 definition of every value above. */
function reference(): Record<string, NdArray> {
  const relu = (a: NdArray) => nd(a.shape, a.data.map((v) => Math.max(0, v)));
  const conv0 = convRef(nd([1, 3, 8, 8], x0), nd([4, 3, 3, 3], w0), nd([4], b0), P);
  const relu0 = relu(batchNormRef(conv0, bn0.s, bn0.b, bn0.m, bn0.v, 1e-5));
  const pool = poolRef('max', relu0, { kernel: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0], ceilMode: false });
  const bn1v = batchNormRef(convRef(pool, nd([4, 4, 3, 3], w1), null, P), bn1.s, bn1.b, bn1.m, bn1.v, 1e-5);
  const relu1 = relu(nd(bn1v.shape, bn1v.data.map((v, i) => v + pool.data[i])));
  const gap = Array.from({ length: 4 }, (_, c) => relu1.data.slice(c * 16, c * 16 + 16).reduce((a, b) => a + b, 0) / 16);
  const logits = Array.from({ length: 5 }, (_, o) => bf[o] + gap.reduce((a, g, c) => a + g * wf[o * 4 + c], 0));
  return { relu0, pool, relu1, logits: nd([1, 5], logits) };
}

function run(wanted: string[], x: tf.Tensor, weights: OnnxWeights): Record<string, tf.Tensor> {
  return runOnnxGraph(graph, { x }, wanted, { weights });
}

describe('ONNX layout pass and batch-norm folding (wasm)', () => {
  let weights: OnnxWeights;
  beforeAll(async () => {
    await useNodeBackend('wasm');
    weights = new OnnxWeights(graph);
  });
  afterAll(() => {
    weights.dispose();
    setFastGradients(true);
  });

  it('gives the float64 values of the selected stages, batch norms folded into their convs', async () => {
    setFastGradients(true);
    const want = reference();
    const x = tf.tensor(x0, [1, 3, 8, 8]);
    tf.dispose(Object.values(run(['relu0', 'relu1', 'logits'], x, weights))); // folds the constants once
    const before = tf.memory().numTensors;
    const p = await tf.profile(() => {
      const got = run(['relu0', 'relu1', 'logits'], x, weights);
      for (const k of ['relu0', 'relu1', 'logits']) {
        expect(got[k].shape, k).toEqual(want[k].shape);
        expect(relError(got[k].dataSync(), want[k].data), k).toBeLessThan(1e-5);
      }
      tf.dispose(Object.values(got));
    });
    // Folded: no batch-norm multiply; channels-last: transposes only for the input and the two
    // read 4-D stages (the [1, 1, 1, C] pool before Flatten changes layout by a reshape).
    expect(p.kernelNames).not.toContain('Multiply');
    expect(p.kernels.filter((k) => k.name === 'Transpose').length).toBe(3);
    x.dispose();
    expect(tf.memory().numTensors).toBe(before - 1);
  });

  it('still computes a conv output when it is asked for (no fold), equal to the definition', () => {
    setFastGradients(true);
    const x = tf.tensor(x0, [1, 3, 8, 8]);
    const got = run(['conv0', 'relu0'], x, weights);
    const conv0 = convRef(nd([1, 3, 8, 8], x0), nd([4, 3, 3, 3], w0), nd([4], b0), P);
    expect(relError(got.conv0.dataSync(), conv0.data)).toBeLessThan(1e-5);
    expect(relError(got.relu0.dataSync(), reference().relu0.data)).toBeLessThan(1e-5);
    tf.dispose([x, ...Object.values(got)]);
  });

  it('has the input gradient of the plain per-op path, and leaks no tensors', () => {
    const x = tf.tensor(x0, [1, 3, 8, 8]);
    const dir = tf.tensor(randn(5, 1), [1, 5]);
    const grad = (fast: boolean) => {
      setFastGradients(fast);
      return tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(run(['logits'], xx, weights).logits, dir)))(x);
    };
    tf.dispose([grad(false), grad(true)]); // derived and folded constants made once
    const before = tf.memory().numTensors;
    const plain = grad(false);
    const fast = grad(true);
    expect(relError(fast.dataSync(), plain.dataSync())).toBeLessThan(1e-5);
    expect(Math.max(...plain.dataSync().map(Math.abs))).toBeGreaterThan(0);
    tf.dispose([plain, fast]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, dir]);
  });
});
