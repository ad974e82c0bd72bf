/**
 * Matrix products with a constant matrix whose backward pass needs no transpose flags.
 *
 * tfjs's own matMul gradient calls matMul with transposeA / transposeB, which the wasm backend
 * runs on a slow non-XNNPACK path (measured 5-10x slower than the plain product here). With the
 * transpose of the constant precomputed, the backward pass is a plain matMul as well.
 */
import * as tf from '@tensorflow/tfjs';

export interface ConstMatrix {
  value: tf.Tensor2D;
  transposed: tf.Tensor2D;
}

/** A constant [rows, cols] matrix and its transpose, both float32 on the device. */
export function constMatrix(values: Float32Array, rows: number, cols: number): ConstMatrix {
  const value = tf.tensor2d(values, [rows, cols]);
  const transposed = tf.tidy(() => tf.transpose(value) as tf.Tensor2D);
  return { value, transposed };
}

/** x @ M for a constant M; d/dx = dy @ M^T. */
export function matMulConstRight(x: tf.Tensor2D, m: ConstMatrix): tf.Tensor2D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor2D;
    return {
      value: tf.matMul(input, m.value),
      gradFunc: (dy: tf.Tensor) => tf.matMul(dy as tf.Tensor2D, m.transposed),
    };
  }) as (x: tf.Tensor2D) => tf.Tensor2D;
  return op(x);
}

/** M @ x for a constant M; d/dx = M^T @ dy. */
export function matMulConstLeft(m: ConstMatrix, x: tf.Tensor2D): tf.Tensor2D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor2D;
    return {
      value: tf.matMul(m.value, input),
      gradFunc: (dy: tf.Tensor) => tf.matMul(m.transposed, dy as tf.Tensor2D),
    };
  }) as (x: tf.Tensor2D) => tf.Tensor2D;
  return op(x);
}
