/** `metamer generate`: one model metamer for one stage and one reference, written to a folder. */
import { writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type * as tfTypes from '@tensorflow/tfjs';
import { COMMON_OPTIONS, backendChoice, choiceOption, parse, requireString } from '../args.ts';
import { cliBackend } from '../backend.ts';
import { UsageError } from '../errors.ts';
import { progressReporter, type CliIo } from '../io.ts';
import { prepareInput } from '../prepare-input.ts';
import { RUN_SETTING_OPTIONS, cliRunSettings } from '../run-setting-options.ts';
import { ensureDir } from '../out-dir.ts';
import type { Command } from './command.ts';
import { MetamerRun } from '../../engine/metamer-run.ts';
import { totalSteps } from '../../engine/presets.ts';
import { budgetNote, runConfigFor } from '../../engine/run-recipe.ts';
import type { RunConfig, StagedModel, StepRecord } from '../../engine/types.ts';
import type { ModelManifest } from '../../models/manifest.ts';
import { newRunId, type MetricsEntry, type SavedRun } from '../../export/saved-run.ts';
import { runJsonText } from '../../export/run-json.ts';
import { metamerFile } from '../../export/metamer-file.ts';
import { writeNpy } from '../../io/npy.ts';
import { encodeWav } from '../../audio/wav.ts';
import { encodePngBytes } from '../../io/png-node.ts';
import { judgeMetamer } from '../../models/judge.ts';
import { weightsHashOf } from '../../models/weights-hash.ts';
import { ALL_STAGES, generateAllStages } from './generate-all.ts';
import { runRecord, writeRunFolder } from '../run-folder.ts';
import { isModelPath, readNullFile, resolveModel, stageList, type ResolvedModel } from '../model-arg.ts';

/** The options `generate` takes (the run settings mirror the page's, one recipe: src/engine/run-recipe.ts). */
const GENERATE_OPTIONS = {
  ...COMMON_OPTIONS,
  model: { type: 'string' },
  stage: { type: 'string' },
  input: { type: 'string' },
  out: { type: 'string' },
  ...RUN_SETTING_OPTIONS,
  measure: { type: 'string' },
  null: { type: 'string' },
  'input-spec': { type: 'string' },
  stages: { type: 'string' },
} as const;

/** The complete run config `generate argv` runs (exported so tests compare it with the page's). */
export function generateRunConfig(argv: string[]): RunConfig {
  const { values } = parse(argv, GENERATE_OPTIONS);
  return runConfigFor(requireString(values.stage, 'stage'), cliRunSettings(values));
}

export const generateCommand: Command = {
  name: 'generate',
  summary: 'generate a model metamer for one stage of a built-in model or a model file',
  usage: `Usage: metamer generate --model ID|PATH --stage NAME|all --input FILE --out DIR
                       [--preset quick|paper] [--steps N] [--passes P] [--seed S]
                       [--optimizer normalized-gd|adam] [--lr X] [--eta0 X] [--no-fake-relu]
                       [--tv X] [--alpha-norm X] [--alpha X]
                       [--measure all|stage] [--null FILE] [--backend wasm|cpu|webgpu [--allow-software-gpu]]
                       [--models-dir DIR] [--input-spec FILE] [--stages a,b,...]

Optimises noise until its activations at --stage match those of the reference --input
(images: PNG/JPEG, converted, centre-cropped and resized to the model's input exactly as the
page does; audio: WAV, mixed to mono, resampled, centred 2-s window, mean removed, RMS 0.1;
or a .npy of raw values). The settings are the page's, by the same rule: default the paper's
8 x 3000 steps; --preset quick is 4 x 500; --steps N alone is one pass of N steps; with a
preset or --passes the steps are split over its passes (rounded up). Writes to DIR:
run.json (the page's run record, schema metamer-run-export/1: model and weights hash,
settings, seed, loss and metric history, verdict; the page's "Open runs" opens DIR),
metamer.png|.wav (as the page exports it), metamer.npy (exact values) and
reference.npy + reference.png|.wav.
--measure stage computes the final metrics at --stage only (faster for large models).

--stage all makes one metamer per stage from the same noise (the paper's Figure 2d/h): all
stages are optimised together as one batch (each image's loss, fake ReLU, loss schedule and
step at its own stage; results equal separate runs); models that run with batch 1 only (the
audio models, CenterNet, ONNX and TF.js graph imports) run their stages one after another,
and say so. Writes one subfolder per stage (the files above) and summary.json (mode, per stage:
outcome, verdict, final loss, steps) to DIR.
--models-dir DIR reads models from DIR instead of the repository's models/ folder.
--null FILE tests success against that null distribution (a "metamer null" output)
instead of the model's stored one.

--model PATH imports a model file on the fly: a .onnx file or a TF.js model.json with its
shards (see "metamer stages PATH" for its stages and guessed input spec). --input-spec
FILE overrides the guessed input spec (JSON: InputSpec fields, "layout", "channelOrder");
--stages a,b picks the stages measured (default: the suggested ones, plus --stage).`,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values } = parse(argv, GENERATE_OPTIONS);
    if (values.help) {
      io.out(`${this.usage}\n`);
      return 0;
    }
    const id = requireString(values.model, 'model');
    const stage = requireString(values.stage, 'stage');
    const input = requireString(values.input, 'input');
    const outDir = requireString(values.out, 'out');
    const settings = cliRunSettings(values);
    const config = runConfigFor(stage, settings);
    const measure = choiceOption(values.measure, 'measure', ['all', 'stage'] as const, 'all');
    const backend = backendChoice(values);

    const tf = await cliBackend(backend, io);
    if (values.stages !== undefined && !isModelPath(id)) throw new UsageError('--stages applies to a model file (--model path/to/model.onnx); a built-in model measures all its stages');
    const loaded = await resolveModel(id, {
      modelsDir: values['models-dir'],
      inputSpecFile: values['input-spec'],
      stages: stageList(values.stages),
      alsoStages: stage === ALL_STAGES ? [] : [stage],
      report: (line) => io.err(line),
    });
    const { model, manifest } = loaded;
    if (values.null !== undefined) {
      loaded.nullDistribution = await readNullFile(values.null);
      if (loaded.nullDistribution.model !== manifest.id) io.err(`note: ${values.null} was built for model "${loaded.nullDistribution.model}", not "${manifest.id}"\n`);
    }
    const disposables: tfTypes.Tensor[] = [];
    let run: MetamerRun | undefined;
    const stopper = new AbortController();
    const onSigint = () => stopper.abort();
    try {
      if (stage !== ALL_STAGES && !model.stages.includes(stage)) throw new UsageError(`model "${id}" has no stage "${stage}" (stages: ${model.stages.join(', ')})`);
      const prepared = await prepareInput(input, model.inputSpec);
      // Create the output folder before the long run, so that a bad path fails at once.
      await ensureDir(outDir);
      disposables.push(prepared.tensor);
      io.err(`input: ${prepared.description}\n`);

      const total = totalSteps(config);
      const note = budgetNote(settings);
      if (note) io.err(`note: ${note}\n`);

      if (stage === ALL_STAGES) {
        process.once('SIGINT', onSigint);
        await generateAllStages(tf, io, {
          outDir, loaded, modelArg: id, config: runConfigFor(model.stages[0], settings), measure, reference: prepared.tensor,
          inputPath: input, inputDescription: prepared.description, signal: stopper.signal,
        });
        return 0;
      }
      const history: StepRecord[] = [];
      const progress = progressReporter(io);
      const started = Date.now();
      let errorMessage: string | undefined;
      const metricHistory: MetricsEntry[] = [];
      const measureStages = measure === 'stage' ? [stage] : undefined;
      run = new MetamerRun(model, prepared.tensor, config);
      process.once('SIGINT', onSigint);
      const outcome = await run.run({
        signal: stopper.signal,
        measureStages,
        onEvent: (e) => {
          // Every measurement is kept (the record's metric history); the run measures at its end too.
          if (e.type === 'metrics') metricHistory.push({ step: e.step, stages: e.stages });
          if (e.type === 'progress') {
            history.push(...e.records);
            const last = e.records[e.records.length - 1];
            if (!last) return;
            const done = last.step + 1;
            const elapsed = (Date.now() - started) / 1000;
            const eta = done > 0 ? (elapsed / done) * (total - done) : 0;
            progress.update(`step ${done}/${total}  loss ${last.loss.toExponential(3)}  step size ${last.eta.toPrecision(3)}  ${elapsed.toFixed(0)} s elapsed, ~${eta.toFixed(0)} s left`);
          } else if (e.type === 'error') {
            errorMessage = e.message;
          }
        },
      });
      process.off('SIGINT', onSigint);
      if (outcome === 'error') throw new Error(`optimisation failed: ${errorMessage ?? 'unknown error'}`);
      const seconds = (Date.now() - started) / 1000;
      progress.done(`${outcome === 'stopped' ? 'stopped' : 'done'} after ${history.length} steps in ${seconds.toFixed(1)} s; final loss ${history.at(-1)?.loss.toExponential(4) ?? 'n/a'}`);

      const metamer = run.current();
      disposables.push(metamer);
      if (!metricHistory.length || metricHistory.at(-1)!.step !== history.length) {
        metricHistory.push({ step: history.length, stages: await run.measure(measureStages) });
      }
      const { record, verdictText } = await runRecord(tf, {
        loaded, modelArg: id, stage, config, measure, inputPath: input, reference: prepared.tensor, metamer,
        history, metricHistory, outcome, started, total,
      });
      const files = await writeRunFolder(outDir, record, manifest);
      io.err(`wrote ${files.join(', ')} to ${outDir}; success test at ${stage}: ${verdictText}\n`);
      return 0;
    } finally {
      process.off('SIGINT', onSigint);
      run?.dispose();
      tf.dispose(disposables);
      model.dispose();
    }
  },
};
