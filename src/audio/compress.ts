/**
 * Power-law compression of the downsampled envelopes (spec section 5):
 *   forward   y = (max(x, 0) + offset)^power
 *   backward  dy/dx = clip(power (max(x, 0) + offset)^(power - 1), -clip, clip)
 * The max is a "fake ReLU" (its gradient is the identity, so samples the low-pass filter pushed
 * below zero still receive gradient), and the power's derivative, which reaches ~1e5 at x = 0, is
 * clipped so that quiet channels cannot dominate the metamer optimisation.
 */
import * as tf from '@tensorflow/tfjs';

export interface CompressionParams {
  power: number;
  offset: number;
  gradientClip: number;
}

export function makeCompression({ power, offset, gradientClip }: CompressionParams): (x: tf.Tensor) => tf.Tensor {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const shifted = tf.add(tf.relu(x), offset);
    save([shifted]);
    return {
      value: tf.pow(shifted, power),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const derivative = tf.mul(power, tf.pow(saved[0], power - 1));
        return [tf.mul(dy, tf.clipByValue(derivative, -gradientClip, gradientClip))];
      },
    };
  }) as (x: tf.Tensor) => tf.Tensor;
}
