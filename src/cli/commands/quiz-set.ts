/**
 * `metamer quiz-set`: a recognition experiment for people (format metamer-quiz-set/1) from a
 * batch of `metamer generate` runs of one model, with its natural references and the other
 * models' recognition of each stage's metamers. The page runs it (`?quiz=<id>` with the file at
 * prepared/<id>/quiz.json, or the file picked on `?quiz=`).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { COMMON_OPTIONS, backendChoice, parse, requireString } from '../args.ts';
import { cliBackend } from '../backend.ts';
import { UsageError } from '../errors.ts';
import type { CliIo } from '../io.ts';
import { parseNpy } from '../../io/npy.ts';
import { RUN_EXPORT_SCHEMA, type RunExport } from '../../export/run-json.ts';
import { NATURAL, QUIZ_SET_FORMAT, quizSetJson, type QuizItem, type QuizSet } from '../../export/quiz-set.ts';
import { listBuiltinModels, loadBuiltinModel, loadReference } from '../../models/registry.ts';
import { nodeModelSource } from '../../models/source-node.ts';
import { readersOf } from '../../models/recognition/readers.ts';
import { adaptInput } from '../../models/recognition/adapt-input.ts';
import { recognise, recognisedAs } from '../../models/recognition/recognise.ts';
import type { Command } from './command.ts';

interface BatchRun {
  dir: string;
  stage: string;
  label: string;
  data: Float32Array;
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new Error(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export const quizSetCommand: Command = {
  name: 'quiz-set',
  summary: 'a recognition quiz for people (quiz.json) from a batch of generate runs of one model',
  usage: `Usage: metamer quiz-set RUN_DIR... --out quiz.json [--id ID] [--title TEXT] [--label CLASS]
                       [--readers a,b,... | --no-readers] [--backend wasm|cpu|webgpu [--allow-software-gpu]] [--models-dir DIR]

Builds the material of the paper's recognition experiment from "metamer generate" run folders
(run.json + metamer.npy) of one built-in model with classes: every metamer (any number per
stage) with its reference's class, plus the model's bundled references as the natural trials.
The class of a run is its bundled reference's label, or the label of the bundled reference
whose file name its --input had (e.g. sandal.png), else --label CLASS. Every model that can read
this model's metamers (same modality and classes; see "metamer recognise") classifies them, and
the share recognised per stage goes into the file, shown next to people's results (--readers
picks them, --no-readers skips this). Open it in the page: copy it to
public/prepared/<id>/quiz.json and open ?quiz=<id>, or open ?quiz= and pick the file.`,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parse(argv, {
      ...COMMON_OPTIONS, out: { type: 'string' }, id: { type: 'string' }, title: { type: 'string' }, label: { type: 'string' },
      readers: { type: 'string' }, 'no-readers': { type: 'boolean' },
    }, true);
    if (values.help) {
      io.out(`${this.usage}\n`);
      return 0;
    }
    const out = requireString(values.out, 'out');
    if (positionals.length === 0) throw new UsageError('give at least one run folder (written by "metamer generate --out DIR")');
    await cliBackend(backendChoice(values), io);
    const source = nodeModelSource(values['models-dir']);

    const exports: { dir: string; run: RunExport }[] = [];
    for (const dir of positionals) {
      const path = join(dir, 'run.json');
      let run: RunExport;
      try {
        run = JSON.parse(await readText(path)) as RunExport;
      } catch (e) {
        throw new Error(e instanceof SyntaxError ? `${path}: not valid JSON` : (e as Error).message);
      }
      if (run.schema !== RUN_EXPORT_SCHEMA) throw new Error(`${path}: not a run record (schema ${JSON.stringify(run.schema)})`);
      exports.push({ dir, run });
    }
    const modelId = exports[0].run.model.id;
    const other = exports.find((e) => e.run.model.id !== modelId);
    if (other) throw new UsageError(`${other.dir} is a run of "${other.run.model.id}", not of "${modelId}" like ${exports[0].dir}: one quiz, one model`);
    const { manifest, model } = await loadBuiltinModel(modelId, source).catch((e: Error) => {
      throw new UsageError(`${exports[0].dir}: ${e.message} (a quiz needs a built-in model)`);
    });
    model.dispose();
    const classes = manifest.classes;
    if (!classes) throw new UsageError(`model "${modelId}" has no classes: people cannot be asked to name them`);
    const byFile = new Map(manifest.references.map((r) => [basename(r.path), r.label]));

    const runs: BatchRun[] = [];
    for (const { dir, run } of exports) {
      const ref = run.reference;
      const label = (ref.kind === 'bundled' ? ref.label : byFile.get(basename(ref.name))) ?? values.label;
      if (!label || !classes.includes(label)) {
        throw new UsageError(`${dir}: the reference's class is unknown${label ? ` ("${label}" is not a class of ${modelId})` : ''}: give --label CLASS`);
      }
      const npyPath = join(dir, 'metamer.npy');
      let npy;
      try {
        npy = parseNpy(await readFile(npyPath));
      } catch (e) {
        throw new Error(`${npyPath}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      const need = manifest.inputSpec.shape.reduce((a, b) => a * b, 1);
      if (npy.data.length !== need) throw new Error(`${npyPath}: holds ${npy.data.length} values; ${modelId} takes [${manifest.inputSpec.shape}]`);
      runs.push({ dir, stage: run.stage, label, data: Float32Array.from(npy.data) });
    }
    const stages = manifest.stages.map((s) => s.name).filter((s) => runs.some((r) => r.stage === s));

    const items: QuizItem[] = [];
    for (let i = 0; i < manifest.references.length; i++) {
      const r = manifest.references[i];
      if (!classes.includes(r.label)) continue;
      const x = await loadReference(manifest, source, i);
      items.push({ id: `natural-${i}`, stage: NATURAL, label: r.label, shape: manifest.inputSpec.shape, data: Array.from(await x.data()) });
      x.dispose();
    }
    const perStage = new Map<string, number>();
    for (const r of runs) {
      const k = (perStage.get(r.stage) ?? 0) + 1;
      perStage.set(r.stage, k);
      items.push({ id: `metamer-${r.stage}-${k}`, stage: r.stage, label: r.label, shape: manifest.inputSpec.shape, data: Array.from(r.data) });
    }

    let modelRecognition: Record<string, (number | null)[]> | undefined;
    if (!values['no-readers']) {
      const all = await listBuiltinModels(source);
      const readers = values.readers ? values.readers.split(',').map((s) => s.trim()).filter(Boolean) : readersOf(manifest, all, true);
      modelRecognition = {};
      for (const id of readers) {
        const reader = await loadBuiltinModel(id, source);
        if (!reader.model.readout) throw new UsageError(`model "${id}" has no class readout: it cannot recognise metamers`);
        const row: (number | null)[] = [];
        for (const stage of stages) {
          let right = 0;
          const these = runs.filter((r) => r.stage === stage);
          for (const r of these) {
            const x = tf.tensor(r.data, [1, ...manifest.inputSpec.shape]);
            const fitted = adaptInput(x, manifest.inputSpec, reader.manifest.inputSpec);
            if (recognisedAs(await recognise(reader.model, fitted), r.label)) right++;
            tf.dispose([x, fitted]);
          }
          row.push(right / these.length);
        }
        modelRecognition[id] = row;
        reader.model.dispose();
        io.err(`${id}: recognises ${row.map((v, i) => `${stages[i]} ${v?.toFixed(2)}`).join(', ')}\n`);
      }
    }
    const set: QuizSet = {
      format: QUIZ_SET_FORMAT,
      id: values.id ?? basename(out).replace(/\.json$/i, '') ?? 'quiz',
      title: values.title ?? `${manifest.name}: metamers of ${stages.length} stage(s)`,
      modelId,
      modality: manifest.inputSpec.modality,
      classes,
      stages,
      range: manifest.inputSpec.range,
      ...(manifest.inputSpec.sampleRate ? { sampleRate: manifest.inputSpec.sampleRate } : {}),
      items,
      ...(modelRecognition ? { modelRecognition } : {}),
    };
    try {
      await writeFile(out, quizSetJson(set) + '\n');
    } catch (e) {
      throw new Error(`cannot write ${out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    io.err(`wrote ${out}: ${items.length} trials (${items.length - runs.length} natural, ${runs.length} metamers of ${stages.length} stages)\n`);
    return 0;
  },
};
