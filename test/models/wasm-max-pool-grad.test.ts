/**
 * Max pooling's input gradient on wasm (one JS pass, wasm-max-pool-grad.ts) against the pure-JS
 * cpu backend's MaxPoolGrad (tfjs's reference kernel) on overlapping, padded windows of mixed
 * sign, including windows that are entirely negative (which wasm's own kernel drops).
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/engine/random.ts';
import { maxPoolInputGrad } from '../../src/models/onnx/wasm-max-pool-grad.ts';
import { useNodeBackend } from '../../src/platform/tf-node.ts';

type Case = { name: string; shape: [number, number, number, number]; k: [number, number]; s: [number, number]; pads: [number, number, number, number]; offset: number };
const cases: Case[] = [
  { name: '3x3 stride 2, pads 1 (AlexNet-like, overlapping)', shape: [1, 9, 11, 3], k: [3, 3], s: [2, 2], pads: [1, 1, 1, 0], offset: -0.3 },
  { name: '2x2 stride 2, all negative', shape: [2, 6, 6, 2], k: [2, 2], s: [2, 2], pads: [0, 0, 0, 0], offset: -5 },
  { name: '3x2 stride 1, end pads only', shape: [1, 5, 7, 4], k: [3, 2], s: [1, 1], pads: [0, 0, 2, 1], offset: 0 },
];

function data(c: Case): { x: Float32Array; dy: (oh: number, ow: number) => Float32Array } {
  const rng = new Rng(9);
  const x = Float32Array.from({ length: c.shape.reduce((a, b) => a * b, 1) }, () => rng.uniform() * 2 - 1 + c.offset);
  return { x, dy: (oh, ow) => Float32Array.from({ length: c.shape[0] * oh * ow * c.shape[3] }, () => rng.uniform() - 0.5) };
}

function pad(c: Case): [[number, number], [number, number], [number, number], [number, number]] {
  return [[0, 0], [c.pads[0], c.pads[2]], [c.pads[1], c.pads[3]], [0, 0]];
}

describe('max pooling input gradient on wasm', () => {
  it.each(cases)('$name: equals the cpu backend\'s MaxPoolGrad', async (c) => {
    const { x, dy } = data(c);
    await useNodeBackend('cpu');
    const xc = tf.tensor4d(x, c.shape);
    const y = tf.maxPool(xc, c.k, c.s, pad(c));
    const [, oh, ow] = y.shape;
    const g = dy(oh, ow);
    const want = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(v as tf.Tensor4D, c.k, c.s, pad(c)), tf.tensor4d(g, y.shape))))(xc).dataSync().slice();
    tf.dispose([xc, y]);
    await useNodeBackend('wasm');
    const before = tf.memory().numTensors;
    const xw = tf.tensor4d(x, c.shape);
    const dyw = tf.tensor4d(g, [c.shape[0], oh, ow, c.shape[3]]);
    const got = maxPoolInputGrad(xw, dyw, c.k, c.s, c.pads[0], c.pads[1]);
    expect(got.shape).toEqual(c.shape);
    // Overlapping windows add several dy into one pixel: equal up to the order of the sums.
    const d = got.dataSync();
    const worst = Math.max(...Array.from(want, (v, i) => Math.abs(d[i] - v)));
    expect(worst).toBeLessThan(1e-6);
    expect(Array.from(d, (v) => v !== 0)).toEqual(Array.from(want, (v) => v !== 0));
    expect(want.some((v) => v !== 0)).toBe(true);
    tf.dispose([xw, dyw, got]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
