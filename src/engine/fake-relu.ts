/**
 * "Fake ReLU" (spec section 2): forward max(x, 0), backward identity, so units that noise
 * pushed below zero still receive a gradient at the generation stage. tf.customGrad works
 * on every backend.
 */
import * as tf from '@tensorflow/tfjs';

const fakeReluOp = tf.customGrad((x: tf.Tensor | tf.GradSaveFunc) => {
  const value = tf.relu(x as tf.Tensor);
  return { value, gradFunc: (dy: tf.Tensor) => dy.clone() };
});

/** max(x, 0) whose gradient is the identity. */
export function fakeRelu<T extends tf.Tensor>(x: T): T {
  return fakeReluOp(x) as T;
}

/** ReLU for model code: the fake one when `fake` is true, tf.relu otherwise. */
export function relu<T extends tf.Tensor>(x: T, fake: boolean): T {
  return fake ? fakeRelu(x) : tf.relu(x);
}

/**
 * Batch-masked fake ReLU for a batch of independent images (all-stages runs): forward
 * max(x, 0) for every image; backward the identity for images b with fake[b], the true ReLU
 * gradient (dy where x > 0) for the others. fake.length must equal x.shape[0].
 */
export function fakeReluWhere<T extends tf.Tensor>(x: T, fake: readonly boolean[]): T {
  if (fake.length !== x.shape[0]) {
    throw new Error(`fakeReluWhere: ${fake.length} flags for a batch of ${x.shape[0]}`);
  }
  if (fake.every((f) => f)) return fakeRelu(x);
  if (!fake.some((f) => f)) return tf.relu(x);
  // Runs of consecutive images with the same flag (all-stages batches: one or two runs).
  const runs: { fake: boolean; size: number }[] = [];
  for (const f of fake) {
    if (runs.length > 0 && runs[runs.length - 1].fake === f) runs[runs.length - 1].size++;
    else runs.push({ fake: f, size: 1 });
  }
  const op = tf.customGrad((input: tf.Tensor | tf.GradSaveFunc, save: tf.Tensor | tf.GradSaveFunc) => {
    const v = input as tf.Tensor;
    (save as tf.GradSaveFunc)([v]);
    return {
      value: tf.relu(v),
      // Per run of images: dy (fake) or tf.relu's own gradient dy * step(x); no broadcasting
      // mask (a broadcast binary op is a slow path on wasm).
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const sizes = runs.map((r) => r.size);
        const dys = tf.split(dy, sizes, 0);
        const xs = tf.split(saved[0], sizes, 0);
        return tf.concat(runs.map((r, i) => (r.fake ? dys[i] : tf.mul(dys[i], tf.step(xs[i])))), 0);
      },
    };
  });
  return op(x) as T;
}

