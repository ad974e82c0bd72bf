/**
 * The CLI's `--model` argument: a built-in id (read from models/), or a path to a model file
 * to import on the fly - a .onnx file, or a TF.js model.json whose weight shards sit next to
 * it. An imported model gets its input spec from the guess (see input-guess.ts), overridden
 * by `--input-spec FILE`, and its stages from `--stages a,b` (default: the suggested ones).
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { UsageError } from './errors.ts';
import type { NullDistribution } from '../engine/types.ts';
import { validateNullDistribution } from '../engine/null-distribution.ts';
import type { LoadedModel } from '../models/manifest.ts';
import { BUILTIN_MODEL_IDS, loadBuiltinModel, loadModelFromManifest } from '../models/registry.ts';
import { nodeModelSource } from '../models/source-node.ts';
import { inspectModelFiles, manifestForImport } from '../models/import/import-model.ts';
import type { ImportDraft, ImportFile } from '../models/import/import-draft.ts';
import { applyInputSpecFile, type ImportInputSpec } from '../models/import/input-spec-file.ts';
import { importedModelId } from '../models/import/imported-id.ts';

/** A path to a model file rather than a built-in id: contains '/', or ends in .onnx / .json. */
export function isModelPath(model: string): boolean {
  if (BUILTIN_MODEL_IDS.includes(model)) return false;
  return model.includes('/') || /\.(onnx|json)$/i.test(model);
}

function toArrayBuffer(buf: Buffer): ArrayBuffer {
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
}

async function readBytes(path: string, what: string): Promise<ArrayBuffer> {
  try {
    return toArrayBuffer(await readFile(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${what} not found: ${path}` : `cannot read ${what} ${path}: ${code ?? (e as Error).message}`);
  }
}

/**
 * The model file and, for a TF.js model.json, the shards it lists that exist next to it (a
 * missing one is reported by inspection, which names it).
 */
export async function readModelFiles(path: string): Promise<ImportFile[]> {
  const ext = extname(path).toLowerCase();
  if (ext !== '.onnx' && ext !== '.json') throw new UsageError(`--model ${path}: a model file must be a .onnx file or a TF.js model.json`);
  const bytes = await readBytes(path, 'model file');
  const files: ImportFile[] = [{ name: basename(path), bytes }];
  if (ext === '.json') {
    let paths: string[] = [];
    try {
      const json = JSON.parse(new TextDecoder().decode(bytes)) as { weightsManifest?: { paths?: string[] }[] };
      paths = (json.weightsManifest ?? []).flatMap((g) => g.paths ?? []);
    } catch {
      // Not JSON: inspection reports it.
    }
    for (const p of paths) {
      try {
        files.push({ name: p, bytes: toArrayBuffer(await readFile(join(dirname(path), p))) });
      } catch {
        // Missing or unreadable shard: inspection names it.
      }
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
    const text = new TextDecoder().decode(await readBytes(inputSpecFile, 'input spec file'));
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
}

/** A null distribution file written by "metamer null" (`--null FILE`), validated. */
export async function readNullFile(path: string): Promise<NullDistribution> {
  const text = new TextDecoder().decode(await readBytes(path, 'null distribution file'));
  try {
    return validateNullDistribution(JSON.parse(text));
  } catch (e) {
    throw new Error(`null distribution ${path}: ${(e as Error).message}`);
  }
}
