/**
 * Each supported ONNX op on hand-built one-node (or few-node) graphs, run through
 * parseOnnx + runOnnxGraph on the cpu and wasm backends, against float64 JS references
 * (onnx-reference.ts) or closed forms.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { useNodeBackend, type NodeBackend } from '../../src/platform/tf-node.ts';
import { Rng } from '../../src/engine/random.ts';
import { parseOnnx } from '../../src/models/onnx/onnx-parse.ts';
import { runOnnxGraph } from '../../src/models/onnx/onnx-runner.ts';
import { buildOnnx, floatTensor, ints, type AttrSpec, type GraphSpec, type TensorSpec } from './onnx-build.ts';
import { expectGradientMatchesDifferences } from './onnx-gradcheck.ts';
import {
  batchNormRef, convRef, convTransposeRef, gemmRef, nd, poolRef, relError, softmaxRows, type NdArray,
} from './onnx-reference.ts';

const rng = new Rng(11);
function randomNd(shape: number[], std = 1): NdArray {
  return nd(shape, rng.normalArray(shape.reduce((a, b) => a * b, 1), 0, std));
}
function asTensorSpec(a: NdArray): TensorSpec {
  return floatTensor(a.shape, a.data);
}

/** Runs a graph with input "x" (and optional initializers), returns value `out`. */
function run(spec: Omit<GraphSpec, 'inputs' | 'outputs'> & { x: NdArray; out?: string }): { shape: number[]; data: Float32Array | Int32Array } {
  const out = spec.out ?? 'y';
  // A symbolic batch dim, so inputs with a leading dim other than 1 pass the parser's batch check.
  const dims = spec.x.shape.length > 1 ? ['batch', ...spec.x.shape.slice(1)] : spec.x.shape;
  const bytes = buildOnnx({ ...spec, inputs: [{ name: 'x', dims }], outputs: [out] });
  const graph = parseOnnx(bytes);
  return tf.tidy(() => {
    const res = runOnnxGraph(graph, { x: tf.tensor(Float32Array.from(spec.x.data), spec.x.shape) }, [out]);
    return { shape: res[out].shape, data: res[out].dataSync() as Float32Array | Int32Array };
  });
}

/** One node "op" on x and named initializers. */
function runOp(op: string, x: NdArray, attrs: Record<string, AttrSpec> = {}, inits: Record<string, TensorSpec> = {}, opset = 13) {
  return run({
    x,
    opset,
    initializers: inits,
    nodes: [{ op, inputs: ['x', ...Object.keys(inits)], outputs: ['y'], attrs }],
  });
}

function expectClose(got: { shape: number[]; data: ArrayLike<number> }, want: NdArray, tol = 1e-5): void {
  expect(got.shape).toEqual(want.shape);
  expect(relError(got.data, want.data)).toBeLessThan(tol);
}

describe.each(['cpu', 'wasm'] as NodeBackend[])('ONNX ops on %s', (backend) => {
  beforeAll(async () => {
    await useNodeBackend(backend);
  });

  interface ConvCase { name: string; x: number[]; w: number[]; attrs: Record<string, AttrSpec>; strides: number[]; pads: number[]; dil: number[]; group: number }
  const convCases: ConvCase[] = [
    { name: '3x3, pads 1, bias', x: [1, 3, 7, 6], w: [4, 3, 3, 3], attrs: { pads: [1, 1, 1, 1] }, strides: [1, 1], pads: [1, 1, 1, 1], dil: [1, 1], group: 1 },
    { name: 'stride 2, asymmetric pads', x: [1, 2, 9, 8], w: [3, 2, 3, 2], attrs: { strides: [2, 2], pads: [0, 1, 2, 0] }, strides: [2, 2], pads: [0, 1, 2, 0], dil: [1, 1], group: 1 },
    { name: 'dilation 2', x: [1, 2, 9, 9], w: [2, 2, 3, 3], attrs: { dilations: [2, 2], pads: [2, 2, 2, 2] }, strides: [1, 1], pads: [2, 2, 2, 2], dil: [2, 2], group: 1 },
    { name: 'groups 2', x: [1, 4, 6, 6], w: [6, 2, 3, 3], attrs: { group: 2, pads: [1, 1, 1, 1] }, strides: [1, 1], pads: [1, 1, 1, 1], dil: [1, 1], group: 2 },
    { name: 'depthwise, multiplier 2, stride 2', x: [1, 3, 8, 7], w: [6, 1, 3, 3], attrs: { group: 3, strides: [2, 2], pads: [1, 1, 1, 1] }, strides: [2, 2], pads: [1, 1, 1, 1], dil: [1, 1], group: 3 },
    { name: 'auto_pad SAME_UPPER stride 2', x: [1, 2, 8, 8], w: [2, 2, 3, 3], attrs: { auto_pad: 'SAME_UPPER', strides: [2, 2] }, strides: [2, 2], pads: [0, 0, 1, 1], dil: [1, 1], group: 1 },
    { name: 'auto_pad SAME_LOWER stride 2', x: [1, 2, 8, 8], w: [2, 2, 3, 3], attrs: { auto_pad: 'SAME_LOWER', strides: [2, 2] }, strides: [2, 2], pads: [1, 1, 0, 0], dil: [1, 1], group: 1 },
  ];
  it.each(convCases)('Conv $name matches the float64 reference', (c) => {
    const x = randomNd(c.x);
    const w = randomNd(c.w, 0.5);
    const b = randomNd([c.w[0]], 0.1);
    const got = runOp('Conv', x, c.attrs, { w: asTensorSpec(w), b: asTensorSpec(b) });
    const want = convRef(x, w, b, {
      strides: c.strides as [number, number], pads: c.pads as [number, number, number, number],
      dilations: c.dil as [number, number], group: c.group,
    });
    expectClose(got, want);
  });

  it('Conv 1-D (NCL) equals the 2-D reference with height 1', () => {
    const x = randomNd([1, 3, 11]);
    const w = randomNd([4, 3, 5], 0.5);
    const got = runOp('Conv', x, { pads: [2, 1], strides: [2] }, { w: asTensorSpec(w) });
    const want = convRef(nd([1, 3, 1, 11], x.data), nd([4, 3, 1, 5], w.data), null, { strides: [1, 2], pads: [0, 2, 0, 1], dilations: [1, 1], group: 1 });
    expectClose(got, { shape: [1, 4, want.shape[3]], data: want.data });
  });

  it.each([
    { name: 'stride 2, pads 1, output_padding 1', x: [1, 3, 4, 5], w: [3, 2, 3, 3], group: 1, strides: [2, 2], pads: [1, 1, 1, 1], outPad: [1, 1] },
    { name: 'groups 2, stride 1, no pads', x: [1, 4, 3, 3], w: [4, 3, 2, 2], group: 2, strides: [1, 1], pads: [0, 0, 0, 0], outPad: [0, 0] },
    { name: 'stride 3, asymmetric pads', x: [1, 2, 3, 4], w: [2, 2, 4, 3], group: 1, strides: [3, 2], pads: [2, 0, 1, 1], outPad: [0, 0] },
  ])('ConvTranspose $name matches the float64 reference', (c) => {
    const x = randomNd(c.x);
    const w = randomNd(c.w, 0.5);
    const b = randomNd([c.w[1] * c.group], 0.1);
    const got = runOp('ConvTranspose', x, { group: c.group, strides: c.strides, pads: c.pads, output_padding: c.outPad }, { w: asTensorSpec(w), b: asTensorSpec(b) });
    const want = convTransposeRef(x, w, b, {
      strides: c.strides as [number, number], pads: c.pads as [number, number, number, number],
      outputPadding: c.outPad as [number, number], group: c.group,
    });
    expectClose(got, want);
  });

  const poolCases = [
    { name: '3x3 stride 2 (AlexNet)', x: [1, 2, 13, 13], k: [3, 3], s: [2, 2], pads: [0, 0, 0, 0], ceil: 0 },
    { name: '3x3 stride 2 pads 1 (ResNet)', x: [1, 2, 8, 9], k: [3, 3], s: [2, 2], pads: [1, 1, 1, 1], ceil: 0 },
    { name: 'ceil_mode, 2x2 stride 2 on odd size', x: [1, 2, 7, 9], k: [2, 2], s: [2, 2], pads: [0, 0, 0, 0], ceil: 1 },
    { name: 'ceil_mode with pads, 3x3 stride 2', x: [1, 1, 10, 8], k: [3, 3], s: [2, 2], pads: [1, 0, 1, 1], ceil: 1 },
  ];
  it.each(poolCases)('MaxPool $name matches the reference', (c) => {
    const x = randomNd(c.x);
    const got = runOp('MaxPool', x, { kernel_shape: c.k, strides: c.s, pads: c.pads, ceil_mode: c.ceil });
    expectClose(got, poolRef('max', x, {
      kernel: c.k as [number, number], strides: c.s as [number, number], pads: c.pads as [number, number, number, number], ceilMode: c.ceil === 1,
    }));
  });
  it.each(poolCases.flatMap((c) => [0, 1].map((inc) => ({ ...c, inc }))))('AveragePool $name, count_include_pad $inc, matches the reference', (c) => {
    const x = randomNd(c.x);
    const got = runOp('AveragePool', x, { kernel_shape: c.k, strides: c.s, pads: c.pads, ceil_mode: c.ceil, count_include_pad: c.inc });
    expectClose(got, poolRef('avg', x, {
      kernel: c.k as [number, number], strides: c.s as [number, number], pads: c.pads as [number, number, number, number],
      ceilMode: c.ceil === 1, countIncludePad: c.inc === 1,
    }));
  });

  it('GlobalAveragePool is the per-channel mean', () => {
    const x = randomNd([1, 3, 4, 5]);
    const got = runOp('GlobalAveragePool', x);
    const want = [0, 1, 2].map((ch) => x.data.slice(ch * 20, ch * 20 + 20).reduce((p, v) => p + v, 0) / 20);
    expectClose(got, nd([1, 3, 1, 1], want));
  });

  it.each([
    { transA: 0, transB: 1, alpha: 1, beta: 1 },
    { transA: 1, transB: 0, alpha: 0.5, beta: 2 },
  ])('Gemm transA $transA transB $transB alpha $alpha beta $beta', (o) => {
    const x = randomNd(o.transA ? [5, 2] : [2, 5]);
    const w = randomNd(o.transB ? [3, 5] : [5, 3]);
    const c = randomNd([3]);
    const got = runOp('Gemm', x, { transA: o.transA, transB: o.transB, alpha: { f: o.alpha }, beta: { f: o.beta } }, { w: asTensorSpec(w), c: asTensorSpec(c) });
    expectClose(got, gemmRef(x, w, c, { transA: o.transA === 1, transB: o.transB === 1, alpha: o.alpha, beta: o.beta }));
  });

  it('MatMul (2-D and batched 3-D x 2-D) equals Gemm without bias', () => {
    const x = randomNd([2, 4]);
    const w = randomNd([4, 3]);
    expectClose(runOp('MatMul', x, {}, { w: asTensorSpec(w) }), gemmRef(x, w, null, { transA: false, transB: false, alpha: 1, beta: 0 }));
    const x3 = randomNd([2, 2, 4]);
    const got = runOp('MatMul', x3, {}, { w: asTensorSpec(w) });
    expect(got.shape).toEqual([2, 2, 3]);
    const want = gemmRef(nd([4, 4], x3.data), w, null, { transA: false, transB: false, alpha: 1, beta: 0 });
    expect(relError(got.data, want.data)).toBeLessThan(1e-5);
  });

  it('BatchNormalization (inference) matches (x - mean) / sqrt(var + eps) * scale + bias', () => {
    const x = randomNd([1, 3, 4, 4]);
    const [scale, bias, mean, variance] = [[1.5, -0.5, 2], [0.1, 0.2, -0.3], [0.3, -1, 0.5], [0.5, 2, 0.01]];
    const got = runOp('BatchNormalization', x, { epsilon: { f: 1e-3 } }, {
      s: floatTensor([3], scale), b: floatTensor([3], bias), m: floatTensor([3], mean), v: floatTensor([3], variance),
    });
    expectClose(got, batchNormRef(x, scale, bias, mean, variance, 1e-3));
  });

  it('elementwise ops follow their closed forms, with broadcasting', () => {
    const x = randomNd([1, 2, 3]);
    const cv = [0.5, -2, 3];
    const c = floatTensor([3], cv);
    const at = (i: number) => x.data[i];
    const check = (op: string, f: (v: number, i: number) => number, attrs: Record<string, AttrSpec> = {}, inits: Record<string, TensorSpec> = {}) => {
      const got = runOp(op, x, attrs, inits);
      expectClose(got, nd(x.shape, Array.from(x.data, (_, i) => f(at(i), i))));
    };
    check('Add', (v, i) => v + cv[i % 3], {}, { c });
    check('Sub', (v, i) => v - cv[i % 3], {}, { c });
    check('Mul', (v, i) => v * cv[i % 3], {}, { c });
    check('Div', (v, i) => v / cv[i % 3], {}, { c });
    check('Relu', (v) => Math.max(v, 0));
    check('LeakyRelu', (v) => (v > 0 ? v : 0.2 * v), { alpha: { f: 0.2 } });
    check('Sigmoid', (v) => 1 / (1 + Math.exp(-v)));
    check('Tanh', (v) => Math.tanh(v));
    check('Clip', (v) => Math.min(Math.max(v, -0.5), 0.7), {}, { lo: floatTensor([], [-0.5]), hi: floatTensor([], [0.7]) });
    check('Identity', (v) => v);
    check('Dropout', (v) => v);
  });

  it('Clip in its opset-6 attribute form', () => {
    const x = randomNd([2, 5]);
    const got = runOp('Clip', x, { min: { f: -0.25 }, max: { f: 0.5 } }, {}, 9);
    expectClose(got, nd(x.shape, Array.from(x.data, (v) => Math.min(Math.max(v, -0.25), 0.5))));
  });

  it('Softmax: along the last axis (opset 13) and over the 2-D coercion (opset 11)', () => {
    const x = randomNd([2, 3, 4]);
    expectClose(runOp('Softmax', x), nd(x.shape, softmaxRows(x.data, 6, 4)));
    expectClose(runOp('Softmax', x, { axis: 1 }, {}, 11), nd(x.shape, softmaxRows(x.data, 2, 12)));
  });

  it('Flatten, Reshape (0 and -1) and Transpose keep the row-major order', () => {
    const x = nd([2, 3, 4], Array.from({ length: 24 }, (_, i) => i));
    expectClose(runOp('Flatten', x, { axis: 2 }), nd([6, 4], x.data));
    expectClose(runOp('Reshape', x, {}, { s: ints([0, -1, 2]) }), nd([2, 6, 2], x.data));
    const t = runOp('Transpose', x, { perm: [2, 0, 1] });
    expect(t.shape).toEqual([4, 2, 3]);
    // y[k, i, j] = x[i, j, k]
    expect(Array.from(t.data)).toEqual(Array.from({ length: 24 }, (_, n) => {
      const k = Math.floor(n / 6), i = Math.floor((n % 6) / 3), j = n % 3;
      return x.data[(i * 3 + j) * 4 + k];
    }));
  });

  it('Concat, Squeeze and Unsqueeze (attribute form at opset 11, input form at 13)', () => {
    const x = nd([1, 2, 3], [1, 2, 3, 4, 5, 6]);
    const cat = runOp('Concat', x, { axis: -1 }, { c: floatTensor([1, 2, 1], [7, 8]) });
    expect(cat.shape).toEqual([1, 2, 4]);
    expect(Array.from(cat.data)).toEqual([1, 2, 3, 7, 4, 5, 6, 8]);
    expect(runOp('Squeeze', x, { axes: [0] }, {}, 11).shape).toEqual([2, 3]);
    expect(runOp('Squeeze', x, {}, { a: ints([0]) }).shape).toEqual([2, 3]);
    expect(runOp('Unsqueeze', x, { axes: [0, -1] }, {}, 11).shape).toEqual([1, 1, 2, 3, 1]);
    expect(runOp('Unsqueeze', x, {}, { a: ints([1]) }).shape).toEqual([1, 1, 2, 3]);
  });

  it('Slice with negative starts, steps and INT64_MAX ends; Gather with a scalar and a list', () => {
    const x = nd([2, 10], Array.from({ length: 20 }, (_, i) => i));
    const s = runOp('Slice', x, {}, { st: ints([-8]), en: ints([Number.MAX_SAFE_INTEGER]), ax: ints([1]), sp: ints([3]) });
    expect(s.shape).toEqual([2, 3]);
    expect(Array.from(s.data)).toEqual([2, 5, 8, 12, 15, 18]);
    const r = runOp('Slice', x, {}, { st: ints([-1]), en: ints([-Number.MAX_SAFE_INTEGER]), ax: ints([1]), sp: ints([-4]) });
    expect(Array.from(r.data)).toEqual([9, 5, 1, 19, 15, 11]);
    const g = runOp('Gather', x, { axis: 1 }, { i: { dims: [3], data: [7, -1, 0], type: 'int64' } });
    expect(Array.from(g.data)).toEqual([7, 9, 0, 17, 19, 10]);
    const g0 = runOp('Gather', x, { axis: 0 }, { i: { dims: [], data: [1], type: 'int64' } });
    expect(g0.shape).toEqual([10]);
    expect(Array.from(g0.data)).toEqual(Array.from({ length: 10 }, (_, i) => 10 + i));
  });

  it('Pad: constant, reflect, edge and negative (crop) pads', () => {
    const x = nd([1, 1, 2, 3], [1, 2, 3, 4, 5, 6]);
    const c = runOp('Pad', x, {}, { p: ints([0, 0, 1, 0, 0, 0, 0, 1]), v: floatTensor([], [9]) });
    expect(c.shape).toEqual([1, 1, 3, 4]);
    expect(Array.from(c.data)).toEqual([9, 9, 9, 9, 1, 2, 3, 9, 4, 5, 6, 9]);
    const r = runOp('Pad', x, { mode: 'reflect' }, { p: ints([0, 0, 0, 2, 0, 0, 0, 1]) });
    expect(Array.from(r.data)).toEqual([3, 2, 1, 2, 3, 2, 6, 5, 4, 5, 6, 5]);
    const e = runOp('Pad', x, { mode: 'edge' }, { p: ints([0, 0, 1, 1, 0, 0, 0, 0]) });
    expect(Array.from(e.data)).toEqual([1, 1, 2, 3, 1, 1, 2, 3, 4, 4, 5, 6]);
    const n = runOp('Pad', x, {}, { p: ints([0, 0, 0, -1, 0, 0, 1, 0]) });
    expect(n.shape).toEqual([1, 1, 3, 2]);
    expect(Array.from(n.data)).toEqual([2, 3, 5, 6, 0, 0]);
  });

  it('Shape -> Gather -> Unsqueeze -> Concat -> Reshape (torch view(x.size(0), -1)) folds to a static reshape', () => {
    const x = randomNd([1, 2, 3, 2]);
    const got = run({
      x,
      initializers: { zero: { dims: [], data: [0], type: 'int64' }, ax: ints([0]), minus1: ints([-1]) },
      nodes: [
        { op: 'Shape', inputs: ['x'], outputs: ['s'] },
        { op: 'Gather', inputs: ['s', 'zero'], outputs: ['n'], attrs: { axis: 0 } },
        { op: 'Unsqueeze', inputs: ['n', 'ax'], outputs: ['n1'] },
        { op: 'Concat', inputs: ['n1', 'minus1'], outputs: ['shape'], attrs: { axis: 0 } },
        { op: 'Reshape', inputs: ['x', 'shape'], outputs: ['y'] },
      ],
    });
    expectClose(got, nd([1, 12], x.data));
  });

  it('Constant nodes (tensor, value_float, value_ints) feed the ops that read them', () => {
    const x = randomNd([1, 4]);
    const got = run({
      x,
      nodes: [
        { op: 'Constant', inputs: [], outputs: ['k'], attrs: { value: { tensor: floatTensor([4], [1, 2, 3, 4]) } } },
        { op: 'Constant', inputs: [], outputs: ['h'], attrs: { value_float: { f: 0.5 } } },
        { op: 'Constant', inputs: [], outputs: ['shape'], attrs: { value_ints: [2, 2] } },
        { op: 'Mul', inputs: ['x', 'k'], outputs: ['xk'] },
        { op: 'Add', inputs: ['xk', 'h'], outputs: ['xh'] },
        { op: 'Reshape', inputs: ['xh', 'shape'], outputs: ['y'] },
      ],
    });
    expectClose(got, nd([2, 2], Array.from(x.data, (v, i) => v * (i + 1) + 0.5)));
  });

  /** One-node graphs whose input gradient is checked against finite differences. */
  const gradCases: { name: string; op: string; x: number[]; offset?: number; attrs?: Record<string, AttrSpec>; inits?: () => Record<string, TensorSpec>; opset?: number }[] = [
    { name: 'Conv stride 2, asymmetric pads', op: 'Conv', x: [1, 2, 7, 6], attrs: { strides: [2, 2], pads: [0, 1, 2, 0] }, inits: () => ({ w: asTensorSpec(randomNd([3, 2, 3, 2], 0.5)) }) },
    { name: 'Conv with end pads past the kernel', op: 'Conv', x: [1, 2, 5, 6], attrs: { pads: [1, 0, 3, 2] }, inits: () => ({ w: asTensorSpec(randomNd([2, 2, 2, 2], 0.5)) }) },
    { name: 'Conv groups 2, dilation 2', op: 'Conv', x: [1, 4, 7, 7], attrs: { group: 2, dilations: [2, 2], pads: [2, 2, 2, 2] }, inits: () => ({ w: asTensorSpec(randomNd([4, 2, 3, 3], 0.5)) }) },
    { name: 'Conv depthwise stride 2', op: 'Conv', x: [1, 3, 8, 7], attrs: { group: 3, strides: [2, 2], pads: [1, 1, 1, 1] }, inits: () => ({ w: asTensorSpec(randomNd([6, 1, 3, 3], 0.5)) }) },
    { name: 'ConvTranspose stride 2, output_padding 1', op: 'ConvTranspose', x: [1, 3, 4, 5], attrs: { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] }, inits: () => ({ w: asTensorSpec(randomNd([3, 2, 3, 3], 0.5)) }) },
    { name: 'MaxPool on negative values, pads, ceil_mode', op: 'MaxPool', x: [1, 2, 7, 8], offset: -4, attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 0], ceil_mode: 1 } },
    { name: 'AveragePool count_include_pad, ceil_mode', op: 'AveragePool', x: [1, 2, 7, 8], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1, count_include_pad: 1 } },
    { name: 'BatchNormalization', op: 'BatchNormalization', x: [1, 2, 3, 3], inits: () => ({ s: floatTensor([2], [1.5, -0.7]), b: floatTensor([2], [0.1, 0.2]), m: floatTensor([2], [0.3, -0.2]), v: floatTensor([2], [0.5, 2]) }) },
    { name: 'Gemm transB', op: 'Gemm', x: [1, 6], attrs: { transB: 1, alpha: { f: 0.7 } }, inits: () => ({ w: asTensorSpec(randomNd([4, 6])), c: asTensorSpec(randomNd([4])) }) },
    { name: 'Softmax', op: 'Softmax', x: [2, 5] },
    { name: 'Slice with step 2', op: 'Slice', x: [1, 2, 9], inits: () => ({ st: ints([1]), en: ints([8]), ax: ints([2]), sp: ints([2]) }) },
    { name: 'Gather of a list', op: 'Gather', x: [1, 5, 3], attrs: { axis: 1 }, inits: () => ({ i: { dims: [3], data: [4, 0, 4], type: 'int64' } }) },
    { name: 'Pad reflect', op: 'Pad', x: [1, 1, 4, 4], attrs: { mode: 'reflect' }, inits: () => ({ p: ints([0, 0, 2, 1, 0, 0, 1, 2]) }) },
    { name: 'Pad edge', op: 'Pad', x: [1, 1, 3, 4], attrs: { mode: 'edge' }, inits: () => ({ p: ints([0, 0, 1, 2, 0, 0, 2, 1]) }) },
    { name: 'LeakyRelu', op: 'LeakyRelu', x: [1, 12], attrs: { alpha: { f: 0.1 } } },
    { name: 'Sigmoid', op: 'Sigmoid', x: [1, 12] },
  ];
  it.each(gradCases)('$name: input gradient agrees with central finite differences', (c) => {
    const x = randomNd(c.x);
    x.data.forEach((v, i) => (x.data[i] = v + (c.offset ?? 0)));
    const inits = c.inits?.() ?? {};
    const dims = c.x.length > 1 ? ['batch', ...c.x.slice(1)] : c.x;
    const graph = parseOnnx(buildOnnx({
      inputs: [{ name: 'x', dims }], outputs: ['y'], initializers: inits, opset: c.opset ?? 13,
      nodes: [{ op: c.op, inputs: ['x', ...Object.keys(inits)], outputs: ['y'], attrs: c.attrs ?? {} }],
    }));
    const xt = tf.tensor(Float32Array.from(x.data), x.shape);
    expectGradientMatchesDifferences((v) => runOnnxGraph(graph, { x: v }, ['y']).y, xt, 17);
    xt.dispose();
  });
});
