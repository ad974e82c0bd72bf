import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { useNodeBackend } from '../../src/platform/tf-node.ts';
import { setFastGradients } from '../../src/engine/fast-gradients.ts';
import { installFastWasmConvBackprop, phaseFilterValues, setSmallConvMacs } from '../../src/models/wasm-conv-backprop-input.ts';
import { referenceConvInputGrad } from './conv-input-grad-reference.ts';

beforeAll(async () => {
  await useNodeBackend('wasm');
  installFastWasmConvBackprop();
  setSmallConvMacs(0); // these small cases would otherwise keep the stock kernel
});

type Pad = 'same' | 'valid' | tf.backend_util.ExplicitPadding;

/** tf.conv2d's input gradient on wasm vs the float64 definition; returns max error / max |reference|. */
function relativeError(batch: number, size: [number, number], c: number, o: number, k: [number, number], s: [number, number], pad: Pad): number {
  const before = tf.memory().numTensors;
  const x = tf.randomNormal([batch, size[0], size[1], c], 0, 1, 'float32', 1) as tf.Tensor4D;
  const f = tf.randomNormal([k[0], k[1], c, o], 0, 1, 'float32', 2) as tf.Tensor4D;
  const y = tf.conv2d(x, f, s, pad);
  const wgt = tf.randomNormal(y.shape, 0, 1, 'float32', 3);
  const g = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xx as tf.Tensor4D, f, s, pad), wgt)))(x);
  const info = tf.backend_util.computeConv2DInfo(x.shape, f.shape, s, 1, pad);
  const want = referenceConvInputGrad(wgt.dataSync(), wgt.shape, f.dataSync(), f.shape, size, s, [info.padInfo.top, info.padInfo.left]);
  const got = g.dataSync();
  expect(g.shape).toEqual(x.shape);
  let err = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    err = Math.max(err, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  tf.dispose([x, f, y, wgt, g]);
  expect(tf.memory().numTensors).toBe(before);
  expect(scale).toBeGreaterThan(0.5);
  return err / scale;
}

describe('wasm Conv2DBackpropInput as forward convolutions', () => {
  const cases: [string, number, [number, number], number, number, [number, number], [number, number], Pad][] = [
    ['3x3 stride 1 same', 1, [9, 11], 4, 5, [3, 3], [1, 1], 'same'],
    ['5x3 stride 1 valid', 2, [10, 9], 3, 2, [5, 3], [1, 1], 'valid'],
    ['4x4 stride 1 same (uneven pads)', 1, [8, 8], 2, 3, [4, 4], [1, 1], 'same'],
    ['11x11 stride 4, pads 2 (AlexNet conv0)', 1, [35, 35], 3, 5, [11, 11], [4, 4], [[0, 0], [2, 2], [2, 2], [0, 0]]],
    ['3x3 stride 2 same, odd size', 2, [13, 13], 4, 6, [3, 3], [2, 2], 'same'],
    ['1x1 stride 2 valid (projection shortcut)', 1, [12, 12], 5, 7, [1, 1], [2, 2], 'valid'],
    ['7x7 stride 2, pads 3 (ResNet stem)', 1, [17, 16], 3, 4, [7, 7], [2, 2], [[0, 0], [3, 3], [3, 3], [0, 0]]],
    ['3x3 strides (2, 1) same', 1, [10, 9], 3, 4, [3, 3], [2, 1], 'same'],
    ['2x2 stride 3 valid (kernel below the stride)', 1, [14, 14], 2, 2, [2, 2], [3, 3], 'valid'],
  ];
  for (const [name, batch, size, c, o, k, s, pad] of cases) {
    it(`${name}: equals the float64 definition`, () => {
      expect(relativeError(batch, size, c, o, k, s, pad)).toBeLessThan(2e-6 * Math.sqrt(k[0] * k[1] * o));
    });
  }

  it('switched off, the stock kernel agrees', () => {
    setFastGradients(false);
    try {
      expect(relativeError(1, [9, 9], 2, 3, [3, 3], [2, 2], 'same')).toBeLessThan(1e-5);
    } finally {
      setFastGradients(true);
    }
  });

  it('phaseFilterValues at stride 1 is the flipped filter with in/out channels swapped', () => {
    const f = Float32Array.from({ length: 2 * 3 * 2 * 4 }, (_, i) => i);
    const g = phaseFilterValues(f, [2, 3, 2, 4], 1, 1);
    for (let ky = 0; ky < 2; ky++)
      for (let kx = 0; kx < 3; kx++)
        for (let c = 0; c < 2; c++)
          for (let o = 0; o < 4; o++) expect(g[(((1 - ky) * 3 + (2 - kx)) * 4 + o) * 2 + c]).toBe(f[((ky * 3 + kx) * 2 + c) * 4 + o]);
  });
});
