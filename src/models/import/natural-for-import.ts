/**
 * Natural stimuli for an imported model's null distribution, from what the app already ships:
 * - images: random crops of the bundled RGB photos of the `centernet` model
 *   (models/centernet/natural/*.png, listed in its manifest's params.natural), each crop a
 *   random square-ish window (half to all of the photo's shorter side, the input's aspect
 *   ratio), flipped left-right with probability 1/2, resized to the input size (box-averaged
 *   first when shrinking 2x or more, then bilinear), grey models get the Rec. 601 luminance;
 * - audio: 2-s, 20-kHz clips of `cochcnn9-words`'s natural set (natural.mulaw).
 * Values are in inputSpec.range. `groups[i]` is the photo (or clip) stimulus i came from, for
 * the null builder's `groups` option (no pair of crops of one photo).
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../engine/random.ts';
import type { InputSpec } from '../../engine/types.ts';
import type { ModelManifest, ModelSource } from '../manifest.ts';
import { cropImage, decodePng, type PixelImage } from '../png-image.ts';
import { mulawClipsParams } from '../cochcnn/mulaw-clips.ts';
import { mulawDecode } from '../cochcnn/mulaw.ts';
import { normaliseClip, REFERENCE_RMS } from '../spectemp/natural-audio.ts';

export const IMAGE_SOURCE_MODEL = 'centernet';
export const AUDIO_SOURCE_MODEL = 'cochcnn9-words';
/** Crops span this fraction (at least) of the photo's limiting side. */
const MIN_CROP_FRACTION = 0.5;

export interface ImportNatural {
  /** [1, ...inputSpec.shape] each; the caller disposes. */
  stimuli: tf.Tensor[];
  groups: number[];
  /** What the stimuli are, for the null file's `source`. */
  description: string;
}

async function sourceManifest(id: string, source: ModelSource): Promise<ModelManifest> {
  return source.readJson<ModelManifest>(`${id}/manifest.json`);
}

/** One crop of `img` resized to [h, w]; `img` already holds the wanted channels and range. */
function cropResized(img: PixelImage, rng: Rng, h: number, w: number): tf.Tensor {
  const c = img.channels;
  // The largest window of the input's aspect ratio, then a random scale and position.
  const fit = Math.min(img.height / h, img.width / w);
  const scale = fit * (MIN_CROP_FRACTION + (1 - MIN_CROP_FRACTION) * rng.uniform());
  const ch = Math.max(1, Math.min(img.height, Math.round(h * scale)));
  const cw = Math.max(1, Math.min(img.width, Math.round(w * scale)));
  const top = rng.int(img.height - ch + 1);
  const left = rng.int(img.width - cw + 1);
  const flip = rng.uniform() < 0.5;
  const crop = cropImage(img, top, left, ch, cw);
  return tf.tidy(() => {
    let x = tf.tensor3d(crop, [ch, cw, c]);
    if (flip) x = tf.reverse(x, 1);
    const factor = Math.floor(Math.min(ch / h, cw / w));
    if (factor >= 2) x = tf.avgPool(x, factor, factor, 'valid');
    if (x.shape[0] !== h || x.shape[1] !== w) x = tf.image.resizeBilinear(x, [h, w], false, true);
    return x.reshape([1, h, w, c]);
  });
}

async function imageStimuli(spec: InputSpec, count: number, seed: number, source: ModelSource): Promise<ImportNatural> {
  const [h, w, c] = spec.shape;
  if (spec.shape.length !== 3 || (c !== 1 && c !== 3)) {
    throw new Error(`natural images need an image input of 1 or 3 channels [H, W, C], the model takes [${spec.shape}]`);
  }
  const manifest = await sourceManifest(IMAGE_SOURCE_MODEL, source);
  const paths = (manifest.params?.natural as string[] | undefined) ?? [];
  if (paths.length === 0) throw new Error(`model "${IMAGE_SOURCE_MODEL}" lists no natural photos (params.natural)`);
  // Photos are decoded on first use (a small pool touches only a few of them).
  const photos = new Map<number, PixelImage>();
  const photo = async (k: number) => {
    if (!photos.has(k)) photos.set(k, decodePng(await source.readBinary(`${IMAGE_SOURCE_MODEL}/${paths[k]}`), c as 1 | 3, spec.range));
    return photos.get(k)!;
  };
  const rng = new Rng(seed);
  const stimuli: tf.Tensor[] = [];
  const groups: number[] = [];
  try {
    for (let n = 0; n < count; n++) {
      const k = rng.int(paths.length);
      stimuli.push(cropResized(await photo(k), rng, h, w));
      groups.push(k);
    }
  } catch (e) {
    tf.dispose(stimuli);
    throw e;
  }
  const [lo, hi] = spec.range;
  return {
    stimuli,
    groups,
    description: `random crops (${MIN_CROP_FRACTION * 100}-100% of the shorter side, random flips) of the ${paths.length} natural photos of ${IMAGE_SOURCE_MODEL}, resized to ${w}x${h}${c === 1 ? ', luminance' : ''}, range [${lo}, ${hi}]`,
  };
}

async function audioStimuli(spec: InputSpec, count: number, seed: number, source: ModelSource): Promise<ImportNatural> {
  const manifest = await sourceManifest(AUDIO_SOURCE_MODEL, source);
  const want = manifest.inputSpec;
  if (spec.shape.length !== 1 || spec.shape[0] !== want.shape[0] || (spec.sampleRate ?? 20000) !== want.sampleRate) {
    throw new Error(`natural audio clips are ${want.shape[0]} samples at ${want.sampleRate} Hz; the model takes [${spec.shape}] at ${spec.sampleRate ?? '?'} Hz`);
  }
  const p = mulawClipsParams(manifest, 'naturalMulaw');
  if (!p) throw new Error(`model "${AUDIO_SOURCE_MODEL}" lists no natural clips (params.naturalMulaw)`);
  if (count > p.count) throw new Error(`the bundled natural audio has ${p.count} clips; cannot draw ${count} (use fewer pairs or a smaller --pool)`);
  const n = want.shape[0];
  const bytes = new Uint8Array(await source.readBinary(`${AUDIO_SOURCE_MODEL}/${p.path}`));
  if (bytes.length !== p.count * n) throw new Error(`${AUDIO_SOURCE_MODEL}/${p.path} has ${bytes.length} bytes; ${p.count} clips of ${n} samples need ${p.count * n}`);
  // A seeded choice of distinct clips; only those are decoded.
  const rng = new Rng(seed);
  const order = Array.from({ length: p.count }, (_, i) => i);
  for (let k = 0; k < count; k++) {
    const r = k + rng.int(order.length - k);
    [order[k], order[r]] = [order[r], order[k]];
  }
  const chosen = order.slice(0, count);
  const stimuli = chosen.map((i) => {
    // The spec's reference format: mean removed, RMS 0.1, clamped to the input range.
    const clip = normaliseClip(mulawDecode(bytes.subarray(i * n, (i + 1) * n)), REFERENCE_RMS, spec.range);
    return tf.tensor2d(clip, [1, n]);
  });
  return {
    stimuli,
    groups: chosen,
    description: `2-s clips of the natural set of ${AUDIO_SOURCE_MODEL} (${p.path}: ${p.description ?? `${p.count} clips`}), mean removed, RMS ${REFERENCE_RMS}`,
  };
}

/** `count` natural stimuli for an imported model (see the file comment); `builtinSource` serves models/. */
export async function importNaturalStimuli(inputSpec: InputSpec, count: number, seed: number, builtinSource: ModelSource): Promise<ImportNatural> {
  if (!Number.isInteger(count) || count < 2) throw new Error(`need at least 2 natural stimuli, asked for ${count}`);
  return inputSpec.modality === 'audio'
    ? audioStimuli(inputSpec, count, seed, builtinSource)
    : imageStimuli(inputSpec, count, seed, builtinSource);
}
