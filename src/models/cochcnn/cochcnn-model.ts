/**
 * The `cochcnn` builder: the project's differentiable cochleagram (src/audio/cochleagram.ts,
 * spec section 5) followed by a trained Sequential conv net stored as a Keras-style TF.js
 * LayersModel (model.json + weights.bin, written by scripts/models/cochcnn_words/export_tfjs.py):
 *   raw audio [1, 40000] in [-1, 1] (20 kHz, no normalisation)
 *   -> cochleagram [1, 211, 390] -> as an image [1, 211, 390, 1] (channels-last, one channel)
 *   -> the net's layers run as plain ops (../layers/sequential-ops.ts), stages relu0..final.
 * The first stage, `cochleagram`, is the front end's output; the others are layer outputs
 * (params.stageLayers). The readout is the net's output (word logits, manifest.classes).
 */
import * as tf from '@tensorflow/tfjs';
import { Cochleagram } from '../../audio/cochleagram.ts';
import type { CochleagramConfig } from '../../audio/cochleagram-config.ts';
import { stagedModelFromFunction } from '../../engine/staged-model.ts';
import type { StagedModel } from '../../engine/types.ts';
import type { ModelManifest, ModelSource } from '../manifest.ts';
import { loadLayersModelFiles } from '../layers/layers-model.ts';
import { runOps, sequentialOps } from '../layers/sequential-ops.ts';

export const COCHLEAGRAM_STAGE = 'cochleagram';

export interface CochCnnParams {
  /** Keras-style model.json of the net after the cochleagram, relative to models/<id>/. */
  modelJson: string;
  /** Net stage name -> name of the layer whose output it is (every stage but `cochleagram`). */
  stageLayers: Record<string, string>;
  /** Cochleagram overrides (default: the paper's, spec section 5). */
  cochleagram?: Partial<CochleagramConfig>;
}

function bad(id: string, why: string): Error {
  return new Error(`model "${id}" (cochcnn builder): ${why}`);
}

export function cochCnnParams(manifest: ModelManifest): CochCnnParams {
  const p = (manifest.params ?? {}) as Partial<CochCnnParams>;
  if (typeof p.modelJson !== 'string') throw bad(manifest.id, 'params.modelJson is missing');
  if (!p.stageLayers || typeof p.stageLayers !== 'object') throw bad(manifest.id, 'params.stageLayers is missing');
  if (manifest.stages[0]?.name !== COCHLEAGRAM_STAGE) throw bad(manifest.id, `the first stage must be "${COCHLEAGRAM_STAGE}"`);
  return { modelJson: p.modelJson, stageLayers: p.stageLayers, cochleagram: p.cochleagram };
}

/** ModelBuilder for manifest.builder === 'cochcnn'. */
export async function buildCochCnnModel(manifest: ModelManifest, source: ModelSource): Promise<StagedModel> {
  const params = cochCnnParams(manifest);
  // The net alone, as the layers builder sees it: its stages are every stage but the cochleagram.
  const netManifest: ModelManifest = {
    ...manifest,
    stages: manifest.stages.slice(1),
    params: { modelJson: params.modelJson, stageLayers: params.stageLayers },
  };
  const net = await loadLayersModelFiles(netManifest, source);
  const cochleagram = new Cochleagram(params.cochleagram ?? {});
  try {
    const ops = sequentialOps(net);
    const opIndex = new Map<string, number>();
    for (const s of netManifest.stages) {
      const k = ops.findIndex((o) => o.name === params.stageLayers[s.name]);
      if (k < 0) throw bad(manifest.id, `stage "${s.name}": layer "${params.stageLayers[s.name]}" not found`);
      opIndex.set(s.name, k);
    }
    const finalOp = ops.length - 1;
    const labels = manifest.classes;
    const outputs = net.outputs[0].shape[1];
    if (labels && outputs !== labels.length) throw bad(manifest.id, `${labels.length} classes for a net with ${outputs} outputs`);
    const asImage = (coch: tf.Tensor) => tf.expandDims(coch, 3); // [1, C, T] -> [1, C, T, 1]
    // No StageChain (batched all-stages runs): the cochleagram, most of a step's time, is a batch-1
    // transform, so a batch would run it image by image anyway while holding every image's
    // cochleagram tape at once; measured on wasm that was slower (0.87x) than the stages one after
    // another, which is how an all-stages batch of this model runs.
    return stagedModelFromFunction({
      id: manifest.id,
      stages: manifest.stages.map((s) => s.name),
      inputSpec: manifest.inputSpec,
      normalize: false,
      forward(x, stages, opts) {
        // The cochleagram's compression always has the fake-ReLU max (spec section 5).
        const coch = cochleagram.apply(x);
        const netStages = stages.filter((s) => s !== COCHLEAGRAM_STAGE);
        const out: Record<string, tf.Tensor> = {};
        if (stages.includes(COCHLEAGRAM_STAGE)) out[COCHLEAGRAM_STAGE] = coch;
        if (netStages.length > 0) {
          const keep = new Set(netStages.map((s) => opIndex.get(s)!));
          const fakeAt = opts.fakeReluStage === undefined ? -1 : (opIndex.get(opts.fakeReluStage) ?? -1);
          const values = runOps(ops, asImage(coch), keep, fakeAt);
          for (const s of netStages) out[s] = values.get(opIndex.get(s)!)!;
        }
        return out;
      },
      readout: labels
        ? { labels, logits: (x) => runOps(ops, asImage(cochleagram.apply(x)), new Set([finalOp]), -1).get(finalOp)! }
        : undefined,
      dispose() {
        net.dispose();
        cochleagram.dispose();
      },
    });
  } catch (e) {
    net.dispose();
    cochleagram.dispose();
    throw e;
  }
}
