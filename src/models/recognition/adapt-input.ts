/**
 * Hands one model's input (a metamer or its reference, [1, ...from.shape] in from.range) to
 * another model of the same modality. Identical shapes, ranges and rates pass through
 * unchanged (the Fashion-MNIST family, the two word models). Otherwise the one shared recipe
 * fits it, as it fits a user's file: images through fitImageToInput (channels, centre crop,
 * box average, bilinear resize, range; src/engine/fit-image.ts), clips through fitClipToInput
 * (resampled, centred window, zero padded when short; src/audio/fit-clip.ts). The caller
 * disposes the result (a new tensor even when unchanged).
 */
import * as tf from '@tensorflow/tfjs';
import type { InputSpec } from '../../engine/types.ts';
import { fitImageToInput } from '../../engine/fit-image.ts';
import { fitClipToInput } from '../../audio/fit-clip.ts';

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function fitImage(x: tf.Tensor, from: InputSpec, to: InputSpec): tf.Tensor {
  if (from.shape.length !== 3) throw new Error(`an image input must be [H, W, C], not [${from.shape}]`);
  const [h, w, c] = from.shape;
  const [lo, hi] = from.range;
  // The stimulus as a [0, 1] picture, then the shared fitting to the reader's input.
  const data = Float32Array.from(x.dataSync(), (v) => (v - lo) / (hi - lo));
  const fitted = fitImageToInput({ width: w, height: h, channels: c, data, max: 1 }, to);
  return tf.tensor(fitted.data, [1, ...to.shape]);
}

function fitClip(x: tf.Tensor, from: InputSpec, to: InputSpec): tf.Tensor {
  const samples = Float32Array.from(x.dataSync());
  const clip = fitClipToInput([samples], from.sampleRate ?? 20000, to, { pad: 'zeros' });
  return tf.tensor(clip.samples, [1, ...to.shape]);
}

/** `x` ([1, ...from.shape]) as an input of a model whose input spec is `to`. */
export function adaptInput(x: tf.Tensor, from: InputSpec, to: InputSpec): tf.Tensor {
  if (from.modality !== to.modality) throw new Error(`a ${from.modality} input cannot be read by a ${to.modality} model`);
  const sameRate = from.modality !== 'audio' || (from.sampleRate ?? 0) === (to.sampleRate ?? 0);
  if (sameShape(from.shape, to.shape) && from.range[0] === to.range[0] && from.range[1] === to.range[1] && sameRate) {
    return tf.clone(x);
  }
  return from.modality === 'audio' ? fitClip(x, from, to) : fitImage(x, from, to);
}
