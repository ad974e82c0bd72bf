/**
 * Many 2-s clips stored as one 8-bit mu-law file (mulaw.ts): the natural stimuli of the word
 * model (manifest.params.naturalMulaw, for the null distribution) and its held-out test clips
 * (manifest.params.heldout). Every clip is brought to the spec's audio reference format (mean
 * removed, RMS 0.1, clamped to the input range) after decoding, like the WAV clips of Spectemp.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../engine/random.ts';
import type { ModelManifest, ModelSource } from '../manifest.ts';
import { normaliseClip, REFERENCE_RMS } from '../spectemp/natural-audio.ts';
import { mulawDecode } from './mulaw.ts';

export interface MulawClipsParams {
  /** Path relative to models/<id>/ of the uint8 file: count x samples bytes, clip-major. */
  path: string;
  count: number;
  /** What the clips are (human-readable). */
  description?: string;
  /** Held-out sets: the word index of each clip (manifest.classes). */
  labels?: number[];
  /** Held-out sets: the voice of each clip. */
  voices?: string[];
}

function clipLength(manifest: ModelManifest): number {
  const spec = manifest.inputSpec;
  if (spec.modality !== 'audio' || spec.shape.length !== 1) throw new Error(`model "${manifest.id}" does not take mono audio`);
  return spec.shape[0];
}

export function mulawClipsParams(manifest: ModelManifest, key: 'naturalMulaw' | 'heldout'): MulawClipsParams | null {
  const p = manifest.params?.[key] as MulawClipsParams | undefined;
  if (p === undefined) return null;
  if (typeof p.path !== 'string' || !Number.isInteger(p.count) || p.count < 1) {
    throw new Error(`model "${manifest.id}": params.${key} must be {path, count}`);
  }
  if (p.labels !== undefined && p.labels.length !== p.count) {
    throw new Error(`model "${manifest.id}": params.${key} has ${p.labels.length} labels for ${p.count} clips`);
  }
  return p;
}

/** Every clip of params[key], decoded and normalised, in file order. */
export async function loadMulawClips(manifest: ModelManifest, source: ModelSource, key: 'naturalMulaw' | 'heldout'): Promise<Float32Array[]> {
  const p = mulawClipsParams(manifest, key);
  if (!p) throw new Error(`model "${manifest.id}" has no params.${key}`);
  const n = clipLength(manifest);
  const bytes = new Uint8Array(await source.readBinary(`${manifest.id}/${p.path}`));
  if (bytes.length !== p.count * n) {
    throw new Error(`${manifest.id}/${p.path} has ${bytes.length} bytes; ${p.count} clips of ${n} samples need ${p.count * n}`);
  }
  const samples = mulawDecode(bytes);
  return Array.from({ length: p.count }, (_, i) =>
    normaliseClip(samples.subarray(i * n, (i + 1) * n), REFERENCE_RMS, manifest.inputSpec.range),
  );
}

/**
 * `count` distinct natural clips (params.naturalMulaw) in a seeded random order, as [1, samples]
 * tensors (caller disposes). The same seed gives the same clips in the same order.
 */
export async function mulawNaturalStimuli(manifest: ModelManifest, source: ModelSource, count: number, seed: number): Promise<tf.Tensor[]> {
  const clips = await loadMulawClips(manifest, source, 'naturalMulaw');
  if (!Number.isInteger(count) || count < 1 || count > clips.length) {
    throw new Error(`model "${manifest.id}" has ${clips.length} natural clips; cannot draw ${count}`);
  }
  const rng = new Rng(seed);
  const order = clips.map((_, i) => i);
  for (let k = 0; k < count; k++) {
    const r = k + rng.int(order.length - k);
    [order[k], order[r]] = [order[r], order[k]];
  }
  return order.slice(0, count).map((i) => tf.tensor2d(clips[i], [1, clips[i].length]));
}
