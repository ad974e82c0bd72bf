/**
 * The `layers` builder: a Keras-style TF.js LayersModel (`model.json` + weight files, written
 * by a training script) turned into a StagedModel. The bytes come from the ModelSource the
 * registry hands over, i.e. the SHA-256-verified files of manifest.weights, so the model that
 * runs is exactly the one the manifest describes.
 *
 * manifest.params (see LayersModelParams): `modelJson`, the stage -> layer-name map and the
 * readout layer. manifest.classes become the readout's labels.
 *
 * Sequential models run as plain tfjs ops (sequential-ops.ts: a Conv2D layer's own call()
 * cannot be differentiated w.r.t. its input on the wasm backend); other topologies go through
 * stagedModelFromLayersModel.
 */
import * as tf from '@tensorflow/tfjs';
import { stagedModelFromFunction, stagedModelFromLayersModel } from '../../engine/staged-model.ts';
import type { StagedModel } from '../../engine/types.ts';
import type { ModelManifest, ModelSource } from '../manifest.ts';
import { opsChain, runOps, sequentialOps } from './sequential-ops.ts';

export interface LayersModelParams {
  /** Path of the Keras-style model.json, relative to models/<id>/. Weight paths are relative to it. */
  modelJson: string;
  /** Stage name -> name of the layer whose output is that stage. */
  stageLayers: Record<string, string>;
  /** Layer whose output is the class logits (default: the model's output). */
  readoutLayer?: string;
}

interface LayersModelJson {
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

function bad(id: string, why: string): Error {
  return new Error(`model "${id}" (layers builder): ${why}`);
}

/** The builder's params, checked. */
export function layersParams(manifest: ModelManifest): LayersModelParams {
  const p = (manifest.params ?? {}) as Partial<LayersModelParams>;
  if (typeof p.modelJson !== 'string' || p.modelJson.length === 0) throw bad(manifest.id, 'params.modelJson is missing');
  const map = p.stageLayers;
  if (!map || typeof map !== 'object' || Object.values(map).some((v) => typeof v !== 'string')) {
    throw bad(manifest.id, 'params.stageLayers must map stage names to layer names');
  }
  const listed = manifest.stages.map((s) => s.name);
  const mapped = Object.keys(map);
  if (listed.length !== mapped.length || listed.some((s) => !(s in map))) {
    throw bad(manifest.id, `params.stageLayers names [${mapped.join(', ')}] but the manifest lists stages [${listed.join(', ')}]`);
  }
  if (p.readoutLayer !== undefined && typeof p.readoutLayer !== 'string') throw bad(manifest.id, 'params.readoutLayer must be a string');
  return { modelJson: p.modelJson, stageLayers: map, readoutLayer: p.readoutLayer };
}

function parentDir(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i + 1);
}

function concat(buffers: ArrayBuffer[]): ArrayBuffer {
  if (buffers.length === 1) return buffers[0];
  const out = new Uint8Array(buffers.reduce((n, b) => n + b.byteLength, 0));
  let at = 0;
  for (const b of buffers) {
    out.set(new Uint8Array(b), at);
    at += b.byteLength;
  }
  return out.buffer;
}

/** Loads the LayersModel of a manifest from the source (model.json read as bytes: verified). */
export async function loadLayersModelFiles(manifest: ModelManifest, source: ModelSource): Promise<tf.LayersModel> {
  const { modelJson } = layersParams(manifest);
  const base = `${manifest.id}/`;
  let json: LayersModelJson;
  try {
    json = JSON.parse(new TextDecoder().decode(await source.readBinary(base + modelJson))) as LayersModelJson;
  } catch (e) {
    throw bad(manifest.id, `${modelJson} is not valid JSON: ${(e as Error).message}`);
  }
  if (!json.modelTopology || !Array.isArray(json.weightsManifest)) {
    throw bad(manifest.id, `${modelJson} lacks modelTopology or weightsManifest`);
  }
  const dir = parentDir(modelJson);
  const paths = json.weightsManifest.flatMap((g) => g.paths);
  const weightSpecs = json.weightsManifest.flatMap((g) => g.weights);
  const weightData = concat(await Promise.all(paths.map((p) => source.readBinary(base + dir + p))));
  const expected = weightSpecs.reduce((n, s) => n + 4 * s.shape.reduce((a, b) => a * b, 1), 0);
  if (weightSpecs.some((s) => s.dtype !== 'float32') || weightData.byteLength !== expected) {
    throw bad(manifest.id, `weights hold ${weightData.byteLength} bytes; the float32 weight specs need ${expected}`);
  }
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs, weightData }));
}

/** A StagedModel running a Sequential LayersModel's layers as plain ops (see sequential-ops.ts). */
export function stagedModelFromSequential(model: tf.LayersModel, manifest: ModelManifest, params: LayersModelParams): StagedModel {
  const ops = sequentialOps(model);
  const indexOf = (layerName: string, what: string): number => {
    const k = ops.findIndex((o) => o.name === layerName);
    if (k < 0) throw bad(manifest.id, `${what} layer "${layerName}" not found; layers: ${ops.map((o) => o.name).join(', ')}`);
    return k;
  };
  const stageOp = new Map(manifest.stages.map((s) => [s.name, indexOf(params.stageLayers[s.name], `stage "${s.name}":`)]));
  const order = [...stageOp.entries()].sort((a, b) => a[1] - b[1]).map(([s]) => s);
  const readoutAt = indexOf(params.readoutLayer ?? ops[ops.length - 1].name, 'readout');
  const labels = manifest.classes;
  if (labels && model.outputs[0].shape[1] !== labels.length && readoutAt === ops.length - 1) {
    throw bad(manifest.id, `${labels.length} classes for a model with ${model.outputs[0].shape[1]} outputs`);
  }
  return stagedModelFromFunction({
    id: manifest.id,
    stages: order,
    inputSpec: manifest.inputSpec,
    forward(x, stages, opts) {
      const ks = stages.map((s) => stageOp.get(s)!);
      const fakeAt = opts.fakeReluStage === undefined ? -1 : stageOp.get(opts.fakeReluStage)!;
      const values = runOps(ops, x, new Set(ks), fakeAt);
      return Object.fromEntries(stages.map((s, i) => [s, values.get(ks[i])!]));
    },
    readout: labels
      ? { labels, logits: (x) => runOps(ops, x, new Set([readoutAt]), -1).get(readoutAt)! }
      : undefined,
    chain: opsChain(ops, order, order.map((s) => stageOp.get(s)!)),
    dispose: () => model.dispose(),
  });
}

/** ModelBuilder for manifest.builder === 'layers'. */
export async function buildLayersModel(manifest: ModelManifest, source: ModelSource): Promise<StagedModel> {
  const params = layersParams(manifest);
  const model = await loadLayersModelFiles(manifest, source);
  let staged: StagedModel;
  try {
    staged =
      model.getClassName() === 'Sequential'
        ? stagedModelFromSequential(model, manifest, params)
        : stagedModelFromLayersModel(model, {
            id: manifest.id,
            stageLayers: params.stageLayers,
            inputSpec: manifest.inputSpec,
            readoutLayer: params.readoutLayer,
            labels: manifest.classes,
          });
  } catch (e) {
    model.dispose();
    throw e;
  }
  const order = manifest.stages.map((s) => s.name);
  if (staged.stages.join('\n') !== order.join('\n')) {
    staged.dispose();
    throw bad(manifest.id, `the layers give the stage order [${staged.stages.join(', ')}], the manifest [${order.join(', ')}]`);
  }
  return staged;
}
