/**
 * Cochleagram forward and forward+backward time per 2-s clip (40000 samples at 20 kHz)
 * on the current tfjs backend. The first call (kernel set-up) is excluded.
 */
import * as tf from '@tensorflow/tfjs';
import { Cochleagram } from '../src/audio/cochleagram.ts';
import { Rng } from '../src/engine/random.ts';
import type { BenchRow } from './bench-models.ts';

async function timeIt(fn: () => tf.Tensor, repeats: number): Promise<number> {
  const warm = fn();
  await warm.data();
  warm.dispose();
  const t0 = performance.now();
  for (let i = 0; i < repeats; i++) {
    const out = fn();
    await out.data(); // include the device->host sync so GPU work is really done
    out.dispose();
  }
  return (performance.now() - t0) / repeats;
}

export async function benchCochleagram(backend: string, repeats: number): Promise<BenchRow[]> {
  const coch = new Cochleagram();
  const x = tf.tensor(new Rng(1).normalArray(coch.config.signalLength, 0, 0.1), [1, coch.config.signalLength]);
  const forwardMs = await timeIt(() => coch.apply(x), repeats);
  const grad = tf.grad((input: tf.Tensor) => tf.sum(coch.apply(input)));
  const backwardMs = await timeIt(() => grad(x), repeats);
  x.dispose();
  coch.dispose();
  console.error(`  cochleagram: forward ${forwardMs.toFixed(0)} ms, forward+backward ${backwardMs.toFixed(0)} ms`);
  return [
    { backend, case: 'cochleagram forward (2 s clip)', value: forwardMs, unit: 'ms' },
    { backend, case: 'cochleagram forward+backward (2 s clip)', value: backwardMs, unit: 'ms' },
  ];
}
