import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { useNodeBackend } from '../../src/platform/tf-node.ts';
import { conv2dInputGradFast, flippedFilter, phaseFilter } from '../../src/models/onnx/wasm-conv-input-grad.ts';
import { setFastGradients } from '../../src/engine/fast-gradients.ts';

beforeAll(async () => {
  await useNodeBackend('wasm');
});

/** Float64 d/dx sum(w * conv2d(x, f)) by the definition: dx[i] += dy[o] f[k] where s o + k - pad = i. */
function referenceInputGrad(dy: Float32Array, dyShape: number[], f: Float32Array, fShape: number[], x: number[], s: number, pads: number[]): Float64Array {
  const [, oh, ow, o] = dyShape;
  const [kh, kw, c] = fShape;
  const [, h, w] = x;
  const dx = new Float64Array(h * w * c);
  for (let y = 0; y < oh; y++)
    for (let xx = 0; xx < ow; xx++)
      for (let ky = 0; ky < kh; ky++)
        for (let kx = 0; kx < kw; kx++) {
          const i = s * y + ky - pads[0];
          const j = s * xx + kx - pads[1];
          if (i < 0 || i >= h || j < 0 || j >= w) continue;
          for (let ci = 0; ci < c; ci++) {
            let acc = 0;
            for (let oi = 0; oi < o; oi++) acc += dy[((y * ow + xx) * o) + oi] * f[((ky * kw + kx) * c + ci) * o + oi];
            dx[(i * w + j) * c + ci] += acc;
          }
        }
  return dx;
}

describe('strided convolution input gradient as sub-pixel phases (wasm)', () => {
  // [kernel, stride, [top, left, bottom, right], input size, in channels, out channels]
  const cases: [number, number, number[], number, number, number][] = [
    [11, 4, [2, 2, 2, 2], 35, 3, 5], // AlexNet's first conv
    [3, 2, [1, 1, 1, 1], 13, 4, 6], // ResNet's 3x3 stride 2, odd input
    [3, 2, [1, 1, 1, 1], 12, 4, 6], // even input
    [1, 2, [0, 0, 0, 0], 12, 5, 7], // ResNet's 1x1 projection shortcut
    [7, 2, [3, 3, 3, 3], 17, 3, 4], // ResNet's stem
    [5, 3, [0, 2, 1, 0], 16, 2, 3], // asymmetric pads, kernel not a multiple of the stride
    [2, 3, [0, 0, 0, 0], 14, 2, 2], // kernel smaller than the stride: some pixels get nothing
  ];
  for (const [k, s, pads, size, c, o] of cases) {
    it(`${k}x${k} stride ${s} pads [${pads}] on ${size}x${size}x${c} -> ${o}: equals the float64 definition`, () => {
      const before = tf.memory().numTensors;
      const f = tf.randomNormal([k, k, c, o], 0, 1, 'float32', 3) as tf.Tensor4D;
      const x = tf.randomNormal([1, size, size, c], 0, 1, 'float32', 4) as tf.Tensor4D;
      const phased = phaseFilter(f, [s, s]);
      const flipped = flippedFilter(f);
      const pad4 = pads as [number, number, number, number];
      const y = tf.conv2d(x, f, s, [[0, 0], [pads[0], pads[2]], [pads[1], pads[3]], [0, 0]], 'NHWC');
      const wgt = tf.randomNormal(y.shape, 0, 1, 'float32', 5);
      const loss = (xx: tf.Tensor) => tf.sum(tf.mul(conv2dInputGradFast(xx as tf.Tensor4D, f, () => flipped, [s, s], pad4, () => phased), wgt));
      const g = tf.grad(loss)(x);
      const want = referenceInputGrad(wgt.dataSync() as Float32Array, wgt.shape, f.dataSync() as Float32Array, f.shape, x.shape, s, pads);
      const got = g.dataSync();
      const scale = Math.max(...want.map(Math.abs));
      let err = 0;
      for (let i = 0; i < want.length; i++) err = Math.max(err, Math.abs(got[i] - want[i]));
      expect(g.shape).toEqual(x.shape);
      expect(scale).toBeGreaterThan(0.5);
      expect(err).toBeLessThan(2e-5 * scale);
      // The value is the plain convolution's.
      const valueErr = tf.tidy(() => tf.max(tf.abs(tf.sub(conv2dInputGradFast(x, f, () => flipped, [s, s], pad4, () => phased), y))).dataSync()[0]);
      expect(valueErr).toBe(0);
      tf.dispose([f, x, phased, flipped, y, wgt, g]);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('switched off, the plain kernel gives the same gradient', () => {
    const f = tf.randomNormal([3, 3, 2, 4], 0, 1, 'float32', 6) as tf.Tensor4D;
    const x = tf.randomNormal([1, 9, 9, 2], 0, 1, 'float32', 7) as tf.Tensor4D;
    const phased = phaseFilter(f, [2, 2]);
    const grad = () => tf.grad((xx: tf.Tensor) => tf.sum(tf.square(conv2dInputGradFast(xx as tf.Tensor4D, f, () => f, [2, 2], [1, 1, 1, 1], () => phased))))(x);
    const fast = grad();
    setFastGradients(false);
    const plain = grad();
    setFastGradients(true);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(fast, plain))).dataSync()[0])).toBeLessThan(1e-4);
    tf.dispose([f, x, phased, fast, plain]);
  });
});
