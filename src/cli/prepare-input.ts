/**
 * Turns a user's input file into the model's raw input [1, ...inputSpec.shape]: images are
 * converted to the model's channels, centre-cropped to its aspect ratio and resized
 * (bilinear, half-pixel centres, after integer box-averaging when shrinking by 2x or more, to
 * avoid aliasing), then mapped from [0, 1] to the model's range. A .npy file is taken as raw
 * values and must hold exactly the input's number of values.
 */
import * as tf from '@tensorflow/tfjs';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import type { InputSpec } from '../engine/types.ts';
import { parseNpy } from '../io/npy.ts';
import { decodeWav } from '../audio/wav.ts';
import { mixToMono, prepareClip } from '../audio/clip.ts';
import { readImage, toChannels, type FloatImage } from '../io/png-node.ts';

export interface PreparedInput {
  /** [1, ...spec.shape], raw model range. Caller disposes. */
  tensor: tf.Tensor;
  /** What was done to the file, for the user and run.json. */
  description: string;
}

/** Largest centred window of the target aspect ratio. */
export function centreCropBox(h: number, w: number, th: number, tw: number): { top: number; left: number; height: number; width: number } {
  const scale = Math.min(h / th, w / tw);
  const height = Math.min(h, Math.round(th * scale));
  const width = Math.min(w, Math.round(tw * scale));
  return { top: Math.floor((h - height) / 2), left: Math.floor((w - width) / 2), height, width };
}

export function fitImage(img: FloatImage, spec: InputSpec): PreparedInput {
  const [th, tw, tc] = spec.shape;
  if (spec.shape.length !== 3 || (tc !== 1 && tc !== 3)) throw new Error(`model input shape [${spec.shape}] is not an image of 1 or 3 channels`);
  const src = toChannels(img, tc);
  const box = centreCropBox(src.height, src.width, th, tw);
  const [lo, hi] = spec.range;
  const steps: string[] = [`read ${img.width}x${img.height}x${img.channels}`];
  if (img.channels !== tc) steps.push(tc === 1 ? 'converted to grey (Rec. 601 luma)' : 'converted to RGB');
  const tensor = tf.tidy(() => {
    let x: tf.Tensor3D = tf.tensor3d(src.data, [src.height, src.width, tc]);
    if (box.height !== src.height || box.width !== src.width) {
      x = tf.slice(x, [box.top, box.left, 0], [box.height, box.width, tc]);
      steps.push(`centre-cropped to ${box.width}x${box.height}`);
    }
    const factor = Math.floor(Math.min(box.height / th, box.width / tw));
    if (factor >= 2) {
      x = tf.avgPool(x, factor, factor, 'valid');
      steps.push(`box-averaged ${factor}x${factor}`);
    }
    if (x.shape[0] !== th || x.shape[1] !== tw) {
      x = tf.image.resizeBilinear(x, [th, tw], false, true);
      steps.push(`resized (bilinear) to ${tw}x${th}`);
    }
    return tf.add(tf.mul(tf.clipByValue(x, 0, 1), hi - lo), lo).reshape([1, th, tw, tc]);
  });
  if (lo !== 0 || hi !== 1) steps.push(`scaled to the model's range [${lo}, ${hi}]`);
  return { tensor, description: steps.join(', ') };
}

export async function prepareInput(path: string, spec: InputSpec): Promise<PreparedInput> {
  const ext = extname(path).toLowerCase();
  if (ext === '.npy') {
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (e) {
      throw new Error(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    const arr = parseNpy(bytes);
    const need = spec.shape.reduce((a, b) => a * b, 1);
    if (arr.data.length !== need) throw new Error(`${path} has shape [${arr.shape}] (${arr.data.length} values); the model's input is [${spec.shape}]`);
    const [lo, hi] = spec.range;
    let clipped = 0;
    const data = arr.data.map((v) => {
      const c = Math.min(hi, Math.max(lo, v));
      if (c !== v) clipped++;
      return c;
    });
    const note = clipped > 0 ? `, ${clipped} values clipped to [${lo}, ${hi}]` : '';
    return { tensor: tf.tensor(data, [1, ...spec.shape]), description: `raw values from ${path} ([${arr.shape}] ${arr.dtype})${note}` };
  }
  if (spec.modality === 'audio') {
    if (ext !== '.wav') throw new Error(`${path}: an audio model takes a .wav file or a .npy of ${spec.shape.join('x')} raw samples`);
    return prepareAudio(path, spec);
  }
  if (spec.modality !== 'image') throw new Error(`model input is ${spec.modality}: give a .npy file of ${spec.shape.join('x')} raw values`);
  if (!['.png', '.jpg', '.jpeg'].includes(ext)) throw new Error(`${path}: input must be .png, .jpg, .jpeg or .npy`);
  let img: FloatImage;
  try {
    img = await readImage(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(code ? `cannot read ${path}: ${code}` : (e as Error).message);
  }
  return fitImage(img, spec);
}

/**
 * A WAV file as the paper's audio reference (spec section 2): mono mix, resampled to the model's
 * rate, the centred window of the model's length (zero padded if shorter), mean removed, RMS 0.1,
 * clamped to the model's range.
 */
async function prepareAudio(path: string, spec: InputSpec): Promise<PreparedInput> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new Error(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const rate = spec.sampleRate ?? 20000;
  const length = spec.shape.reduce((a, b) => a * b, 1);
  const decoded = decodeWav(bytes);
  const { samples, info } = prepareClip(mixToMono(decoded.channels), decoded.sampleRate, {
    targetRate: rate,
    durationS: length / rate,
    pad: 'zeros',
  });
  const steps = [`${decoded.channels.length > 1 ? 'mixed to mono, ' : ''}${info.resampled ? `resampled ${decoded.sampleRate} -> ${rate} Hz, ` : ''}` +
    `${info.padded ? 'zero padded' : `centred ${(length / rate).toFixed(2)} s window from ${info.windowStartS.toFixed(2)} s`}, mean removed, RMS 0.1`];
  return { tensor: tf.tensor(samples, [1, ...spec.shape]), description: `${path}: ${steps.join('')}` };
}
