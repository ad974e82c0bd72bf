/**
 * Max pooling's input gradient on wasm as one JS pass over the saved input: each window's
 * first maximum (row-major, padded positions skipped, as tfjs's forward pass and ONNX /
 * PyTorch choose) receives the window's dy. tfjs-backend-wasm 4.22's MaxPoolGrad is itself a
 * JS loop, drops every window whose maximum is negative, and the shift that worked around it
 * (x - min(x) + 1, a second pool) cost a full reduction and two more passes per step.
 */
import * as tf from '@tensorflow/tfjs';

type Pair = [number, number];

/** dx [N, H, W, C] of tf.maxPool(x, k, s, [[0,0],[top,bottom],[left,right],[0,0]]) given dy. */
export function maxPoolInputGrad(x: tf.Tensor4D, dy: tf.Tensor4D, [kh, kw]: Pair, [sh, sw]: Pair, top: number, left: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const [, oh, ow] = dy.shape;
  const xs = x.dataSync() as Float32Array;
  const gs = dy.dataSync() as Float32Array;
  const dx = new Float32Array(xs.length);
  for (let b = 0; b < n; b++) {
    const base = b * h * w * c;
    for (let i = 0; i < oh; i++) {
      const y0 = i * sh - top;
      const ya = Math.max(0, y0);
      const yb = Math.min(h, y0 + kh);
      for (let j = 0; j < ow; j++) {
        const x0 = j * sw - left;
        const xa = Math.max(0, x0);
        const xb = Math.min(w, x0 + kw);
        const g = ((b * oh + i) * ow + j) * c;
        for (let ch = 0; ch < c; ch++) {
          let best = -Infinity;
          let at = -1;
          for (let yy = ya; yy < yb; yy++) {
            for (let xx = xa; xx < xb; xx++) {
              const idx = base + (yy * w + xx) * c + ch;
              if (at < 0 || xs[idx] > best) {
                best = xs[idx];
                at = idx;
              }
            }
          }
          if (at >= 0) dx[at] += gs[g + ch];
        }
      }
    }
  }
  return tf.tensor4d(dx, [n, h, w, c]);
}
