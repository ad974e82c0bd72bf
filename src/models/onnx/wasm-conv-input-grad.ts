/**
 * tf.conv2d whose input gradient, on the wasm backend, is computed as a forward convolution:
 * tfjs-backend-wasm's Conv2DBackpropInput is a plain loop, several times slower than its
 * XNNPACK forward conv (it took ~80% of the kernel time of a gradient step through an
 * AlexNet-sized import; with this, a step takes about half as long). For stride 1 the input
 * gradient of a convolution with filter f and pads (t, l) is the convolution of dy with f
 * flipped in space and with in/out channels swapped, padded by (k - 1 - t, k - 1 - l) in
 * front and whatever makes the result the input's size behind.
 *
 * Strided convolutions (issue 11) split the input gradient into its s_h x s_w sub-pixel phases:
 * the input pixels i with (i + pad) % s = r receive dy through the taps k = s j + r only, so
 * every phase is a stride-1 convolution of dy with a ceil(k / s)-tap sub-filter. All phases run
 * as ONE forward convolution whose output channels are (phase, channel) (phaseFilter), and a
 * transpose interleaves them back into the image: no zeros spread into dy, no scatter loop.
 * (AlexNet's 11x11 stride-4 first conv: 41 ms -> ~5 ms per step on one thread.)
 *
 * Only the input gets a gradient (the filter is a model constant). Other backends, dilated
 * phase filters wider than the input, and pads of k or more use plain tf.conv2d.
 */
import * as tf from '@tensorflow/tfjs';
import { fastGradients } from '../../engine/fast-gradients.ts';

type Pair = [number, number];

/** f[ky, kx, c, o] -> f'[kh-1-ky, kw-1-kx, o, c]. */
export function flippedFilter(f: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.transpose(tf.reverse(f, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D);
}

/**
 * The sub-pixel phase filter of a stride-(sh, sw) convolution's input gradient:
 * f[ky, kx, c, o] -> g[J_h - 1 - jy, J_w - 1 - jx, o, (ry sw + rx) C + c] = f[sh jy + ry, sw jx + rx, c, o]
 * (zero where sh jy + ry >= kh), J = ceil(k / s). Convolving dy with g (stride 1, front pad
 * J - 1) gives every phase's gradient at once, channels in DepthToSpace's order.
 */
export function phaseFilter(f: tf.Tensor4D, [sh, sw]: Pair): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw, c, o] = f.shape;
    const jh = Math.ceil(kh / sh);
    const jw = Math.ceil(kw / sw);
    // Pad the taps to J s, split each spatial axis into (j, r), flip j, put (r, c) last.
    const padded = tf.pad(f, [[0, jh * sh - kh], [0, jw * sw - kw], [0, 0], [0, 0]]);
    const split = tf.reshape(padded, [jh, sh, jw, sw, c, o]);
    const flipped = tf.reverse(split, [0, 2]);
    // [jh, sh, jw, sw, c, o] -> [jh, jw, o, sh, sw, c]
    const g = tf.transpose(flipped, [0, 2, 5, 1, 3, 4]);
    return tf.reshape(g, [jh, jw, o, sh * sw * c]) as tf.Tensor4D;
  });
}

/**
 * x[:, top:top+h, left:left+w, :] with whole channel rows copied at once: as [N, H, W C], each
 * kept row is one contiguous run (tfjs-backend-wasm's 4-D Slice copies C values at a time).
 */
export function cropRowsAndColumns(x: tf.Tensor4D, top: number, left: number, h: number, w: number): tf.Tensor4D {
  const [n, hh, ww, c] = x.shape;
  if (top === 0 && left === 0 && h === hh && w === ww) return x;
  return tf.tidy(() => tf.reshape(tf.slice(tf.reshape(x, [n, hh, ww * c]), [0, top, left * c], [n, h, w * c]), [n, h, w, c]) as tf.Tensor4D);
}

/**
 * Input gradient of a strided convolution with filter shape [kh, kw, c, o] and pads
 * [top, left, ...] for an input [1, h, w, c], from the phase filter g: one stride-1 conv2d,
 * an interleaving transpose, and a crop.
 */
export function stridedConvInputGrad(dy: tf.Tensor4D, g: tf.Tensor4D, kernel: Pair, strides: Pair, pads: readonly number[], inputShape: readonly number[]): tf.Tensor4D {
  return tf.tidy(() => {
    const [sh, sw] = strides;
    const [, h, w, c] = inputShape;
    const [jh, jw] = [Math.ceil(kernel[0] / sh), Math.ceil(kernel[1] / sw)];
    // Phase rows q = 0..qh cover input rows 0..h-1 (q = floor((i + top) / s)).
    const qh = Math.floor((h - 1 + pads[0]) / sh) + 1;
    const qw = Math.floor((w - 1 + pads[1]) / sw) + 1;
    const [, oh, ow] = dy.shape;
    const backH = qh - oh;
    const backW = qw - ow;
    let z = tf.conv2d(dy, g, 1, [[0, 0], [jh - 1, Math.max(backH, 0)], [jw - 1, Math.max(backW, 0)], [0, 0]], 'NHWC');
    if (backH < 0 || backW < 0) z = tf.slice(z, [0, 0, 0, 0], [-1, qh, qw, -1]);
    // Interleave the phases (DepthToSpace, as a transpose: wasm's DepthToSpace is a slow JS loop).
    const spread = tf.reshape(tf.transpose(tf.reshape(z, [qh, qw, sh, sw, c]), [0, 2, 1, 3, 4]), [1, qh * sh, qw * sw, c]) as tf.Tensor4D;
    return cropRowsAndColumns(spread, pads[0], pads[1], h, w);
  });
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
  phased?: () => tf.Tensor4D,
): tf.Tensor4D {
  const pad: tf.backend_util.ExplicitPadding = [[0, 0], [pads[0], pads[2]], [pads[1], pads[3]], [0, 0]];
  const [kh, kw] = f.shape;
  const [, h, w] = x.shape;
  const front: Pair = [kh - 1 - pads[0], kw - 1 - pads[1]];
  const strided = strides[0] !== 1 || strides[1] !== 1;
  if (tf.getBackend() !== 'wasm') return tf.conv2d(x, f, strides, pad, 'NHWC');
  if (strided) {
    // DepthToSpace takes one block size: equal strides only (every common CNN).
    if (!phased || !fastGradients() || strides[0] !== strides[1]) return tf.conv2d(x, f, strides, pad, 'NHWC');
    const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const xin = args[0] as tf.Tensor4D;
      (args[1] as tf.GradSaveFunc)([phased()]);
      return {
        value: tf.conv2d(xin, f, strides, pad, 'NHWC'),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
          stridedConvInputGrad(dy as tf.Tensor4D, saved[0] as tf.Tensor4D, [kh, kw], strides, pads, x.shape),
      };
    });
    return op(x) as tf.Tensor4D;
  }
  if (front[0] < 0 || front[1] < 0) return tf.conv2d(x, f, strides, pad, 'NHWC');
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
