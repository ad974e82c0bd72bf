/**
 * The built-in models: listing their manifests, loading one (verified weights -> builder ->
 * StagedModel, plus its stored null distribution), and the natural stimuli and bundled
 * references that go with it. Works in Node and the browser through a ModelSource.
 */
import * as tf from '@tensorflow/tfjs';
import type { NullDistribution, StagedModel } from '../engine/types.ts';
import { Rng } from '../engine/random.ts';
import { sha256Hex } from '../io/sha256.ts';
import type { LoadedModel, ModelManifest, ModelSource } from './manifest.ts';
import { buildHmaxModel } from './hmax/hmax-model.ts';
import { installFastWasmConvBackprop } from './wasm-conv-backprop-input.ts';
import { buildSpectempModel } from './spectemp/spectemp-model.ts';
import { loadSpeechReference, speechStimuli } from './spectemp/natural-audio.ts';
import { cropImage, decodePng, type PixelImage } from './png-image.ts';
import { buildLayersModel } from './layers/layers-model.ts';
import { buildGraphModel } from './graph/graph-model.ts';
import { buildOnnxModel } from './onnx/onnx-model.ts';
import { naturalArrayParams, naturalArrayStimuli } from './layers/natural-array.ts';
import { buildCochCnnModel } from './cochcnn/cochcnn-model.ts';
import { mulawClipsParams, mulawNaturalStimuli } from './cochcnn/mulaw-clips.ts';

export const BUILTIN_MODEL_IDS: readonly string[] = ['hmax', 'spectemp', 'fmnist-alexnet', 'fmnist-alexnet-robust', 'centernet', 'cochcnn9-words', 'fmnist-alexnet-seed1', 'fmnist-alexnet-seed2', 'fmnist-alexnet-robust-seed1', 'fmnist-resnet'];

export type ModelBuilder = (manifest: ModelManifest, source: ModelSource) => Promise<StagedModel>;

/** manifest.builder -> the function that turns manifest + files into a StagedModel. */
export const BUILDERS: Record<string, ModelBuilder> = {
  hmax: buildHmaxModel,
  spectemp: buildSpectempModel,
  layers: buildLayersModel,
  graph: buildGraphModel,
  onnx: buildOnnxModel,
  cochcnn: buildCochCnnModel,
};

function corrupt(id: string, why: string): Error {
  return new Error(`corrupt manifest for model "${id}": ${why}`);
}

/** Checks the fields every consumer relies on; throws a clear error naming the first problem. */
export function validateManifest(m: unknown, id: string): ModelManifest {
  if (typeof m !== 'object' || m === null) throw corrupt(id, 'not a JSON object');
  const o = m as Record<string, unknown>;
  if (o.format !== 'metamer-model/1') throw corrupt(id, `format is ${JSON.stringify(o.format)}, expected "metamer-model/1"`);
  if (o.id !== id) throw corrupt(id, `id is ${JSON.stringify(o.id)}`);
  for (const key of ['name', 'builder', 'provenance', 'licence'] as const) {
    if (typeof o[key] !== 'string') throw corrupt(id, `missing string field "${key}"`);
  }
  if (!Array.isArray(o.stages) || o.stages.length === 0) throw corrupt(id, 'missing stages');
  for (const s of o.stages as unknown[]) {
    const st = s as { name?: unknown; shape?: unknown };
    if (typeof st?.name !== 'string' || !Array.isArray(st.shape)) throw corrupt(id, 'a stage lacks name or shape');
  }
  const spec = o.inputSpec as { shape?: unknown; range?: unknown; init?: unknown } | undefined;
  if (!spec || !Array.isArray(spec.shape) || !Array.isArray(spec.range) || typeof spec.init !== 'object') {
    throw corrupt(id, 'missing or incomplete inputSpec');
  }
  if (!Array.isArray(o.weights)) throw corrupt(id, 'missing weights list');
  if (!Array.isArray(o.references)) throw corrupt(id, 'missing references list');
  return m as ModelManifest;
}

export async function readManifest(id: string, source: ModelSource): Promise<ModelManifest> {
  if (!BUILTIN_MODEL_IDS.includes(id)) {
    throw new Error(`unknown built-in model "${id}" (available: ${BUILTIN_MODEL_IDS.join(', ')})`);
  }
  return validateManifest(await source.readJson(`${id}/manifest.json`), id);
}

export async function listBuiltinModels(source: ModelSource): Promise<ModelManifest[]> {
  return Promise.all(BUILTIN_MODEL_IDS.map((id) => readManifest(id, source)));
}

/**
 * Reads every weight file of a manifest, checks its size and SHA-256, and returns a source
 * that serves those verified bytes to the builder (so they are read once).
 */
async function verifiedSource(manifest: ModelManifest, source: ModelSource): Promise<ModelSource> {
  const verified = new Map<string, ArrayBuffer>();
  for (const w of manifest.weights) {
    const path = `${manifest.id}/${w.path}`;
    const data = await source.readBinary(path);
    if (data.byteLength !== w.bytes) {
      throw new Error(`model file ${path} has ${data.byteLength} bytes, manifest says ${w.bytes} (corrupt or stale file)`);
    }
    const hash = await sha256Hex(new Uint8Array(data));
    if (hash !== w.sha256) {
      throw new Error(`model file ${path} fails its SHA-256 check (got ${hash}, manifest says ${w.sha256})`);
    }
    verified.set(path, data);
  }
  return {
    readJson: (path) => source.readJson(path),
    readBinary: async (path) => verified.get(path) ?? source.readBinary(path),
  };
}

export async function loadBuiltinModel(id: string, source: ModelSource): Promise<LoadedModel> {
  return loadModelFromManifest(await readManifest(id, source), source);
}

/**
 * Builds any model from its manifest and a source holding its files (paths `<id>/<file>`):
 * the built-in models, and imported ones (an in-memory source over the user's files). The
 * weights are size- and SHA-256-checked; the null, if the manifest names one, is read too.
 */
export async function loadModelFromManifest(manifest: ModelManifest, source: ModelSource): Promise<LoadedModel> {
  const id = manifest.id;
  const build = BUILDERS[manifest.builder];
  if (!build) throw corrupt(id, `unknown builder "${manifest.builder}" (known: ${Object.keys(BUILDERS).join(', ')})`);
  const files = await verifiedSource(manifest, source);
  let nullDistribution: NullDistribution | null = null;
  if (manifest.null) {
    nullDistribution = await source.readJson<NullDistribution>(`${id}/${manifest.null}`);
    if (nullDistribution?.format !== 'metamer-null/1') {
      throw new Error(`null distribution ${id}/${manifest.null} has format ${JSON.stringify(nullDistribution?.format)}, expected "metamer-null/1"`);
    }
  }
  installFastWasmConvBackprop(); // wasm's convolution input gradient as XNNPACK forward convs
  const model = await build(manifest, files);
  return { manifest, model, nullDistribution };
}

/** Model's channel count and range as decodePng wants them. */
function imageFormat(manifest: ModelManifest): { h: number; w: number; c: 1 | 3 } {
  const [h, w, c] = manifest.inputSpec.shape;
  if (manifest.inputSpec.modality !== 'image' || (c !== 1 && c !== 3)) {
    throw new Error(`model "${manifest.id}" does not take images of 1 or 3 channels`);
  }
  return { h, w, c };
}

async function readImage(manifest: ModelManifest, source: ModelSource, path: string): Promise<PixelImage> {
  const { c } = imageFormat(manifest);
  const bytes = await source.readBinary(`${manifest.id}/${path}`);
  return decodePng(bytes, c, manifest.inputSpec.range);
}

/**
 * `count` random crops of the model's input size from the model's natural photos
 * (manifest.params.natural: PNG paths relative to the model directory), seeded: each crop
 * picks a photo, a position and (with probability 1/2) a left-right flip. Each tensor is
 * [1, ...inputSpec.shape] in the model's raw range; `photo[i]` is the index (into
 * params.natural) of the photo crop i came from, so a null builder can skip pairs of
 * overlapping crops of the same photo. Caller disposes.
 */
export async function naturalCrops(
  manifest: ModelManifest,
  source: ModelSource,
  count: number,
  seed: number,
): Promise<{ stimuli: tf.Tensor[]; photo: number[] }> {
  const { h, w, c } = imageFormat(manifest);
  const paths = (manifest.params?.natural as string[] | undefined) ?? [];
  if (paths.length === 0) throw new Error(`model "${manifest.id}" lists no natural images (params.natural)`);
  const images = await Promise.all(paths.map((p) => readImage(manifest, source, p)));
  for (const [i, img] of images.entries()) {
    if (img.height < h || img.width < w) throw new Error(`natural image ${paths[i]} is smaller than ${h}x${w}`);
  }
  const rng = new Rng(seed);
  const stimuli: tf.Tensor[] = [];
  const photo: number[] = [];
  for (let n = 0; n < count; n++) {
    const index = rng.int(images.length);
    const img = images[index];
    const top = rng.int(img.height - h + 1);
    const left = rng.int(img.width - w + 1);
    const crop = cropImage(img, top, left, h, w);
    if (rng.uniform() < 0.5) flipLeftRight(crop, h, w, c);
    stimuli.push(tf.tensor(crop, [1, h, w, c]));
    photo.push(index);
  }
  return { stimuli, photo };
}

/** The tensors of naturalCrops (see there). Caller disposes. */
export async function naturalStimuli(
  manifest: ModelManifest,
  source: ModelSource,
  count: number,
  seed: number,
): Promise<tf.Tensor[]> {
  if (manifest.inputSpec.modality === 'audio') {
    // Many clips ship as one 8-bit mu-law file (cochcnn9-words); otherwise WAV files.
    if (mulawClipsParams(manifest, 'naturalMulaw')) return mulawNaturalStimuli(manifest, source, count, seed);
    return speechStimuli(manifest, source, count, seed);
  }
  // Models trained on a small-image data set ship a sample of it as one uint8 array.
  if (naturalArrayParams(manifest)) return naturalArrayStimuli(manifest, source, count, seed);
  return (await naturalCrops(manifest, source, count, seed)).stimuli;
}

function flipLeftRight(data: Float32Array, h: number, w: number, c: number): void {
  for (let r = 0; r < h; r++) {
    for (let x = 0; x < w / 2; x++) {
      const a = (r * w + x) * c;
      const b = (r * w + (w - 1 - x)) * c;
      for (let k = 0; k < c; k++) {
        const t = data[a + k];
        data[a + k] = data[b + k];
        data[b + k] = t;
      }
    }
  }
}

/**
 * Bundled reference `index` (manifest.references, 0 = default) as [1, ...inputSpec.shape] in
 * the model's raw range; centre-cropped if the file is larger than the input. Caller disposes.
 */
export async function loadReference(manifest: ModelManifest, source: ModelSource, index = 0): Promise<tf.Tensor> {
  const ref = manifest.references[index];
  if (!ref) throw new Error(`model "${manifest.id}" has no reference #${index} (it has ${manifest.references.length})`);
  if (manifest.inputSpec.modality === 'audio') return loadSpeechReference(manifest, source, index);
  const { h, w, c } = imageFormat(manifest);
  const img = await readImage(manifest, source, ref.path);
  if (img.height < h || img.width < w) {
    throw new Error(`reference ${ref.path} is ${img.height}x${img.width}, smaller than the input ${h}x${w}`);
  }
  const crop = cropImage(img, Math.floor((img.height - h) / 2), Math.floor((img.width - w) / 2), h, w);
  return tf.tensor(crop, [1, h, w, c]);
}
