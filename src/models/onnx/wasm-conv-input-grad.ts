/**
 * tf.conv2d whose input gradient, on the wasm backend, is computed as a forward convolution:
 * tfjs-backend-wasm's Conv2DBackpropInput is a plain loop, several times slower than its
 * XNNPACK forward conv (it took ~80% of the kernel time of a gradient step through an
 * AlexNet-sized import; with this, a step takes about half as long). For stride 1 the input
 * gradient of a convolution with filter f and pads (t, l) is the convolution of dy with f
 * flipped in space and with in/out channels swapped, padded by (k - 1 - t, k - 1 - l) in
 * front and whatever makes the result the input's size behind.
 *
 * Only the input gets a gradient (the filter is a model constant). Other backends, strided
 * convolutions (spreading dy with zeros cost more than it saved) and pads of k or more use
 * plain tf.conv2d.
 */
import * as tf from '@tensorflow/tfjs';

type Pair = [number, number];

/** f[ky, kx, c, o] -> f'[kh-1-ky, kw-1-kx, o, c]. */
export function flippedFilter(f: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.transpose(tf.reverse(f, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D);
}

/**
 * conv2d(x, f) in NHWC with explicit pads [top, left, bottom, right]. `flipped` makes
 * flippedFilter(f) (the caller may cache it); it is called only where the fast gradient
 * applies, and its result is saved for the backward pass like any tensor a kernel needs.
 */
export function conv2dInputGradFast(
  x: tf.Tensor4D,
  f: tf.Tensor4D,
  flipped: () => tf.Tensor4D,
  strides: Pair,
  pads: [number, number, number, number],
): tf.Tensor4D {
  const pad: tf.backend_util.ExplicitPadding = [[0, 0], [pads[0], pads[2]], [pads[1], pads[3]], [0, 0]];
  const [kh, kw] = f.shape;
  const [, h, w] = x.shape;
  const front: Pair = [kh - 1 - pads[0], kw - 1 - pads[1]];
  // Strided convs keep the stock kernel: spreading dy with zeros costs more than it saves.
  const strided = strides[0] !== 1 || strides[1] !== 1;
  if (tf.getBackend() !== 'wasm' || strided || front[0] < 0 || front[1] < 0) return tf.conv2d(x, f, strides, pad, 'NHWC');
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const xin = args[0] as tf.Tensor4D;
    (args[1] as tf.GradSaveFunc)([flipped()]);
    const y = tf.conv2d(xin, f, strides, pad, 'NHWC');
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const g = saved[0] as tf.Tensor4D;
        const up = dy as tf.Tensor4D;
        const back: Pair = [h - up.shape[1] - front[0] + kh - 1, w - up.shape[2] - front[1] + kw - 1];
        if (back[0] < 0 || back[1] < 0) {
          // End pads of k or more: the full result runs past the input; crop it.
          const full = tf.conv2d(up, g, 1, [[0, 0], [front[0], Math.max(back[0], 0)], [front[1], Math.max(back[1], 0)], [0, 0]], 'NHWC');
          return tf.slice(full, [0, 0, 0, 0], [-1, h, w, -1]);
        }
        return tf.conv2d(up, g, 1, [[0, 0], [front[0], back[0]], [front[1], back[1]], [0, 0]], 'NHWC');
      },
    };
  });
  return op(x) as tf.Tensor4D;
}
