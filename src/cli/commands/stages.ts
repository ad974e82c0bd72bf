/** `metamer stages PATH`: the candidate stages of a model file (ONNX or TF.js), as the importer sees them. */
import { BACKEND_OPTIONS, COMMON_OPTIONS, backendChoice, parse } from '../args.ts';
import { cliBackend } from '../backend.ts';
import { UsageError } from '../errors.ts';
import type { CliIo } from '../io.ts';
import { inspectModelPath } from '../model-arg.ts';
import type { Command } from './command.ts';
import { checkInputFits } from '../../models/import/import-model.ts';

function table(rows: string[][]): string {
  const widths = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)));
  return rows.map((r) => r.map((cell, j) => (j === r.length - 1 ? cell : cell.padEnd(widths[j]))).join('  ').trimEnd()).join('\n');
}

/** Channels of an image shape [H, W, C] (0 for other shapes). */
function channelsOf(shape: readonly number[]): number {
  return shape.length === 3 ? shape[2] : 0;
}

export const stagesCommand: Command = {
  name: 'stages',
  summary: 'candidate stages of a model file (.onnx or TF.js model.json), with the paper names',
  usage: `Usage: metamer stages PATH [--json] [--input-spec FILE] [--backend wasm|cpu|webgpu [--allow-software-gpu]]

Inspects a model file - a .onnx file, or a TF.js model.json with its weight shards next
to it - and lists its candidate stages: ReLU outputs, residual merges, pools and the final
output, named as in the paper for AlexNet (relu0..relu4, fc0_relu, fc1_relu, final), VGG,
ResNets (conv1_relu1, layer1..layer4, avgpool, final) and CochCNN9. "*" marks the
suggested stages (the default of --stages in generate and null). Also prints the guessed
input spec; --input-spec FILE (JSON: InputSpec fields, "layout", "channelOrder"; fields left
out keep the guess) is checked against the model's input and shown instead.`,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parse(
      argv,
      { help: COMMON_OPTIONS.help, ...BACKEND_OPTIONS, json: { type: 'boolean' }, 'input-spec': { type: 'string' } },
      true,
    );
    if (values.help) {
      io.out(`${this.usage}\n`);
      return 0;
    }
    if (positionals.length !== 1) throw new UsageError(`stages needs one model file (.onnx or model.json), got ${positionals.length} argument(s)`);
    await cliBackend(backendChoice(values), io);
    const { draft, spec } = await inspectModelPath(positionals[0], values['input-spec']);
    try {
      checkInputFits(draft, spec.inputSpec, spec.layout);
    } catch (e) {
      // Name the spec file too when the user gave one (the message names the model file).
      throw values['input-spec'] ? new Error(`${values['input-spec']}: ${(e as Error).message}`) : e;
    }
    if (values.json) {
      const summary = {
        file: positionals[0],
        kind: draft.kind,
        architecture: draft.architecture,
        input: { name: draft.inputName, dims: draft.inputDims },
        inputSpec: spec.inputSpec,
        layout: spec.layout,
        channelOrder: spec.channelOrder,
        frontEnd: draft.frontEnd ?? null,
        logits: draft.logits,
        stages: draft.candidates,
      };
      io.out(`${JSON.stringify(summary, null, 2)}\n`);
      return 0;
    }
    const arch = draft.kind !== 'onnx' ? 'not checked (stage names are the file\'s layer / node names)' : (draft.architecture ?? 'not recognised (derived names)');
    const order = channelsOf(spec.inputSpec.shape) === 3 ? `, ${spec.channelOrder}` : '';
    const s = spec.inputSpec;
    const norm = s.normalization ? `, normalised (x - [${s.normalization.mean}]) / [${s.normalization.std}]` : '';
    io.out(`${positionals[0]}: ${draft.kind === 'onnx' ? 'ONNX' : `TF.js ${draft.kind}`} model, architecture ${arch}\n`);
    io.out(`input "${draft.inputName}" [${draft.inputDims}]: ${s.modality} [${s.shape}] in [${s.range}]${s.sampleRate ? ` at ${s.sampleRate} Hz` : ''}` +
      `${draft.frontEnd ? ' through the cochleagram' : `, ${spec.layout}${order}`}${norm}\n\n`);
    const rows = [['name', 'kind', 'shape', 'value', 'suggested']];
    for (const c of draft.candidates) rows.push([c.name, c.kind, `[${c.shape.join(', ')}]`, `${c.value} (${c.opType})`, c.suggested ? '*' : '']);
    io.out(`${table(rows)}\n`);
    return 0;
  },
};
