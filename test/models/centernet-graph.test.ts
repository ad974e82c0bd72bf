/**
 * The pieces under the "graph" builder: the plain-JS DepthwiseConv2dNativeBackpropInput
 * kernel registered for wasm (against the cpu backend's own kernel, an independent
 * implementation), the in-memory unfusing of fused conv nodes (same forward values as the
 * shipped fused graph), and the builder's clear errors.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { useNodeBackend } from '../../src/platform/tf-node.ts';
import { depthwiseBackpropInput, ensureWasmDepthwiseBackprop } from '../../src/models/graph/wasm-depthwise-backprop.ts';
import { unfuseConvolutions } from '../../src/models/graph/unfuse-graph.ts';
import { buildGraphModel, loadGraphModelFrom } from '../../src/models/graph/graph-model.ts';
import { nodeModelSource } from '../../src/models/source-node.ts';
import { Rng } from '../../src/engine/random.ts';
import type { ModelManifest } from '../../src/models/manifest.ts';

function randomArray(n: number, rng: Rng): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal());
}

const CASES = [
  { name: '3x3 stride 1 same', x: [1, 9, 8, 4], k: [3, 3, 4, 1], stride: 1, pad: 'same' as const },
  { name: '5x5 stride 1 same (fast path on wasm: flipped forward conv)', x: [1, 8, 9, 5], k: [5, 5, 5, 1], stride: 1, pad: 'same' as const },
  { name: '3x3 stride 2 same (even input: asymmetric padding)', x: [1, 10, 10, 3], k: [3, 3, 3, 1], stride: 2, pad: 'same' as const },
  { name: '5x5 stride 2 same', x: [1, 11, 12, 2], k: [5, 5, 2, 1], stride: 2, pad: 'same' as const },
  { name: '3x3 stride 1 valid, channel multiplier 2', x: [2, 7, 6, 3], k: [3, 3, 3, 2], stride: 1, pad: 'valid' as const },
];

describe('DepthwiseConv2dNativeBackpropInput for wasm', () => {
  it.each(CASES)('$name: equals the cpu backend\'s input gradient of depthwiseConv2d', async (c) => {
    await useNodeBackend('cpu');
    const rng = new Rng(3);
    const xData = randomArray(c.x.reduce((a, b) => a * b), rng);
    const wData = randomArray(c.k.reduce((a, b) => a * b), rng);
    const x = tf.tensor4d(xData, c.x as [number, number, number, number]);
    const w = tf.tensor4d(wData, c.k as [number, number, number, number]);
    const y = tf.depthwiseConv2d(x, w, c.stride, c.pad);
    const dyData = randomArray(y.size, rng);
    const dy = tf.tensor(dyData, y.shape);
    // cpu reference: the gradient of <dy, depthwiseConv2d(x, w)> w.r.t. x.
    const want = await tf.grad((v: tf.Tensor) => tf.sum(tf.mul(dy, tf.depthwiseConv2d(v as tf.Tensor4D, w, c.stride, c.pad))))(x).data();
    const info = tf.backend_util.computeConv2DInfo(
      c.x as [number, number, number, number], c.k as [number, number, number, number], c.stride, 1, c.pad, undefined, true,
    );
    const got = depthwiseBackpropInput(dyData, wData, info);
    expect(got.length).toBe(want.length);
    for (let i = 0; i < got.length; i++) expect(got[i]).toBeCloseTo(want[i], 4);
    tf.dispose([x, w, y, dy]);

    // The same through tf.grad on wasm, where the kernel is registered by us.
    await useNodeBackend('wasm');
    ensureWasmDepthwiseBackprop();
    const xw = tf.tensor4d(xData, c.x as [number, number, number, number]);
    const ww = tf.tensor4d(wData, c.k as [number, number, number, number]);
    const dyw = tf.tensor(dyData, y.shape);
    const viaWasm = await tf.grad((v: tf.Tensor) => tf.sum(tf.mul(dyw, tf.depthwiseConv2d(v as tf.Tensor4D, ww, c.stride, c.pad))))(xw).data();
    for (let i = 0; i < got.length; i++) expect(viaWasm[i]).toBeCloseTo(want[i], 4);
    tf.dispose([xw, ww, dyw]);
  });
});

describe('unfuseConvolutions', () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const fused = (name: string, op: string, ops: string[]) => ({
    name, op, input: ['x', `${name}/w`, `${name}/b`],
    attr: { fused_ops: { list: { s: ops.map(b64) } }, strides: { list: { i: ['1', '2', '2', '1'] } }, padding: { s: b64('SAME') }, num_args: { i: '1' }, epsilon: { f: 0 } },
  });

  it('splits BiasAdd(+Relu) fusions into primitives that keep the fused node\'s name last', () => {
    const topo = { node: [fused('a', '_FusedConv2D', ['BiasAdd', 'Relu']), fused('b', 'FusedDepthwiseConv2dNative', ['BiasAdd']), { name: 'c', op: 'Add', input: ['a', 'b'] }] };
    const { topology, unfused } = unfuseConvolutions(topo);
    expect(unfused).toBe(2);
    expect(topology.node.map((n) => [n.name, n.op])).toEqual([
      ['a/unfused_conv', 'Conv2D'], ['a/unfused_bias', 'BiasAdd'], ['a', 'Relu'],
      ['b/unfused_conv', 'DepthwiseConv2dNative'], ['b', 'BiasAdd'],
      ['c', 'Add'],
    ]);
    const conv = topology.node[0] as { input?: string[]; attr?: Record<string, unknown> };
    expect(conv.input).toEqual(['x', 'a/w']);
    expect(Object.keys(conv.attr ?? {}).sort()).toEqual(['padding', 'strides']);
    expect(topology.node[1].input).toEqual(['a/unfused_conv', 'a/b']);
    expect(topo.node).toHaveLength(3); // the input topology is not modified
  });

  it('leaves fusions it cannot express (e.g. FusedBatchNorm, PRelu) alone', () => {
    const topo = { node: [fused('a', '_FusedConv2D', ['FusedBatchNorm']), fused('b', '_FusedConv2D', ['BiasAdd', 'Prelu'])] };
    const { topology, unfused } = unfuseConvolutions(topo);
    expect(unfused).toBe(0);
    expect(topology.node).toEqual(topo.node);
  });

  it('the unfused CenterNet graph gives the shipped fused graph\'s values', async () => {
    await useNodeBackend('wasm');
    const source = nodeModelSource();
    const a = await loadGraphModelFrom(source, 'centernet', 'centernet.json', { unfuse: false });
    const b = await loadGraphModelFrom(source, 'centernet', 'centernet.json', { unfuse: true });
    const nodes = ['tower_0/MobilenetV3/expanded_conv_5/add', 'tower_0/CenternetHead/centernet_cls_output/BiasAdd'];
    const x = tf.randomUniform([1, 512, 512, 3], 0, 255, 'float32', 1);
    const ya = a.execute(x, nodes) as tf.Tensor[];
    const yb = b.execute(x, nodes) as tf.Tensor[];
    for (let k = 0; k < nodes.length; k++) {
      const err = tf.tidy(() => tf.max(tf.abs(tf.sub(ya[k], yb[k]))).dataSync()[0] / tf.max(tf.abs(ya[k])).dataSync()[0]);
      expect(err).toBeLessThan(1e-4);
    }
    tf.dispose([x, ...ya, ...yb]);
    a.dispose();
    b.dispose();
  }, 60_000);
});

describe('buildGraphModel errors', () => {
  it('names a stage whose node is not in the graph', async () => {
    await useNodeBackend('wasm');
    const source = nodeModelSource();
    const manifest = await source.readJson<ModelManifest>('centernet/manifest.json');
    const params = { ...(manifest.params as Record<string, unknown>), stageNodes: { ...(manifest.params!.stageNodes as object), block1: 'no/such/node' } };
    await expect(buildGraphModel({ ...manifest, params }, source)).rejects.toThrow(/stage "block1" node "no\/such\/node" is not in the graph/);
  }, 60_000);
});
