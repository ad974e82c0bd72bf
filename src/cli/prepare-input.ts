/**
 * Turns a user's input file into the model's raw input [1, ...inputSpec.shape]: images go through
 * fitImageToInput (src/engine/fit-image.ts, shared with the page: channels, centre crop, box
 * average, bilinear resize, range); WAV files through fitClipToInput (src/audio/fit-clip.ts). A
 * .npy file is taken as raw values: its shape must be the input's (a leading batch of 1 is
 * fine), every value finite; values outside the model's range are clipped and counted.
 */
import * as tf from '@tensorflow/tfjs';
import { extname } from 'node:path';
import type { InputSpec } from '../engine/types.ts';
import { parseNpy } from '../io/npy.ts';
import { shapeMismatch } from '../io/npy-shape.ts';
import { readUserFile } from '../io/read-file.ts';
import { decodeWav } from '../audio/wav.ts';
import { fitClipToInput } from '../audio/fit-clip.ts';
import { readImage, type FloatImage } from '../io/png-node.ts';
import { fitImageToInput } from '../engine/fit-image.ts';

export interface PreparedInput {
  /** [1, ...spec.shape], raw model range. Caller disposes. */
  tensor: tf.Tensor;
  /** What was done to the file, for the user and run.json. */
  description: string;
}

/** A decoded picture as the model's input: the shared fitting (fitImageToInput, the page uses it too). */
export function fitImage(img: FloatImage, spec: InputSpec): PreparedInput {
  const { data, steps } = fitImageToInput({ ...img, max: 1 }, spec);
  return { tensor: tf.tensor(data, [1, ...spec.shape]), description: steps.join(', ') };
}

export async function prepareInput(path: string, spec: InputSpec): Promise<PreparedInput> {
  const ext = extname(path).toLowerCase();
  if (ext === '.npy') return npyInput(path, spec);
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

/** A .npy of raw input values (see the file comment). */
async function npyInput(path: string, spec: InputSpec): Promise<PreparedInput> {
  const bytes = await readUserFile(path, { what: 'input' });
  const arr = parseNpy(bytes, { name: path });
  const mismatch = shapeMismatch(arr.shape, spec.shape);
  if (mismatch) throw new Error(`${path} ${mismatch}`);
  const [lo, hi] = spec.range;
  let clipped = 0;
  const data = arr.data.map((v) => {
    const c = Math.min(hi, Math.max(lo, v));
    if (c !== v) clipped++;
    return c;
  });
  const note = clipped > 0 ? `, ${clipped} value${clipped === 1 ? '' : 's'} outside the model's range clipped to [${lo}, ${hi}]` : '';
  return { tensor: tf.tensor(data, [1, ...spec.shape]), description: `raw values from ${path} ([${arr.shape}] ${arr.dtype})${note}` };
}

/**
 * A WAV file as the paper's audio reference (spec section 2): mono mix, resampled to the model's
 * rate, the centred window of the model's length (zero padded if shorter), mean removed, RMS 0.1,
 * clamped to the model's range.
 */
async function prepareAudio(path: string, spec: InputSpec): Promise<PreparedInput> {
  const bytes = await readUserFile(path, { what: 'input' });
  const rate = spec.sampleRate ?? 20000;
  const length = spec.shape.reduce((a, b) => a * b, 1);
  const decoded = decodeWav(bytes, { name: path });
  let clip: ReturnType<typeof fitClipToInput>;
  try {
    clip = fitClipToInput(decoded.channels, decoded.sampleRate, spec, { pad: 'zeros' });
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
  const { samples, info } = clip;
  const steps = [`${decoded.channels.length > 1 ? 'mixed to mono, ' : ''}${info.resampled ? `resampled ${decoded.sampleRate} -> ${rate} Hz, ` : ''}` +
    `${info.padded ? 'zero padded' : `centred ${(length / rate).toFixed(2)} s window from ${info.windowStartS.toFixed(2)} s`}, mean removed, RMS 0.1`];
  return { tensor: tf.tensor(samples, [1, ...spec.shape]), description: `${path}: ${steps.join('')}` };
}
