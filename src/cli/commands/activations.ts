/** `metamer activations`: one stage's activations of a model for one input, as .npy. */
import { writeFile } from 'node:fs/promises';
import type * as tfTypes from '@tensorflow/tfjs';
import { COMMON_OPTIONS, backendChoice, parse, requireString } from '../args.ts';
import { cliBackend } from '../backend.ts';
import { UsageError } from '../errors.ts';
import type { CliIo } from '../io.ts';
import { resolveModel } from '../model-arg.ts';
import { prepareInput } from '../prepare-input.ts';
import type { Command } from './command.ts';
import { writeNpy } from '../../io/npy.ts';

export const activationsCommand: Command = {
  name: 'activations',
  summary: "one stage's activations of a model (built-in or model file) for one input, as .npy",
  usage: `Usage: metamer activations --model ID|PATH --stage NAME --input FILE --out A.npy
                          [--input-spec FILE] [--backend wasm|cpu|webgpu [--allow-software-gpu]] [--models-dir DIR]

Runs the model once and writes the activations of --stage as float32 .npy, with the batch
dimension ([1, ...stage shape], in the model's own layout: NCHW for ONNX image models).
--model is a built-in id or a model file (.onnx, or TF.js model.json); --stage is any
candidate stage (see "metamer stages PATH"). --input is a .npy of raw input values (the
model's input spec: images [H, W, C] in its value range, audio [samples]), or an image /
WAV file prepared as "metamer generate" does. --input-spec FILE overrides the guessed
input spec of a model file.`,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values } = parse(argv, {
      ...COMMON_OPTIONS,
      model: { type: 'string' },
      stage: { type: 'string' },
      input: { type: 'string' },
      out: { type: 'string' },
      'input-spec': { type: 'string' },
    });
    if (values.help) {
      io.out(`${this.usage}\n`);
      return 0;
    }
    const modelArg = requireString(values.model, 'model');
    const stage = requireString(values.stage, 'stage');
    const input = requireString(values.input, 'input');
    const out = requireString(values.out, 'out');
    const tf = await cliBackend(backendChoice(values), io);
    const { model } = await resolveModel(modelArg, {
      modelsDir: values['models-dir'],
      inputSpecFile: values['input-spec'],
      stages: [stage],
      report: (line) => io.err(line),
    });
    const disposables: tfTypes.Tensor[] = [];
    try {
      if (!model.stages.includes(stage)) throw new UsageError(`model "${model.id}" has no stage "${stage}" (stages: ${model.stages.join(', ')})`);
      const prepared = await prepareInput(input, model.inputSpec);
      disposables.push(prepared.tensor);
      io.err(`input: ${prepared.description}\n`);
      const activation = tf.tidy(() => model.forward(prepared.tensor, [stage])[stage]);
      disposables.push(activation);
      const data = (await activation.data()) as Float32Array;
      try {
        await writeFile(out, writeNpy(Float32Array.from(data), activation.shape));
      } catch (e) {
        throw new Error(`cannot write ${out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      io.err(`wrote ${out}: ${stage} [${activation.shape}]\n`);
      return 0;
    } finally {
      tf.dispose(disposables);
      model.dispose();
    }
  },
};
