/**
 * The paper's configuration (211 x 390 from 40000 samples at 20 kHz) on the wasm backend:
 * the fast Node backend; tfjs's pure-JS cpu backend takes minutes per forward pass at this size.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../src/platform/tf-node.ts';
import { Cochleagram } from '../../src/audio/cochleagram.ts';
import { erb } from '../../src/audio/erb.ts';
import { readFixture, relativeL2 } from './fixtures.ts';

let coch: Cochleagram;

beforeAll(async () => {
  await useNodeBackend('wasm');
  coch = new Cochleagram();
});
afterAll(() => coch.dispose());

describe('Cochleagram, paper configuration (wasm backend)', () => {
  it('float32 output matches the float64 reference (relative L2 < 1e-4)', () => {
    const x = tf.tensor2d(Float32Array.from(readFixture('paper', 'signal').data), [1, 40000]);
    const y = coch.apply(x);
    expect(y.shape).toEqual([1, 211, 390]);
    expect(relativeL2(y.dataSync(), readFixture('paper', 'cochleagram').data)).toBeLessThan(1e-4);
    tf.dispose([x, y]);
  });

  it('gradient of sum(w * cochleagram) matches the float64 adjoint; no tensors leak', () => {
    const x = tf.tensor1d(Float32Array.from(readFixture('paper', 'signal').data));
    const w = tf.tensor3d(Float32Array.from({ length: 211 * 390 }, (_, i) => Math.sin(0.5 + 0.618034 * i)), [1, 211, 390]);
    const gradient = () => tf.grad((s: tf.Tensor) => tf.sum(tf.mul(coch.apply(s), w)))(x);
    const g = gradient();
    expect(relativeL2(g.dataSync(), readFixture('paper', 'gradient').data)).toBeLessThan(1e-4);
    const before = tf.memory().numTensors;
    tf.dispose(gradient());
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w, g]);
  });

  it('a pure tone peaks in the channel whose centre is nearest (on the ERB axis)', () => {
    const freqs = coch.channelFrequencies;
    expect(freqs.length).toBe(211);
    // Tones a fifth of a channel spacing above a band-pass centre, rounded to a DFT bin (0.5 Hz).
    for (const channel of [20, 77, 140, 200]) {
      const spacing = erb(freqs[channel + 1]) - erb(freqs[channel]);
      const target = erb(freqs[channel]) + 0.2 * spacing;
      const hz = Math.round(24.7 * 9.265 * (Math.exp(target / 9.265) - 1) * 2) / 2;
      const x = tf.tensor1d(Float32Array.from({ length: 40000 }, (_, i) => 0.1 * Math.sin((2 * Math.PI * hz * i) / 20000)));
      const mean = tf.tidy(() => tf.mean(coch.apply(x), [0, 2]).dataSync());
      const peak = mean.indexOf(Math.max(...mean));
      const nearest = Array.from(freqs).reduce((best, f, i) => (Math.abs(erb(f) - erb(hz)) < Math.abs(erb(freqs[best]) - erb(hz)) ? i : best), 0);
      expect(nearest).toBe(channel);
      expect(peak, `tone ${hz} Hz`).toBe(nearest);
      x.dispose();
    }
  });
});
