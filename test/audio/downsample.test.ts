import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { useNodeBackend } from '../../src/platform/tf-node.ts';
import { EnvelopeDownsampler } from '../../src/audio/downsample.ts';
import { setFastGradients } from '../../src/engine/fast-gradients.ts';

beforeAll(async () => {
  await useNodeBackend('wasm');
});

describe('EnvelopeDownsampler (both slicings)', () => {
  for (const fast of [true, false]) {
    it(`${fast ? 'tap-block-first' : 'plain'} slicing: value and gradient equal the float64 strided correlation`, () => {
      setFastGradients(fast);
      try {
        const [channels, n, stride] = [5, 997, 10];
        const taps = Float64Array.from({ length: 101 }, (_, i) => Math.sin(0.3 * i) + 0.1);
        const ds = new EnvelopeDownsampler(taps, stride, n);
        const env = tf.randomNormal([channels, n], 0, 1, 'float32', 8) as tf.Tensor2D;
        const wgt = tf.randomNormal([channels, ds.frames], 0, 1, 'float32', 9);
        const before = tf.memory().numTensors;
        const y = ds.apply(env);
        const g = tf.grad((e: tf.Tensor) => tf.sum(tf.mul(ds.apply(e as tf.Tensor2D), wgt)))(env);
        const e = env.dataSync();
        const w = wgt.dataSync();
        const [yv, gv] = [y.dataSync(), g.dataSync()];
        const gRef = new Float64Array(channels * n);
        let yErr = 0;
        for (let c = 0; c < channels; c++) {
          for (let m = 0; m < ds.frames; m++) {
            let acc = 0;
            for (let t = 0; t < taps.length; t++) {
              acc += e[c * n + m * stride + t] * taps[t];
              gRef[c * n + m * stride + t] += w[c * ds.frames + m] * taps[t];
            }
            yErr = Math.max(yErr, Math.abs(acc - yv[c * ds.frames + m]));
          }
        }
        let gErr = 0;
        for (let i = 0; i < gRef.length; i++) gErr = Math.max(gErr, Math.abs(gRef[i] - gv[i]));
        expect(y.shape).toEqual([channels, Math.floor((n - taps.length) / stride) + 1]);
        expect(yErr).toBeLessThan(1e-4);
        expect(gErr).toBeLessThan(1e-4);
        tf.dispose([y, g]);
        expect(tf.memory().numTensors).toBe(before);
        tf.dispose([env, wgt]);
        ds.dispose();
      } finally {
        setFastGradients(true);
      }
    });
  }
});
