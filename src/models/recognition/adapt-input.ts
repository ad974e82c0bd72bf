/**
 * Hands one model's input (a metamer or its reference, [1, ...from.shape] in from.range) to
 * another model of the same modality. Identical shapes and ranges pass through unchanged (the
 * Fashion-MNIST family, the two word models). Otherwise images are mapped to [0, 1],
 * converted to the reader's channels (Rec. 601 luma, or grey repeated), centre-cropped to its
 * aspect ratio, resized (bilinear, half-pixel centres) and mapped to its range; clips are
 * resampled to its rate and centre-cropped or zero-padded to its length, then clipped to its
 * range. The caller disposes the result (a new tensor even when unchanged).
 */
import * as tf from '@tensorflow/tfjs';
import type { InputSpec } from '../../engine/types.ts';
import { resample } from '../../audio/resample.ts';

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function fitImage(x: tf.Tensor, from: InputSpec, to: InputSpec): tf.Tensor {
  if (from.shape.length !== 3 || to.shape.length !== 3) throw new Error(`image inputs must be [H, W, C]: [${from.shape}] -> [${to.shape}]`);
  const [th, tw, tc] = to.shape;
  const [lo, hi] = from.range;
  const [tlo, thi] = to.range;
  return tf.tidy(() => {
    let img = tf.div(tf.sub(tf.reshape(x, from.shape), lo), hi - lo) as tf.Tensor3D;
    const c = from.shape[2];
    if (c === 3 && tc === 1) img = tf.sum(tf.mul(img, tf.tensor1d([0.299, 0.587, 0.114])), 2, true);
    else if (c === 1 && tc === 3) img = tf.tile(img, [1, 1, 3]);
    else if (c !== tc) throw new Error(`cannot turn ${c} channels into ${tc}`);
    const [h, w] = from.shape;
    const scale = Math.min(h / th, w / tw);
    const ch = Math.min(h, Math.round(th * scale));
    const cw = Math.min(w, Math.round(tw * scale));
    if (ch !== h || cw !== w) img = tf.slice(img, [Math.floor((h - ch) / 2), Math.floor((w - cw) / 2), 0], [ch, cw, tc]);
    if (ch !== th || cw !== tw) img = tf.image.resizeBilinear(img, [th, tw], false, true);
    return tf.reshape(tf.add(tf.mul(tf.clipByValue(img, 0, 1), thi - tlo), tlo), [1, th, tw, tc]);
  });
}

function fitClip(x: tf.Tensor, from: InputSpec, to: InputSpec): tf.Tensor {
  let samples: Float32Array = Float32Array.from(x.dataSync());
  const fromRate = from.sampleRate;
  const toRate = to.sampleRate;
  if (fromRate && toRate && fromRate !== toRate) samples = resample(samples, fromRate, toRate);
  const n = to.shape[0];
  const out = new Float32Array(n);
  if (samples.length >= n) out.set(samples.subarray(Math.floor((samples.length - n) / 2), Math.floor((samples.length - n) / 2) + n));
  else out.set(samples, Math.floor((n - samples.length) / 2));
  const [lo, hi] = to.range;
  for (let i = 0; i < n; i++) out[i] = Math.min(hi, Math.max(lo, out[i]));
  return tf.tensor(out, [1, n]);
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
