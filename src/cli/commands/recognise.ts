/** `metamer recognise`: each model's top-5 classes for each input file (who else is fooled). */
import type * as tfTypes from '@tensorflow/tfjs';
import { COMMON_OPTIONS, backendChoice, parse, requireString } from '../args.ts';
import { cliBackend } from '../backend.ts';
import { UsageError } from '../errors.ts';
import type { CliIo } from '../io.ts';
import { resolveModel, type ResolvedModel } from '../model-arg.ts';
import { prepareInput } from '../prepare-input.ts';
import type { Command } from './command.ts';
import { recognise, type Recognition } from '../../models/recognition/recognise.ts';

export interface RecogniseReport {
  format: 'metamer-recognise/1';
  inputs: { file: string; models: (Pick<Recognition, 'modelId' | 'predicted' | 'top'> & { fitted: string })[] }[];
}

function modelList(value: string): string[] {
  const list = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (list.length === 0) throw new UsageError('--models needs at least one model');
  return [...new Set(list)];
}

export const recogniseCommand: Command = {
  name: 'recognise',
  summary: "each model's top-5 classes and probabilities for each input (who else is fooled by a metamer)",
  usage: `Usage: metamer recognise --models ID|PATH[,ID|PATH...] --input FILE [FILE...] [--json]
                        [--top 5] [--backend wasm|cpu|webgpu [--allow-software-gpu]] [--models-dir DIR]

Classifies every input by every model: PNG/JPEG images and WAV clips are fitted to each
model's input as "metamer generate" does (so one file can go to models of different input
sizes); a .npy holds raw input values and must match each model's input size. Prints each
model's top classes with their softmax probabilities; --json prints one JSON document
(format "metamer-recognise/1"). Models without a class readout are refused.

Example (does the ResNet recognise AlexNet's metamers?):
  metamer recognise --models fmnist-alexnet,fmnist-resnet --input out/relu2/metamer.png out/final/metamer.png`,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parse(
      argv,
      { ...COMMON_OPTIONS, models: { type: 'string' }, input: { type: 'string', multiple: true }, json: { type: 'boolean' }, top: { type: 'string' } },
      true,
    );
    if (values.help) {
      io.out(`${this.usage}\n`);
      return 0;
    }
    const ids = modelList(requireString(values.models, 'models'));
    const inputs = [...(values.input ?? []), ...positionals];
    if (inputs.length === 0) throw new UsageError('missing required option --input');
    const top = values.top === undefined ? 5 : Number(values.top);
    if (!Number.isInteger(top) || top < 1) throw new UsageError(`--top must be an integer >= 1, got "${values.top}"`);
    const tf = await cliBackend(backendChoice(values), io);
    const models: ResolvedModel[] = [];
    const disposables: tfTypes.Tensor[] = [];
    try {
      for (const id of ids) {
        const loaded = await resolveModel(id, { modelsDir: values['models-dir'] });
        models.push(loaded);
        if (!loaded.model.readout) throw new UsageError(`model "${id}" has no class readout: it cannot recognise inputs`);
      }
      const report: RecogniseReport = { format: 'metamer-recognise/1', inputs: [] };
      for (const file of inputs) {
        const entry: RecogniseReport['inputs'][number] = { file, models: [] };
        for (const { model } of models) {
          const prepared = await prepareInput(file, model.inputSpec);
          disposables.push(prepared.tensor);
          const r = await recognise(model, prepared.tensor, top);
          entry.models.push({ modelId: r.modelId, predicted: r.predicted, top: r.top, fitted: prepared.description });
          tf.dispose(prepared.tensor);
        }
        report.inputs.push(entry);
      }
      if (values.json) {
        io.out(JSON.stringify(report, null, 1) + '\n');
      } else {
        for (const input of report.inputs) {
          io.out(`${input.file}\n`);
          for (const m of input.models) {
            io.out(`  ${m.modelId}: ${m.top.map((t) => `${t.label} ${t.probability.toFixed(3)}`).join(', ')}\n`);
          }
        }
      }
      return 0;
    } finally {
      tf.dispose(disposables.filter((t) => !t.isDisposed));
      for (const m of models) m.model.dispose();
    }
  },
};
