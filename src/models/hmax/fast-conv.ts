/**
 * Stride-1 conv2d with a constant kernel whose input gradient is computed as another
 * *forward* conv2d (correlation of dy with the 180-degree-rotated kernel, in/out channels
 * swapped) instead of Conv2DBackpropInput. Why: on the wasm backend Conv2DBackpropInput is a
 * plain scalar loop, several times slower than the XNNPACK forward conv, and HMAX's large S1
 * kernels (up to 21 x 21) made the backward pass ~5x the forward. Mathematically identical:
 *   'same' (odd kernel, pad (n-1)/2):  dx = corr_same(dy, rot180(k)^T)
 *   'valid':                           dx = corr_valid(pad(dy, n-1), rot180(k)^T)
 * No gradient w.r.t. the kernel (weights are fixed).
 */
import * as tf from '@tensorflow/tfjs';

export class FastConv {
  private readonly flipped: tf.Tensor4D;
  private readonly op: (x: tf.Tensor4D) => tf.Tensor4D;

  constructor(
    readonly kernel: tf.Tensor4D,
    readonly padding: 'same' | 'valid',
  ) {
    const [kh, kw] = kernel.shape;
    if (padding === 'same' && (kh % 2 === 0 || kw % 2 === 0)) {
      throw new Error(`FastConv 'same' needs an odd kernel, got ${kh}x${kw}`);
    }
    this.flipped = tf.tidy(() => tf.transpose(tf.reverse(kernel, [0, 1]), [0, 1, 3, 2])) as tf.Tensor4D;
    const inputGrad = (dy: tf.Tensor4D): tf.Tensor4D => {
      if (padding === 'same') return tf.conv2d(dy, this.flipped, 1, 'same');
      const padded = tf.pad(dy, [[0, 0], [kh - 1, kh - 1], [kw - 1, kw - 1], [0, 0]]);
      return tf.conv2d(padded, this.flipped, 1, 'valid');
    };
    this.op = tf.customGrad<tf.Tensor4D>((...inputs) => ({
      value: tf.conv2d(inputs[0] as tf.Tensor4D, kernel, 1, padding),
      gradFunc: (dy: tf.Tensor4D) => inputGrad(dy),
    })) as (x: tf.Tensor4D) => tf.Tensor4D;
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    return this.op(x);
  }

  /** Disposes the kernel and its flipped copy. */
  dispose(): void {
    this.kernel.dispose();
    this.flipped.dispose();
  }
}
