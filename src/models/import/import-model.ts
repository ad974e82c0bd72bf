/**
 * Importing a user's model: inspect the dropped (or CLI-given) files, then turn the user's
 * choices into a ModelManifest + in-memory ModelSource that registry.loadModelFromManifest
 * builds like any built-in model (builder "onnx", or "layers" / "graph" for TF.js models).
 *
 *   const draft = await inspectModelFiles(files);           // kind, candidates, input guess
 *   const { manifest, source } = await manifestForImport(draft, { id, name, stages, inputSpec });
 *   const loaded = await loadModelFromManifest(manifest, source);
 *
 * Inspection runs the model once on zeros (to learn every stage's shape), so it needs a tfjs
 * backend; it throws one-line errors naming the file and the part at fault.
 */
import type { InputSpec } from '../../engine/types.ts';
import { sha256Hex } from '../../io/sha256.ts';
import type { ModelManifest, ModelSource } from '../manifest.ts';
import type { OnnxGraph } from '../onnx/onnx-ir.ts';
import { assertSupportedOps } from '../onnx/onnx-ops.ts';
import { parseOnnx } from '../onnx/onnx-parse.ts';
import { OnnxWeights, probeShapes } from '../onnx/onnx-runner.ts';
import { MAX_IMPORT_WEIGHT_BYTES, formatBytes, onnxWeightBytes } from '../onnx/onnx-model.ts';
import { guessInput, type InputGuess } from './input-guess.ts';
import type { ChannelOrder, InputLayout } from './input-spec-file.ts';
import { memoryModelSource } from './memory-source.ts';
import { detectArchitecture, discoverStages, type Architecture, type CandidateStage } from './stage-discovery.ts';
import { inspectTfjsModel, isTfjsModelJson, tfjsParams } from './tfjs-import.ts';
import type { ImportDraft, ImportFile } from './import-draft.ts';

export interface ImportChoices {
  /** Model id: lower-case letters, digits, '-', '_' and '.'; not a built-in id. */
  id: string;
  name: string;
  /** Candidate names, any order (the manifest keeps the graph's depth order). */
  stages: string[];
  inputSpec: InputSpec;
  layout?: InputLayout;
  channelOrder?: ChannelOrder;
  /** Labels of the final logits; default "0".."n-1". */
  classes?: string[];
  /** Path (relative to the model) of a null distribution file held in extraFiles. */
  null?: string;
  /** More files to serve with the model, e.g. its null distribution (name -> bytes). */
  extraFiles?: ImportFile[];
}

/** The builder "onnx" parameters (onnx-model.ts reads them from manifest.params). */
export interface OnnxImportParams {
  file: string;
  inputName?: string;
  layout: InputLayout;
  channelOrder?: ChannelOrder;
  stageValues: Record<string, string>;
  readoutValue?: string;
  frontEnd?: 'cochleagram';
}

function extOf(name: string): string {
  const base = name.slice(name.lastIndexOf('/') + 1).toLowerCase();
  const dot = base.lastIndexOf('.');
  return dot < 0 ? '' : base.slice(dot);
}

function isJsonFile(f: ImportFile): boolean {
  return extOf(f.name) === '.json';
}

export interface InspectOptions {
  /** Refuse models with more weight bytes (default MAX_IMPORT_WEIGHT_BYTES, 1 GiB). */
  maxWeightBytes?: number;
}

/** `what` is e.g. "model.onnx is" or "model.onnx holds"; the model's weights must fit the memory budget. */
function checkSize(what: string, bytes: number, max: number): void {
  if (bytes > max) throw new Error(`${what} ${formatBytes(bytes)}; models over ${formatBytes(max)} of weights are refused (memory budget)`);
}

/** Prefixes `name: ` to an error's message unless it already names the file. */
function naming(name: string, e: unknown): Error {
  const message = e instanceof Error ? e.message : String(e);
  const base = name.slice(name.lastIndexOf('/') + 1);
  if (message.includes(name) || message.includes(base)) return e instanceof Error ? e : new Error(message);
  return new Error(`${name}: ${message}`, { cause: e });
}

/**
 * Detects the model among the files (one .onnx, or one TF.js model.json + its shards) and
 * inspects it; every error names the model file.
 */
export async function inspectModelFiles(files: readonly ImportFile[], opts: InspectOptions = {}): Promise<ImportDraft> {
  const main = files.find((f) => extOf(f.name) === '.onnx') ?? files.find((f) => isJsonFile(f) && isTfjsModelJson(f.bytes));
  try {
    return await inspectFiles(files, opts);
  } catch (e) {
    throw main ? naming(main.name, e) : e;
  }
}

async function inspectFiles(files: readonly ImportFile[], opts: InspectOptions): Promise<ImportDraft> {
  const max = opts.maxWeightBytes ?? MAX_IMPORT_WEIGHT_BYTES;
  if (files.length === 0) throw new Error('no files given: import a .onnx file, or a TF.js model.json with its weight shards');
  const onnxFiles = files.filter((f) => extOf(f.name) === '.onnx');
  if (onnxFiles.length > 1) throw new Error(`several .onnx files (${onnxFiles.map((f) => f.name).join(', ')}): import one model at a time`);
  if (onnxFiles.length === 1) return inspectOnnx(onnxFiles[0], max);
  const jsons = files.filter(isJsonFile).filter((f) => isTfjsModelJson(f.bytes));
  if (jsons.length > 1) throw new Error(`several TF.js model.json files (${jsons.map((f) => f.name).join(', ')}): import one model at a time`);
  if (jsons.length === 1) {
    checkSize(`the weight shards of ${jsons[0].name} hold`, files.filter((f) => !isJsonFile(f)).reduce((n, f) => n + f.bytes.byteLength, 0), max);
    return inspectTfjsModel(jsons[0], files);
  }
  const names = files.map((f) => f.name).join(', ');
  const json = files.find(isJsonFile);
  if (json) throw new Error(`${json.name} is not a TF.js model.json (no modelTopology and weightsManifest); give a .onnx file or a TF.js model.json`);
  throw new Error(`no model file among ${names}: give a .onnx file, or a TF.js model.json with its weight shards`);
}

function inspectOnnx(file: ImportFile, maxWeightBytes: number): ImportDraft {
  // The file size bounds the weights: refuse before decoding a huge file.
  checkSize(`${file.name} is`, file.bytes.byteLength, maxWeightBytes);
  const graph = parseOnnx(file.bytes, file.name);
  checkSize(`${file.name} holds`, onnxWeightBytes(graph), maxWeightBytes);
  assertSupportedOps(graph);
  const input = graph.inputs[0];
  const what = `input "${input.name}" of ${file.name}`;
  const guess: InputGuess = guessInput(input.dims, what);
  // The batch dim may be symbolic ("batch_size"); the probe runs one example.
  const inputDims = input.dims.map((d, i) => (i === 0 ? 1 : (d as number)));
  const weights = new OnnxWeights(graph);
  let candidates: CandidateStage[];
  try {
    candidates = discoverStages(graph, probeShapes(graph, inputDims, weights));
  } finally {
    weights.dispose();
  }
  const final = candidates.find((c) => c.kind === 'final');
  return {
    kind: 'onnx',
    modelFile: file.name,
    graph,
    inputName: input.name,
    inputDims,
    architecture: detectArchitecture(graph),
    candidates,
    inputGuess: guess.inputSpec,
    layout: guess.layout,
    channelOrder: guess.channelOrder,
    frontEnd: guess.frontEnd,
    logits: final && final.shape.length === 1 ? final.shape[0] : null,
    files: [file],
  };
}

const ID_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/**
 * Checks that the chosen input spec fits the graph's fixed input: for images the graph sees
 * [1, C, H, W] (NCHW) or [1, H, W, C] (NHWC); audio models take 2-s clips through the cochleagram.
 */
export function checkInputFits(draft: ImportDraft, spec: InputSpec, layout: InputLayout): void {
  const what = `input "${draft.inputName}" of ${draft.modelFile}`;
  if (draft.frontEnd === 'cochleagram') {
    if (spec.modality !== 'audio' || spec.shape.length !== 1 || spec.shape[0] !== 40000 || (spec.sampleRate ?? 20000) !== 20000) {
      throw new Error(`${what} is a cochleagram [${draft.inputDims}]: the input spec must be audio of shape [40000] at 20000 Hz (2 s), got ${spec.modality} [${spec.shape}]`);
    }
    return;
  }
  if (spec.modality !== 'image' || spec.shape.length !== 3) {
    throw new Error(`${what} has dims [${draft.inputDims}]: the input spec must be an image [H, W, C], got ${spec.modality} [${spec.shape}]`);
  }
  const [h, w, c] = spec.shape;
  const want = layout === 'NCHW' ? [1, c, h, w] : [1, h, w, c];
  if (want.some((d, i) => d !== draft.inputDims[i])) {
    throw new Error(`input spec shape [${spec.shape}] (${layout}: [${want}]) does not fit ${what}, which is [${draft.inputDims}]`);
  }
}

/** The manifest and in-memory source of an imported model (files keyed `<id>/<name>`). */
export async function manifestForImport(draft: ImportDraft, choices: ImportChoices): Promise<{ manifest: ModelManifest; source: ModelSource }> {
  if (!ID_PATTERN.test(choices.id)) throw new Error(`model id "${choices.id}" must be 1-64 lower-case letters, digits, '.', '_' or '-'`);
  if (choices.stages.length === 0) throw new Error('choose at least one stage');
  for (const s of choices.stages) {
    if (!draft.candidates.some((c) => c.name === s)) {
      throw new Error(`${draft.modelFile} has no candidate stage "${s}" (candidates: ${draft.candidates.map((c) => c.name).join(', ')})`);
    }
  }
  const layout = choices.layout ?? draft.layout;
  checkInputFits(draft, choices.inputSpec, layout);
  const stages = draft.candidates.filter((c) => choices.stages.includes(c.name));
  const final = draft.candidates.find((c) => c.kind === 'final');
  if (choices.classes && choices.classes.length !== draft.logits) {
    throw new Error(`${choices.classes.length} class labels for a model whose final output has ${draft.logits ?? 'no [1, n]'} logits`);
  }
  const files = [...draft.files, ...(choices.extraFiles ?? [])];
  const weightFiles = draft.files;
  const weights = await Promise.all(
    weightFiles.map(async (f) => ({ path: f.name, sha256: await sha256Hex(new Uint8Array(f.bytes)), bytes: f.bytes.byteLength })),
  );
  let params: Record<string, unknown>;
  if (draft.kind === 'onnx') {
    const p: OnnxImportParams = {
      file: draft.modelFile,
      inputName: draft.inputName,
      layout,
      channelOrder: choices.channelOrder ?? draft.channelOrder,
      stageValues: Object.fromEntries(stages.map((c) => [c.name, c.value])),
    };
    if (final && draft.logits !== null) p.readoutValue = final.value;
    if (draft.frontEnd) p.frontEnd = draft.frontEnd;
    params = p as unknown as Record<string, unknown>;
  } else {
    params = tfjsParams(draft, stages, layout, choices.channelOrder ?? draft.channelOrder);
  }
  const arch = draft.architecture ? `${draft.architecture} layout` : 'no recognised architecture';
  const manifest: ModelManifest = {
    format: 'metamer-model/1',
    id: choices.id,
    name: choices.name,
    description: `Imported ${draft.kind === 'onnx' ? 'ONNX' : `TF.js ${draft.kind}`} model ${draft.modelFile} (${arch}); input ${draft.inputName} [${draft.inputDims}].`,
    builder: draft.kind,
    stages: stages.map((c) => ({ name: c.name, shape: c.shape, description: `${c.opType} output "${c.value}" (${c.kind})` })),
    inputSpec: choices.inputSpec,
    provenance: `imported by the user from ${draft.modelFile}`,
    licence: "the model owner's (imported; not checked)",
    accuracy: 'unknown (imported model)',
    weights,
    references: [],
    params,
  };
  if (choices.classes) manifest.classes = choices.classes;
  else if (draft.logits !== null && draft.kind === 'layers') manifest.classes = Array.from({ length: draft.logits }, (_, i) => String(i));
  if (choices.null) manifest.null = choices.null;
  const source = memoryModelSource(new Map(files.map((f) => [`${choices.id}/${f.name}`, f.bytes])));
  return { manifest, source };
}
