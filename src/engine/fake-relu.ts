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
  const maskShape = [fake.length, ...x.shape.slice(1).map(() => 1)];
  const op = tf.customGrad((input: tf.Tensor | tf.GradSaveFunc, save: tf.Tensor | tf.GradSaveFunc) => {
    const v = input as tf.Tensor;
    (save as tf.GradSaveFunc)([v]);
    return {
      value: tf.relu(v),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const identity = tf.tensor(fake.map((f) => (f ? 1 : 0)), maskShape, 'bool');
        return tf.where(tf.logicalOr(identity, tf.greater(saved[0], 0)), dy, tf.zerosLike(dy));
      },
    };
  });
  return op(x) as T;
}

