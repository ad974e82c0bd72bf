/**
 * The TF.js side of an import: a LayersModel (Keras-style model.json, format "layers-model")
 * or a GraphModel (converted TensorFlow graph, format "graph-model") plus its weight shards.
 * Checks that every shard listed in model.json was given and holds the bytes its weights
 * need, loads the model once to learn its input and stage shapes, and lists candidate stages:
 * ReLU outputs, merges (Add with two activations), pools and the final output. Names are the
 * layer / node names of the file (Keras and TensorFlow names are meaningful, unlike PyTorch's).
 */
import * as tf from '@tensorflow/tfjs';
import { unfuseConvolutions } from '../graph/unfuse-graph.ts';
import { guessInput } from './input-guess.ts';
import type { ImportDraft, ImportFile } from './import-draft.ts';
import type { CandidateStage, StageKind } from './stage-discovery.ts';

interface WeightGroup {
  paths: string[];
  weights: { name: string; shape: number[]; dtype: string; quantization?: { dtype: string } }[];
}

interface TfjsModelJson {
  format?: string;
  modelTopology?: Record<string, unknown> & { node?: GraphNode[]; class_name?: string; model_config?: unknown };
  weightsManifest?: WeightGroup[];
  signature?: { outputs?: Record<string, { name?: string }> };
  generatedBy?: string;
  convertedBy?: string | null;
}

interface GraphNode {
  name: string;
  op: string;
  input?: string[];
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, int8: 1, uint16: 2, int16: 2, float16: 2, complex64: 8 };
const SUGGESTED_AT_MOST = 8;

function parseJson(bytes: ArrayBuffer): unknown {
  return JSON.parse(new TextDecoder().decode(bytes));
}

/** Is this the model.json of a TF.js model (modelTopology + weightsManifest)? */
export function isTfjsModelJson(bytes: ArrayBuffer): boolean {
  try {
    const j = parseJson(bytes) as TfjsModelJson;
    return typeof j === 'object' && j !== null && typeof j.modelTopology === 'object' && Array.isArray(j.weightsManifest);
  } catch {
    return false;
  }
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function dirName(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i + 1);
}

function entryBytes(w: WeightGroup['weights'][number]): number {
  if (typeof w !== 'object' || w === null || typeof w.name !== 'string' || typeof w.dtype !== 'string') {
    throw new Error(`weightsManifest entry ${JSON.stringify(w)?.slice(0, 80)} needs a "name", a "shape" and a "dtype"`);
  }
  const dtype = w.quantization?.dtype ?? w.dtype;
  const per = BYTES[dtype];
  if (per === undefined) throw new Error(`weight "${w.name}" has dtype "${dtype}", which TF.js cannot load`);
  if (!Array.isArray(w.shape) || w.shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw new Error(`weight "${w.name}" has shape ${JSON.stringify(w.shape)}: dims must be whole numbers >= 0`);
  }
  return per * w.shape.reduce((a, b) => a * b, 1);
}

/**
 * A weightsManifest path must name a file inside the model's folder: relative, without ".."
 * segments, backslashes or a drive letter. Otherwise a model.json could make the CLI read any
 * file on the machine (../../etc/passwd, /dev/zero, which never ends).
 */
export function shardPathProblem(path: unknown): string | null {
  if (typeof path !== 'string' || path === '') return 'is not a file name';
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) return 'is an absolute path (weight shards must sit in the model\'s folder)';
  if (path.includes('\\')) return 'uses backslashes (separate folders with "/")';
  if (path.split('/').some((part) => part === '..')) return 'leaves the model\'s folder ("..")';
  if (path.split('/').some((part) => part === '')) return 'has an empty path segment';
  return null;
}

/** Checks every path of the weightsManifest (see shardPathProblem); `jsonName` names the file. */
export function checkShardPaths(json: { weightsManifest?: unknown }, jsonName: string): string[] {
  const manifest = json.weightsManifest;
  if (manifest === undefined) return [];
  if (!Array.isArray(manifest)) throw new Error(`${jsonName}: weightsManifest must be a list of weight groups`);
  const paths: string[] = [];
  for (const group of manifest as { paths?: unknown; weights?: unknown }[]) {
    if (typeof group !== 'object' || group === null || !Array.isArray(group.paths) || !Array.isArray(group.weights)) {
      throw new Error(`${jsonName}: every weightsManifest group needs "paths" and "weights" lists`);
    }
    for (const p of group.paths) {
      const problem = shardPathProblem(p);
      if (problem) throw new Error(`${jsonName}: weight shard path ${JSON.stringify(p)} ${problem}`);
      paths.push(p as string);
    }
  }
  return paths;
}

/** Refuses NaN / Infinity in the float32 weights of each group (after the byte counts are checked). */
function checkFiniteWeights(json: TfjsModelJson, shards: ImportFile[], jsonName: string): void {
  let next = 0;
  for (const group of json.weightsManifest ?? []) {
    const groupShards = shards.slice(next, next + group.paths.length);
    next += group.paths.length;
    const total = groupShards.reduce((n, f) => n + f.bytes.byteLength, 0);
    const bytes = new Uint8Array(total);
    let at = 0;
    for (const f of groupShards) {
      bytes.set(new Uint8Array(f.bytes), at);
      at += f.bytes.byteLength;
    }
    const view = new DataView(bytes.buffer);
    let offset = 0;
    for (const w of group.weights) {
      const size = entryBytes(w);
      if ((w.quantization?.dtype ?? w.dtype) === 'float32') {
        for (let i = 0; i < size / 4; i++) {
          const v = view.getFloat32(offset + 4 * i, true);
          if (!Number.isFinite(v)) throw new Error(`${jsonName}: weight "${w.name}" holds ${v} at element ${i}: weights must be finite (a diverged or corrupt model?)`);
        }
      }
      offset += size;
    }
  }
}

/**
 * Finds each shard listed in model.json among the files (by its path relative to model.json,
 * or by its bare name when dropped without folders) and checks the byte counts.
 */
function collectShards(json: TfjsModelJson, jsonFile: ImportFile, files: readonly ImportFile[]): ImportFile[] {
  const dir = dirName(jsonFile.name);
  const shards: ImportFile[] = [];
  for (const group of json.weightsManifest ?? []) {
    const groupShards = group.paths.map((p) => {
      const f = files.find((g) => g.name === dir + p) ?? files.find((g) => baseName(g.name) === baseName(p));
      if (!f) {
        const given = files.filter((g) => g !== jsonFile).map((g) => g.name).join(', ') || 'no other file';
        throw new Error(`missing weight shard "${p}" listed in ${baseName(jsonFile.name)} (given: ${given})`);
      }
      return { name: p, bytes: f.bytes };
    });
    const need = group.weights.reduce((n, w) => n + entryBytes(w), 0);
    const have = groupShards.reduce((n, s) => n + s.bytes.byteLength, 0);
    if (have !== need) {
      const which = groupShards.map((s) => `"${s.name}" (${s.bytes.byteLength} bytes)`).join(', ');
      throw new Error(`weight shard${groupShards.length > 1 ? 's' : ''} ${which} hold ${have} bytes; ${baseName(jsonFile.name)} lists weights of ${need} bytes (${have < need ? 'truncated' : 'wrong or corrupt'} file)`);
    }
    shards.push(...groupShards);
  }
  return shards;
}

function artifacts(json: TfjsModelJson, shards: ImportFile[], topology: unknown): tf.io.ModelArtifacts {
  const total = shards.reduce((n, s) => n + s.bytes.byteLength, 0);
  const weightData = new Uint8Array(total);
  let at = 0;
  for (const s of shards) {
    weightData.set(new Uint8Array(s.bytes), at);
    at += s.bytes.byteLength;
  }
  return {
    modelTopology: topology as tf.io.ModelArtifacts['modelTopology'],
    weightSpecs: (json.weightsManifest ?? []).flatMap((g) => g.weights) as tf.io.WeightsManifestEntry[],
    weightData: weightData.buffer,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy ?? null,
    signature: json.signature as object | undefined,
  };
}

function withoutBatch(shape: readonly (number | null)[]): number[] {
  return shape.slice(1).map((d) => d ?? 0);
}

/** An even spread of at most SUGGESTED_AT_MOST non-final candidates, plus the final one. */
function suggestSpread(candidates: CandidateStage[]): void {
  const inner = candidates.filter((c) => c.kind !== 'final');
  const n = inner.length;
  const count = SUGGESTED_AT_MOST - 1;
  const pick = new Set(n <= count ? inner.map((_, i) => i) : Array.from({ length: count }, (_, k) => Math.round(((k + 1) * n) / count) - 1));
  inner.forEach((c, i) => (c.suggested = pick.has(i)));
  for (const c of candidates) if (c.kind === 'final') c.suggested = true;
}

function layerKind(layer: tf.layers.Layer, isLast: boolean): StageKind | null {
  if (isLast) return 'final';
  const cls = layer.getClassName();
  const activation = (layer.getConfig() as { activation?: string }).activation;
  if (cls === 'ReLU' || activation === 'relu') return 'relu';
  if (['Add', 'Concatenate'].includes(cls)) return 'merge';
  if (/Pooling[123]D$/.test(cls)) return 'pool';
  return null;
}

async function layersCandidates(json: TfjsModelJson, shards: ImportFile[]): Promise<{ candidates: CandidateStage[]; input: (number | null)[] }> {
  const model = await tf.loadLayersModel(tf.io.fromMemory(artifacts(json, shards, json.modelTopology)));
  try {
    const last = model.layers[model.layers.length - 1];
    const candidates: CandidateStage[] = [];
    for (const layer of model.layers) {
      const kind = layerKind(layer, layer === last);
      if (!kind) continue;
      const shape = layer.outputShape as (number | null)[];
      candidates.push({ name: layer.name, value: layer.name, node: layer.name, opType: layer.getClassName(), shape: withoutBatch(shape), kind, suggested: false });
    }
    return { candidates, input: model.inputs[0].shape };
  } finally {
    model.dispose();
  }
}

const GRAPH_POOLS = new Set(['MaxPool', 'AvgPool', 'MaxPool3D', 'AvgPool3D']);
const GRAPH_RELUS = new Set(['Relu', 'Relu6']);
const GRAPH_MERGES = new Set(['Add', 'AddV2', 'ConcatV2']);

async function graphCandidates(json: TfjsModelJson, shards: ImportFile[]): Promise<{ candidates: CandidateStage[]; input: (number | null)[]; inputNode: string }> {
  const topology = unfuseConvolutions(json.modelTopology as { node: never[] }).topology as { node: GraphNode[] };
  const nodes = topology.node;
  const constNodes = new Set(nodes.filter((n) => n.op === 'Const').map((n) => n.name));
  const activation = (input: string) => !constNodes.has(input.split(':')[0].replace(/^\^/, ''));
  const model = await tf.loadGraphModel(tf.io.fromMemory(artifacts(json, shards, topology)));
  try {
    const input = model.inputs[0];
    const outputName = model.outputs[0].name.split(':')[0];
    const picked = nodes.filter(
      (n) =>
        n.name === outputName ||
        GRAPH_RELUS.has(n.op) ||
        GRAPH_POOLS.has(n.op) ||
        (GRAPH_MERGES.has(n.op) && (n.input ?? []).filter(activation).length >= 2),
    );
    const dims = input.shape?.map((d) => (d === -1 ? null : d)) ?? [];
    const zeros = tf.zeros(dims.map((d) => d ?? 1));
    let shapes: number[][];
    try {
      const outs = model.execute(zeros, picked.map((n) => n.name)) as tf.Tensor[] | tf.Tensor;
      const list = Array.isArray(outs) ? outs : [outs];
      shapes = list.map((t) => t.shape.slice(1));
      tf.dispose(list);
    } finally {
      zeros.dispose();
    }
    const candidates = picked.map((n, i): CandidateStage => {
      const kind: StageKind = n.name === outputName ? 'final' : GRAPH_RELUS.has(n.op) ? 'relu' : GRAPH_POOLS.has(n.op) ? 'pool' : 'merge';
      return { name: n.name, value: n.name, node: n.name, opType: n.op, shape: shapes[i], kind, suggested: false };
    });
    // Converted graphs list nodes in no particular order after the output; keep the output last.
    const ordered = [...candidates.filter((c) => c.kind !== 'final'), ...candidates.filter((c) => c.kind === 'final')];
    return { candidates: ordered, input: dims, inputNode: input.name.split(':')[0] };
  } finally {
    model.dispose();
  }
}

/** Inspects a TF.js model.json and its shards (see the file comment). */
export async function inspectTfjsModel(jsonFile: ImportFile, files: readonly ImportFile[]): Promise<ImportDraft> {
  let json: TfjsModelJson;
  try {
    json = parseJson(jsonFile.bytes) as TfjsModelJson;
  } catch (e) {
    throw new Error(`${jsonFile.name} is not valid JSON: ${(e as Error).message}`);
  }
  const topology = json.modelTopology ?? {};
  const kind: 'layers' | 'graph' =
    json.format === 'graph-model' || Array.isArray(topology.node) ? 'graph' : 'layers';
  if (kind === 'layers' && !(topology.class_name || topology.model_config)) {
    throw new Error(`${jsonFile.name}: modelTopology is neither a Keras model (class_name / model_config) nor a TensorFlow graph (node list)`);
  }
  checkShardPaths(json, jsonFile.name);
  const shards = collectShards(json, jsonFile, files);
  checkFiniteWeights(json, shards, jsonFile.name);
  let found: { candidates: CandidateStage[]; input: (number | null)[]; inputNode?: string };
  try {
    found = kind === 'layers' ? await layersCandidates(json, shards) : await graphCandidates(json, shards);
  } catch (e) {
    // TF.js's own loaders check little: whatever they trip over, say which file and what kind.
    const reason = (e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, ' ').slice(0, 200);
    throw new Error(`${jsonFile.name}: TF.js cannot load this ${kind === 'layers' ? 'LayersModel' : 'GraphModel'} (corrupt or unsupported model.json; TF.js says: ${reason})`);
  }
  suggestSpread(found.candidates);
  const modelFile = baseName(jsonFile.name);
  const inputName = found.inputNode ?? 'input';
  const guess = guessInput(found.input, `input of ${modelFile}`, 'NHWC');
  const final = found.candidates.find((c) => c.kind === 'final');
  return {
    kind,
    modelFile,
    inputName,
    inputDims: found.input.map((d) => d ?? 1),
    architecture: null,
    candidates: found.candidates,
    inputGuess: guess.inputSpec,
    layout: guess.layout,
    channelOrder: guess.channelOrder,
    logits: final && final.shape.length === 1 ? final.shape[0] : null,
    files: [{ name: modelFile, bytes: jsonFile.bytes }, ...shards],
  };
}

/** The existing builders' params ("layers": LayersModelParams, "graph": GraphModelParams). */
export function tfjsParams(draft: ImportDraft, stages: CandidateStage[], layout: string, channelOrder: string): Record<string, unknown> {
  if (layout !== 'NHWC' || channelOrder !== 'RGB') {
    throw new Error(`a TF.js model takes its input as it is (NHWC, its own channel order); layout ${layout} / channel order ${channelOrder} cannot be applied`);
  }
  if (draft.kind === 'layers') {
    return { modelJson: draft.modelFile, stageLayers: Object.fromEntries(stages.map((c) => [c.name, c.value])) };
  }
  return { graph: draft.modelFile, inputNode: draft.inputName, stageNodes: Object.fromEntries(stages.map((c) => [c.name, c.value])) };
}
