/** The null builder's stimulus pool: an array or a factory that may be iterated more than once. */
import type * as tf from '@tensorflow/tfjs';

/** Tensors ([1, ...inputShape]) the builder may iterate more than once (one pass per stage group). */
export type StimulusSource =
  | readonly tf.Tensor[]
  | (() => AsyncIterable<tf.Tensor> | Iterable<tf.Tensor> | Promise<AsyncIterable<tf.Tensor> | Iterable<tf.Tensor>>);

/** The pool's tensors in order; `owned`: yielded by a factory, so the caller disposes it. */
export async function* iterateStimuli(source: StimulusSource): AsyncGenerator<{ x: tf.Tensor; owned: boolean }> {
  if (typeof source !== 'function') {
    for (const x of source as readonly tf.Tensor[]) yield { x, owned: false };
    return;
  }
  const it = await source();
  for await (const x of it as AsyncIterable<tf.Tensor>) yield { x, owned: true };
}
