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
