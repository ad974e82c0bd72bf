/**
 * Natural speech for the audio models: the 16-bit WAV clips listed in manifest.params.natural
 * (paths relative to the model directory) and the bundled references. Every clip is brought to
 * the spec's audio reference format (section 2): inputSpec.shape[0] samples at
 * inputSpec.sampleRate, mean removed, RMS 0.1, clamped to the input range.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../engine/random.ts';
import type { ModelManifest, ModelSource } from '../manifest.ts';
import { decodeWav16 } from './wav16.ts';

export const REFERENCE_RMS = 0.1;

/** Mean removed, RMS set to `rms` (an all-zero clip stays zero), clamped to [lo, hi]; float64 sums. */
export function normaliseClip(x: Float32Array, rms = REFERENCE_RMS, range: [number, number] = [-1, 1]): Float32Array {
  let mean = 0;
  for (const v of x) mean += v;
  mean /= x.length;
  let ss = 0;
  for (const v of x) ss += (v - mean) ** 2;
  const gain = ss > 0 ? rms / Math.sqrt(ss / x.length) : 0;
  return Float32Array.from(x, (v) => Math.max(range[0], Math.min(range[1], (v - mean) * gain)));
}

function checkAudioModel(manifest: ModelManifest): { length: number; rate: number } {
  const spec = manifest.inputSpec;
  if (spec.modality !== 'audio' || spec.shape.length !== 1 || !spec.sampleRate) {
    throw new Error(`model "${manifest.id}" does not take mono audio with a sample rate`);
  }
  return { length: spec.shape[0], rate: spec.sampleRate };
}

async function readClip(manifest: ModelManifest, source: ModelSource, path: string): Promise<Float32Array> {
  const { length, rate } = checkAudioModel(manifest);
  const wav = decodeWav16(await source.readBinary(`${manifest.id}/${path}`));
  if (wav.sampleRate !== rate) throw new Error(`clip ${path} is at ${wav.sampleRate} Hz, the model takes ${rate} Hz`);
  if (wav.samples.length !== length) throw new Error(`clip ${path} has ${wav.samples.length} samples, the model takes ${length}`);
  return normaliseClip(wav.samples, REFERENCE_RMS, manifest.inputSpec.range);
}

/** Every natural clip of the model (manifest.params.natural), normalised, in manifest order. */
export async function loadSpeechClips(manifest: ModelManifest, source: ModelSource): Promise<Float32Array[]> {
  const paths = (manifest.params?.natural as string[] | undefined) ?? [];
  if (paths.length === 0) throw new Error(`model "${manifest.id}" lists no natural clips (params.natural)`);
  return Promise.all(paths.map((p) => readClip(manifest, source, p)));
}

/**
 * `count` distinct natural clips in a seeded random order, as [1, samples] tensors (caller
 * disposes). Clips are never repeated: a repeated clip would put identical pairs in a null
 * distribution.
 */
export async function speechStimuli(manifest: ModelManifest, source: ModelSource, count: number, seed: number): Promise<tf.Tensor[]> {
  const clips = await loadSpeechClips(manifest, source);
  if (count > clips.length) throw new Error(`model "${manifest.id}" has ${clips.length} natural clips, ${count} requested`);
  const order = clips.map((_, i) => i);
  const rng = new Rng(seed);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order.slice(0, count).map((i) => tf.tensor2d(clips[i], [1, clips[i].length]));
}

/** Bundled reference `index` (manifest.references) as [1, samples]. Caller disposes. */
export async function loadSpeechReference(manifest: ModelManifest, source: ModelSource, index = 0): Promise<tf.Tensor> {
  const ref = manifest.references[index];
  if (!ref) throw new Error(`model "${manifest.id}" has no reference #${index} (it has ${manifest.references.length})`);
  const clip = await readClip(manifest, source, ref.path);
  return tf.tensor2d(clip, [1, clip.length]);
}
