/**
 * The metamer loss (spec section 2): L = ||A - A'||_2 / ||A||_2 over all activations of the
 * stage, optionally restricted by a 0/1 mask (loss schedules).
 */
import * as tf from '@tensorflow/tfjs';

/**
 * L2 norm over every element, with a gradient that is 0 (not NaN) at the zero vector.
 * (tf.norm's gradient there is 0 * Inf = NaN, which would stop a run that matched exactly.)
 */
const safeNormOp = tf.customGrad((v: tf.Tensor | tf.GradSaveFunc, save: tf.Tensor | tf.GradSaveFunc) => {
  const x = v as tf.Tensor;
  const norm = tf.sqrt(tf.sum(tf.square(x)));
  (save as tf.GradSaveFunc)([x, norm]);
  return {
    value: norm,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, n] = saved;
      const safe = tf.where(tf.greater(n, 0), n, tf.onesLike(n));
      return tf.mul(xs, tf.div(dy, safe));
    },
  };
});

/** ||v||_2 over all elements as a scalar; gradient v / ||v|| (0 at v = 0). */
export function l2Norm(v: tf.Tensor): tf.Scalar {
  return safeNormOp(v) as tf.Scalar;
}

function applyMask(t: tf.Tensor, mask?: tf.Tensor | null): tf.Tensor {
  return mask ? tf.mul(t, mask) : t;
}

const divideUnlessZeroOp = tf.customGrad(
  (a: tf.Tensor | tf.GradSaveFunc, b: tf.Tensor | tf.GradSaveFunc, save: tf.Tensor | tf.GradSaveFunc) => {
    const num = a as tf.Tensor;
    const den = b as tf.Tensor;
    const positive = tf.greater(den, 0);
    const safe = tf.where(positive, den, tf.onesLike(den));
    const value = tf.div(num, safe);
    (save as tf.GradSaveFunc)([value, safe, tf.cast(positive, 'float32')]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [q, sf, pos] = saved;
        return [tf.div(dy, sf), tf.mul(tf.neg(tf.div(tf.mul(dy, q), sf)), pos)];
      },
    };
  },
);

/**
 * a / b for scalars, or a where b is 0 (b >= 0). Written as a custom gradient because tfjs
 * has no gradient for the comparison a tf.where would need once b depends on the input.
 */
export function divideUnlessZero(a: tf.Scalar, b: tf.Scalar): tf.Scalar {
  return divideUnlessZeroOp(a, b) as tf.Scalar;
}

/**
 * ||m (A - A')|| / ||m A|| as a scalar, m a 0/1 mask broadcastable to A (none: all units).
 * When ||m A|| = 0 (e.g. a silent reference) the plain distance ||m (A - A')|| is returned.
 */
export function relativeL2Loss(A: tf.Tensor, Aprime: tf.Tensor, mask?: tf.Tensor | null): tf.Scalar {
  return tf.tidy(() => {
    const num = l2Norm(applyMask(tf.sub(A, Aprime), mask));
    const den = l2Norm(applyMask(A, mask));
    return divideUnlessZero(num, den);
  });
}
