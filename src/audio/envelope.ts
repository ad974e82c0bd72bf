/**
 * Envelope magnitudes with gradients that stay finite where the signal is exactly zero.
 */
import * as tf from '@tensorflow/tfjs';
import type { FactorisedDft } from './factorised-dft.ts';

/**
 * |z| = sqrt(re^2 + im^2) with a gradient that stays finite at z = 0: the true gradient
 * (re, im) / |z| where |z| > 0, and 0 where |z| = 0 (where sqrt's own gradient would be inf * 0 = NaN).
 */

const magnitudeOp = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [re, im, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  const value = tf.sqrt(tf.add(tf.square(re), tf.square(im)));
  save([re, im, value]);
  return {
    value,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [savedRe, savedIm, magnitude] = saved;
      // 1 / max(|z|, tiny): re and im are both 0 exactly where |z| underflows to 0, so the ratio is 0.
      const scale = tf.div(dy, tf.maximum(magnitude, 1e-30));
      return [tf.mul(scale, savedRe), tf.mul(scale, savedIm)];
    },
  };
});

export function complexMagnitude(re: tf.Tensor, im: tf.Tensor): tf.Tensor {
  return (magnitudeOp as (re: tf.Tensor, im: tf.Tensor) => tf.Tensor)(re, im);
}

/**
 * Hilbert envelopes of every channel from one half spectrum: |IDFT(filters * spectrum)| with the
 * negative-frequency bins left at zero. spectrum [A, P] (re, im) in the DFT's half-spectrum layout,
 * filters [A, channels, P] -> envelopes [channels, N].
 *
 * A single custom-gradient op: tfjs's tape would keep every [channels, N] intermediate of the
 * inverse DFT alive for the backward pass (~2.7 GB at the paper's size); this keeps three (the
 * analytic signal and its magnitude) and runs the backward pass as the inverse DFT's adjoint,
 * which costs the same matMuls as the forward pass.
 */
export function hilbertEnvelopes(dft: FactorisedDft, filters: tf.Tensor3D, specRe: tf.Tensor, specIm: tf.Tensor): tf.Tensor2D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [re, im, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const filtered = tf.tidy(() => ({ re: tf.mul(filters, tf.expandDims(re, 1)), im: tf.mul(filters, tf.expandDims(im, 1)) }));
    const analytic = dft.halfSpectrumInverse(filtered.re, filtered.im);
    tf.dispose([filtered.re, filtered.im]);
    const magnitude = tf.tidy(() => tf.sqrt(tf.add(tf.square(analytic.re), tf.square(analytic.im))));
    save([analytic.re, analytic.im, magnitude]);
    return {
      value: dft.toSignalOrder(magnitude),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [zRe, zIm, zAbs] = saved;
        // d|z| = (re dRe + im dIm) / |z|; 0 where |z| = 0 (re = im = 0 there).
        const gz = tf.tidy(() => {
          const scale = tf.div(dft.fromSignalOrder(dy), tf.maximum(zAbs, 1e-30));
          return { re: tf.mul(scale, zRe), im: tf.mul(scale, zIm) };
        });
        const g = dft.halfSpectrumInverseAdjoint(gz.re, gz.im);
        tf.dispose([gz.re, gz.im]);
        // Real filters: the spectrum's gradient is the filter-weighted sum over channels.
        return [tf.sum(tf.mul(g.re, filters), 1), tf.sum(tf.mul(g.im, filters), 1)];
      },
    };
  }) as (re: tf.Tensor, im: tf.Tensor) => tf.Tensor2D;
  return op(specRe, specIm);
}
