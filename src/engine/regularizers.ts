/**
 * The regularised loss of the paper's control experiment (spec section 2):
 *   ||A - A'|| / ||A'||  +  l_a ||x - mean(x)||_alpha  +  l_tv sum(dx_h^2 + dx_v^2)
 * with the penalties on the normalised input. Total variation applies to image inputs
 * [1, H, W, C] only; for other inputs its term is 0.
 */
import * as tf from '@tensorflow/tfjs';
import { divideUnlessZero, l2Norm } from './loss.ts';
import type { RegularizerConfig } from './types.ts';

const alphaNormOps = new Map<number, (v: tf.Tensor) => tf.Tensor>();

/**
 * (sum |v|^alpha)^(1/alpha) over all elements, computed as m (sum |v/m|^alpha)^(1/alpha) with
 * m = max|v| (no overflow); gradient sign(v) (|v| / norm)^(alpha-1), 0 at v = 0.
 */
export function alphaNorm(v: tf.Tensor, alpha: number): tf.Scalar {
  let op = alphaNormOps.get(alpha);
  if (!op) {
    op = tf.customGrad((t: tf.Tensor | tf.GradSaveFunc, save: tf.Tensor | tf.GradSaveFunc) => {
      const x = t as tf.Tensor;
      const m = tf.max(tf.abs(x));
      const safeM = tf.where(tf.greater(m, 0), m, tf.onesLike(m));
      const norm = tf.mul(safeM, tf.pow(tf.sum(tf.pow(tf.div(tf.abs(x), safeM), alpha)), 1 / alpha));
      (save as tf.GradSaveFunc)([x, norm]);
      return {
        value: norm,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [xs, n] = saved;
          const safeN = tf.where(tf.greater(n, 0), n, tf.onesLike(n));
          return tf.mul(dy, tf.mul(tf.sign(xs), tf.pow(tf.div(tf.abs(xs), safeN), alpha - 1)));
        },
      };
    }) as (v: tf.Tensor) => tf.Tensor;
    alphaNormOps.set(alpha, op);
  }
  return op(v) as tf.Scalar;
}

/** ||x - mean(x)||_alpha, the mean over all elements. */
export function alphaNormPenalty(x: tf.Tensor, alpha: number): tf.Scalar {
  return tf.tidy(() => alphaNorm(tf.sub(x, tf.mean(x)), alpha));
}

/** sum of squared horizontal and vertical neighbour differences of an image [1, H, W, C]. */
export function totalVariation(x: tf.Tensor): tf.Scalar {
  if (x.rank !== 4) throw new Error(`totalVariation needs an image [1,H,W,C], got shape [${x.shape}]`);
  return tf.tidy(() => {
    const [b, h, w, c] = x.shape;
    const dh = tf.sub(tf.slice(x, [0, 0, 1, 0], [b, h, w - 1, c]), tf.slice(x, [0, 0, 0, 0], [b, h, w - 1, c]));
    const dv = tf.sub(tf.slice(x, [0, 1, 0, 0], [b, h - 1, w, c]), tf.slice(x, [0, 0, 0, 0], [b, h - 1, w, c]));
    return tf.add(tf.sum(tf.square(dh)), tf.sum(tf.square(dv))) as tf.Scalar;
  });
}

/**
 * The regularised loss. `A` reference activations, `Aprime` current ones, `xNormalized` the
 * current input after normalisation, `mask` an optional 0/1 loss-schedule mask.
 */
export function regularizedLoss(
  A: tf.Tensor,
  Aprime: tf.Tensor,
  xNormalized: tf.Tensor,
  reg: RegularizerConfig,
  mask?: tf.Tensor | null,
): tf.Scalar {
  return tf.tidy(() => {
    const diff = mask ? tf.mul(tf.sub(A, Aprime), mask) : tf.sub(A, Aprime);
    const ap = mask ? tf.mul(Aprime, mask) : Aprime;
    let loss: tf.Scalar = divideUnlessZero(l2Norm(diff), l2Norm(ap));
    if (reg.alphaNorm > 0) {
      loss = tf.add(loss, tf.mul(reg.alphaNorm, alphaNormPenalty(xNormalized, reg.alpha)));
    }
    if (reg.tv > 0 && xNormalized.rank === 4) {
      loss = tf.add(loss, tf.mul(reg.tv, totalVariation(xNormalized)));
    }
    return loss;
  });
}
