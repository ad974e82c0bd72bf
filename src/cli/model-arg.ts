/**
 * The CLI's `--model` argument: a built-in id (read from models/), or a path to a model file
 * to import on the fly - a .onnx file, or a TF.js model.json whose weight shards sit next to
 * it. An imported model gets its input spec from the guess (see input-guess.ts), overridden
 * by `--input-spec FILE`, and its stages from `--stages a,b` (default: the suggested ones).
 */
import { stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { UsageError } from './errors.ts';
import type { NullDistribution } from '../engine/types.ts';
import { validateNullDistribution } from '../engine/null-distribution.ts';
import type { LoadedModel } from '../models/manifest.ts';
import { BUILTIN_MODEL_IDS, loadBuiltinModel, loadModelFromManifest } from '../models/registry.ts';
import { nodeModelSource } from '../models/source-node.ts';
import { inspectModelFiles, manifestForImport } from '../models/import/import-model.ts';
import type { ImportDraft, ImportFile } from '../models/import/import-draft.ts';
import { IMAGENET_NORMALIZATION } from '../models/import/input-guess.ts';
import { applyInputSpecFile, type ImportInputSpec } from '../models/import/input-spec-file.ts';
import { importedModelId } from '../models/import/imported-id.ts';
import { checkShardPaths } from '../models/import/tfjs-import.ts';
import { MAX_IMPORT_WEIGHT_BYTES } from '../models/onnx/onnx-model.ts';
import { UserFileError, readUserFile } from '../io/read-file.ts';
import type { InputSpec } from '../engine/types.ts';

/** A path to a model file rather than a built-in id: contains '/', or ends in .onnx / .json. */
export function isModelPath(model: string): boolean {
  if (BUILTIN_MODEL_IDS.includes(model)) return false;
  return model.includes('/') || /\.(onnx|json)$/i.test(model);
}

function toArrayBuffer(buf: Buffer): ArrayBuffer {
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
}

async function readBytes(path: string, what: string, maxBytes = MAX_IMPORT_WEIGHT_BYTES + (64 << 20)): Promise<ArrayBuffer> {
  try {
    return toArrayBuffer(await readUserFile(path, { what, maxBytes }));
  } catch (e) {
    if (e instanceof UserFileError && e.code === 'ENOENT') throw new Error(`${what} not found: ${path}`);
    throw e;
  }
}

/**
 * The model file and, for a TF.js model.json, the shards it lists that exist next to it (a
 * missing one is reported by inspection, which names it). Shard paths must stay inside the
 * model's folder (checkShardPaths): a model.json is never a way to read other files.
 */
export async function readModelFiles(path: string): Promise<ImportFile[]> {
  const ext = extname(path).toLowerCase();
  if (ext !== '.onnx' && ext !== '.json') throw new UsageError(`--model ${path}: a model file must be a .onnx file or a TF.js model.json`);
  const bytes = await readBytes(path, 'model file');
  const files: ImportFile[] = [{ name: basename(path), bytes }];
  if (ext === '.json') {
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      return files; // Not JSON: inspection reports it.
    }
    if (typeof json !== 'object' || json === null) return files;
    const paths = checkShardPaths(json as { weightsManifest?: unknown }, basename(path));
    for (const p of paths) {
      const shard = join(dirname(path), p);
      let exists = true;
      try {
        await stat(shard);
      } catch {
        exists = false; // Missing: inspection names it.
      }
      if (exists) files.push({ name: p, bytes: await readBytes(shard, 'weight shard') });
    }
  }
  return files;
}

/** The name an imported file goes by: its base name without extension (model.json: its folder's name). */
export function importedModelName(path: string): string {
  const base = basename(path).replace(/\.(onnx|json)$/i, '');
  return base === 'model' ? basename(dirname(path)) || 'model' : base;
}

export interface InspectedPath {
  draft: ImportDraft;
  spec: ImportInputSpec;
}

/** Inspects a model file, then applies `--input-spec FILE` over the guessed input spec. */
export async function inspectModelPath(path: string, inputSpecFile?: string): Promise<InspectedPath> {
  const draft = await inspectModelFiles(await readModelFiles(path));
  let spec: ImportInputSpec = { inputSpec: draft.inputGuess, layout: draft.layout, channelOrder: draft.channelOrder };
  if (inputSpecFile) {
    const text = new TextDecoder().decode(await readBytes(inputSpecFile, 'input spec file', 1 << 20));
    spec = applyInputSpecFile(text, inputSpecFile, spec);
  }
  return { draft, spec };
}

/** Parses `--stages a,b,c`; undefined when the option is absent. */
export function stageList(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const list = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (list.length === 0) throw new UsageError('--stages needs at least one stage name');
  return list;
}

export interface ResolvedModel extends LoadedModel {
  /** Set for an imported model. */
  imported?: InspectedPath;
}

export interface ModelArgOptions {
  modelsDir?: string;
  inputSpecFile?: string;
  /** Imported models: the stages to build (default: the suggested ones). */
  stages?: string[];
  /** Imported models: stages that must be included too (e.g. generate's --stage). */
  alsoStages?: string[];
  /** Where the input spec in use is reported (stderr), with what was guessed. */
  report?: (line: string) => void;
}

/** One line describing an input spec, e.g. "image 224x224x3 in [0, 1], ImageNet normalisation ...". */
export function describeInputSpec(spec: InputSpec, layout: string, channelOrder: string): string {
  const parts = [`${spec.modality} [${spec.shape}] in [${spec.range}]`];
  const n = spec.normalization;
  if (n) {
    const imagenet = JSON.stringify(n) === JSON.stringify({ mean: IMAGENET_NORMALIZATION.mean, std: IMAGENET_NORMALIZATION.std });
    parts.push(`${imagenet ? 'ImageNet ' : ''}normalisation mean [${n.mean}] std [${n.std}]`);
  } else parts.push('no normalisation');
  if (spec.modality === 'image') parts.push(`layout ${layout}, ${channelOrder}`);
  if (spec.sampleRate) parts.push(`${spec.sampleRate} Hz`);
  return parts.join(', ');
}

/** Loads `--model`: a built-in id, or a model file imported with the options. */
export async function resolveModel(model: string, opts: ModelArgOptions = {}): Promise<ResolvedModel> {
  if (!isModelPath(model)) {
    if (opts.inputSpecFile) throw new UsageError('--input-spec applies to a model file (--model path/to/model.onnx), not to a built-in model');
    return loadBuiltinModel(model, nodeModelSource(opts.modelsDir));
  }
  const imported = await inspectModelPath(model, opts.inputSpecFile);
  const { draft, spec } = imported;
  const known = draft.candidates.map((c) => c.name);
  const wanted = opts.stages ?? draft.candidates.filter((c) => c.suggested).map((c) => c.name);
  for (const s of [...wanted, ...(opts.alsoStages ?? [])]) {
    if (!known.includes(s)) throw new UsageError(`${basename(model)} has no stage "${s}" (stages: ${known.join(', ')}; see metamer stages ${model})`);
  }
  const stages = [...new Set([...wanted, ...(opts.alsoStages ?? [])])];
  const how = opts.inputSpecFile ? `guessed from its input dims [${draft.inputDims}], overridden by ${opts.inputSpecFile}` : `GUESSED from its input dims [${draft.inputDims}]; check it, or give --input-spec FILE`;
  opts.report?.(`input spec of ${basename(model)} (${how}): ${describeInputSpec(spec.inputSpec, spec.layout, spec.channelOrder)}\n`);
  try {
    const { manifest, source } = await manifestForImport(draft, {
      // The page's rule (imported-<slug of the name>), so a CLI run and a page run name the model alike.
      id: importedModelId(importedModelName(model), (id) => BUILTIN_MODEL_IDS.includes(id)),
      name: basename(model),
      stages,
      inputSpec: spec.inputSpec,
      layout: spec.layout,
      channelOrder: spec.channelOrder,
    });
    return { ...(await loadModelFromManifest(manifest, source)), imported };
  } catch (e) {
    const message = (e as Error).message;
    // A spec that does not fit the graph: name the spec file too (the message names the model).
    if (opts.inputSpecFile && /input spec/.test(message) && !message.includes(opts.inputSpecFile)) throw new Error(`${opts.inputSpecFile}: ${message}`);
    if (!message.includes(basename(model))) throw new Error(`${model}: ${message}`);
    throw e;
  }
}

/** A null distribution file written by "metamer null" (`--null FILE`), validated. */
export async function readNullFile(path: string): Promise<NullDistribution> {
  const text = new TextDecoder().decode(await readBytes(path, 'null distribution file', 256 << 20));
  try {
    return validateNullDistribution(JSON.parse(text));
  } catch (e) {
    throw new Error(`null distribution ${path}: ${(e as Error).message}`);
  }
}
