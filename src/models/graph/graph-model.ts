/**
 * Builder "graph": a StagedModel over a TF.js GraphModel (a converted TensorFlow graph,
 * model.json + weight shards) whose stages are named nodes of the graph.
 *
 * - The graph is loaded from the manifest-verified bytes with tf.io.fromMemory (no fetch).
 * - forward() runs GraphModel.execute once for all requested stage nodes; execute runs
 *   ordinary eager tfjs ops, so tf.grad / tf.valueAndGrad see them and gradients w.r.t. the
 *   raw input flow through (checked against finite differences in the tests). Two things
 *   make that work everywhere: fused conv nodes are split into primitives in memory (see
 *   unfuse-graph.ts: the fused gradient computes filter gradients eagerly, which wasm cannot),
 *   and wasm gets the DepthwiseConv2dNativeBackpropInput kernel it lacks
 *   (wasm-depthwise-backprop.ts).
 * - Before the graph: clamp-free normalisation (inputSpec.normalization, e.g. x * 255 for a
 *   graph that wants 0..255 pixels) and, optionally, a fixed bilinear resize to the graph's
 *   input size (the graph's placeholder shape is fixed; a smaller raw input keeps metamers
 *   and stored photos small). Both are part of the differentiable model.
 * - Readout: per class, the maximum over positions of one channel of a [1, h, w, C] node
 *   (e.g. a detector's class heatmap logits), for a chosen list of channels.
 * - Fake ReLU is not implemented (ForwardOptions.fakeReluStage is accepted and ignored):
 *   converted graphs fuse their ReLUs into conv kernels, and MobileNetV3 stage outputs are
 *   residual sums or hard-swish, not ReLUs.
 */
import * as tf from '@tensorflow/tfjs';
import type { ClassReadout, StagedModel } from '../../engine/types.ts';
import { stagedModelFromFunction } from '../../engine/staged-model.ts';
import type { ModelManifest, ModelSource } from '../manifest.ts';
import { unfuseConvolutions } from './unfuse-graph.ts';
import { ensureWasmDepthwiseBackprop } from './wasm-depthwise-backprop.ts';

/** manifest.params of a "graph" model. */
export interface GraphModelParams {
  /** TF.js graph-model JSON (model.json format), relative to the model directory. */
  graph: string;
  /** Graph node fed with the (normalised, resized) input. Default: the graph's only input. */
  inputNode?: string;
  /** Stage name -> graph node name; stages keep the order of manifest.stages. */
  stageNodes: Record<string, string>;
  /** Split fused conv nodes into primitives (default true; see unfuse-graph.ts). */
  unfuse?: boolean;
  /** Bilinear resize of the normalised input to [height, width] before the graph (optional). */
  resizeTo?: [number, number];
  readout?: {
    /** Node with a [1, h, w, C] output, e.g. class heatmap logits. */
    node: string;
    /** Channel of `node` for each label, same order as labels (manifest.classes by default). */
    channels: number[];
    labels?: string[];
  };
}

interface GraphJson {
  modelTopology: unknown;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  signature?: unknown;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
}

/** Concatenates weight shards into one buffer, in manifest order. */
function concatShards(shards: ArrayBuffer[]): ArrayBuffer {
  if (shards.length === 1) return shards[0];
  const total = shards.reduce((n, s) => n + s.byteLength, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const s of shards) {
    out.set(new Uint8Array(s), at);
    at += s.byteLength;
  }
  return out.buffer;
}

/** Loads a TF.js graph model from a model directory through a ModelSource. */
export async function loadGraphModelFrom(
  source: ModelSource,
  dir: string,
  graphPath: string,
  options: { unfuse?: boolean } = {},
): Promise<tf.GraphModel> {
  const json = await source.readJson<GraphJson>(`${dir}/${graphPath}`);
  if (!json || typeof json !== 'object' || !json.modelTopology || !Array.isArray(json.weightsManifest)) {
    throw new Error(`${dir}/${graphPath} is not a TF.js graph model (no modelTopology / weightsManifest)`);
  }
  const base = graphPath.includes('/') ? graphPath.slice(0, graphPath.lastIndexOf('/') + 1) : '';
  const shards: ArrayBuffer[] = [];
  for (const group of json.weightsManifest) {
    for (const p of group.paths) shards.push(await source.readBinary(`${dir}/${base}${p}`));
  }
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: (options.unfuse
      ? unfuseConvolutions(json.modelTopology as { node: never[] }).topology
      : json.modelTopology) as tf.io.ModelArtifacts['modelTopology'],
    weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
    weightData: concatShards(shards),
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy ?? null,
    signature: json.signature as object | undefined,
  };
  return tf.loadGraphModel(tf.io.fromMemory(artifacts));
}

/** Names of every node in a loaded graph (for error messages and checks). */
function nodeNames(model: tf.GraphModel): Set<string> {
  const names = new Set<string>();
  // The executor's graph is internal; the public signature lists only inputs and outputs.
  const nodes = (model as unknown as { executor?: { graph?: { nodes?: Record<string, unknown> } } }).executor?.graph?.nodes;
  if (nodes) for (const k of Object.keys(nodes)) names.add(k);
  return names;
}

/** Builds the StagedModel of a "graph" manifest. */
export async function buildGraphModel(manifest: ModelManifest, source: ModelSource): Promise<StagedModel> {
  const params = manifest.params as unknown as GraphModelParams | undefined;
  if (!params || typeof params.graph !== 'string' || typeof params.stageNodes !== 'object') {
    throw new Error(`model "${manifest.id}": params.graph and params.stageNodes are required for builder "graph"`);
  }
  ensureWasmDepthwiseBackprop();
  const graph = await loadGraphModelFrom(source, manifest.id, params.graph, { unfuse: params.unfuse !== false });
  try {
    return stagedModelFromGraph(graph, manifest, params);
  } catch (e) {
    graph.dispose();
    throw e;
  }
}

/** A StagedModel over an already loaded GraphModel (owns it: dispose() disposes the graph). */
export function stagedModelFromGraph(graph: tf.GraphModel, manifest: ModelManifest, params: GraphModelParams): StagedModel {
  const id = manifest.id;
  const stages = manifest.stages.map((s) => s.name);
  const known = nodeNames(graph);
  const inputNode = params.inputNode ?? graph.inputs[0]?.name;
  if (!inputNode) throw new Error(`model "${id}": the graph has no input`);
  if (graph.inputs.length !== 1 && params.inputNode === undefined) {
    throw new Error(`model "${id}": the graph has ${graph.inputs.length} inputs; set params.inputNode`);
  }
  const check = (node: string, what: string) => {
    if (known.size > 0 && !known.has(node)) throw new Error(`model "${id}": ${what} node "${node}" is not in the graph`);
  };
  check(inputNode, 'input');
  for (const s of stages) {
    const node = params.stageNodes[s];
    if (typeof node !== 'string') throw new Error(`model "${id}": stage "${s}" has no entry in params.stageNodes`);
    check(node, `stage "${s}"`);
  }

  /** Normalised raw input -> the tensor the graph's input node receives. */
  const graphInput = (x: tf.Tensor): tf.Tensor =>
    params.resizeTo ? tf.image.resizeBilinear(x as tf.Tensor4D, params.resizeTo) : x;

  /** One execute for a set of nodes; returns node -> tensor. Duplicate nodes are computed once. */
  const run = (x: tf.Tensor, nodes: string[]): Map<string, tf.Tensor> => {
    const unique = [...new Set(nodes)];
    const out = graph.execute({ [inputNode]: graphInput(x) }, unique);
    const list = Array.isArray(out) ? out : [out];
    return new Map(unique.map((n, i) => [n, list[i]]));
  };

  let readout: ClassReadout | undefined;
  if (params.readout) {
    const r = params.readout;
    check(r.node, 'readout');
    const labels = r.labels ?? manifest.classes;
    if (!labels || labels.length !== r.channels.length) {
      throw new Error(`model "${id}": readout needs one label per channel (${r.channels.length} channels)`);
    }
    readout = {
      labels,
      logits(xn) {
        const heat = run(xn, [r.node]).get(r.node)!;
        const channels = heat.shape[heat.shape.length - 1];
        if (heat.rank !== 4 || r.channels.some((c) => !Number.isInteger(c) || c < 0 || c >= channels)) {
          throw new Error(`model "${id}": readout node output [${heat.shape}] does not have channels [${r.channels}]`);
        }
        const peak = tf.max(heat, [1, 2]); // [1, C]
        // slice + concat rather than gather: gather has no gradient on the wasm backend.
        return tf.concat(r.channels.map((c) => tf.slice(peak, [0, c], [1, 1])), 1);
      },
    };
  }

  return stagedModelFromFunction({
    id,
    stages,
    inputSpec: manifest.inputSpec,
    forward(xn, requested) {
      const values = run(xn, requested.map((s) => params.stageNodes[s]));
      return Object.fromEntries(requested.map((s) => [s, values.get(params.stageNodes[s])!]));
    },
    readout,
    dispose: () => graph.dispose(),
  });
}
