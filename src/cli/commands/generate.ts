/** `metamer generate`: one model metamer for one stage and one reference, written to a folder. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as tfTypes from '@tensorflow/tfjs';
import { COMMON_OPTIONS, backendOption, choiceOption, intOption, numberOption, parse, requireString } from '../args.ts';
import { cliBackend } from '../backend.ts';
import { UsageError } from '../errors.ts';
import { progressReporter, type CliIo } from '../io.ts';
import { prepareInput } from '../prepare-input.ts';
import type { Command } from './command.ts';
import { MetamerRun } from '../../engine/metamer-run.ts';
import { PRESETS, totalSteps, type PresetName } from '../../engine/presets.ts';
import { DEFAULT_PRESET, budgetNote, runConfigFor, type RunSettings } from '../../engine/run-recipe.ts';
import type { MetricSet, RunConfig, StagedModel, StepRecord } from '../../engine/types.ts';
import { writeNpy } from '../../io/npy.ts';
import { encodeWav } from '../../audio/wav.ts';
import { encodePngBytes } from '../../io/png-node.ts';
import { judgeMetamer } from '../../models/judge.ts';
import { weightsHashOf } from '../../models/weights-hash.ts';
import { isModelPath, readNullFile, resolveModel, stageList } from '../model-arg.ts';

/** The options `generate` takes (the run settings mirror the page's, one recipe: src/engine/run-recipe.ts). */
const GENERATE_OPTIONS = {
  ...COMMON_OPTIONS,
  model: { type: 'string' },
  stage: { type: 'string' },
  input: { type: 'string' },
  out: { type: 'string' },
  steps: { type: 'string' },
  passes: { type: 'string' },
  seed: { type: 'string' },
  preset: { type: 'string' },
  optimizer: { type: 'string' },
  lr: { type: 'string' },
  eta0: { type: 'string' },
  tv: { type: 'string' },
  'alpha-norm': { type: 'string' },
  alpha: { type: 'string' },
  'fake-relu': { type: 'boolean' },
  measure: { type: 'string' },
  null: { type: 'string' },
  'input-spec': { type: 'string' },
  stages: { type: 'string' },
} as const;

type GenerateValues = ReturnType<typeof parse<typeof GENERATE_OPTIONS>>['values'];

/** The run settings of the flags: the same RunSettings the page's URL and panel give. */
export function cliRunSettings(values: GenerateValues): RunSettings {
  const settings: RunSettings = {
    preset: values.preset === undefined ? undefined : choiceOption(values.preset, 'preset', Object.keys(PRESETS) as PresetName[], DEFAULT_PRESET),
    steps: values.steps === undefined ? undefined : intOption(values.steps, 'steps', undefined, 1),
    passes: values.passes === undefined ? undefined : intOption(values.passes, 'passes', undefined, 1),
    seed: intOption(values.seed, 'seed', 0),
    optimizer: choiceOption(values.optimizer, 'optimizer', ['normalized-gd', 'adam'] as const, 'normalized-gd'),
    learningRate: numberOption(values.lr, 'lr'),
    eta0: numberOption(values.eta0, 'eta0'),
    fakeRelu: values['fake-relu'] ?? true,
    tv: numberOption(values.tv, 'tv'),
    alphaNorm: numberOption(values['alpha-norm'], 'alpha-norm'),
    alpha: numberOption(values.alpha, 'alpha'),
  };
  if (settings.steps !== undefined && settings.passes !== undefined && settings.passes > settings.steps) {
    throw new UsageError(`--passes (${settings.passes}) cannot exceed --steps (${settings.steps}): every pass needs at least one step`);
  }
  return settings;
}

/** The complete run config `generate argv` runs (exported so tests compare it with the page's). */
export function generateRunConfig(argv: string[]): RunConfig {
  const { values } = parse(argv, GENERATE_OPTIONS);
  return runConfigFor(requireString(values.stage, 'stage'), cliRunSettings(values));
}

/** JSON.stringify that keeps +-Infinity (exact matches) readable instead of null. */
function json(value: unknown): string {
  return `${JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2)}\n`;
}

async function writeStimulus(dir: string, name: string, x: tfTypes.Tensor, model: StagedModel): Promise<string[]> {
  const spec = model.inputSpec;
  const data = (await x.data()) as Float32Array;
  const written = [`${name}.npy`];
  await writeFile(join(dir, `${name}.npy`), writeNpy(data, spec.shape));
  if (spec.modality === 'image') {
    await writeFile(join(dir, `${name}.png`), encodePngBytes(data, spec.shape, { range: spec.range }));
    written.push(`${name}.png`);
  } else if (spec.modality === 'audio') {
    await writeFile(join(dir, `${name}.wav`), encodeWav(data, spec.sampleRate ?? 20000, { bitDepth: 32, format: 'float' }));
    written.push(`${name}.wav`);
  }
  return written;
}

export const generateCommand: Command = {
  name: 'generate',
  summary: 'generate a model metamer for one stage of a built-in model or a model file',
  usage: `Usage: metamer generate --model ID|PATH --stage NAME --input FILE --out DIR
                       [--steps N] [--seed S] [--preset quick|paper]
                       [--optimizer normalized-gd|adam] [--no-fake-relu]
                       [--measure all|stage] [--null FILE] [--backend wasm|cpu]
                       [--models-dir DIR] [--input-spec FILE] [--stages a,b,...]

Optimises noise until its activations at --stage match those of the reference --input
(images: PNG/JPEG, converted, centre-cropped and resized to the model's input; audio: WAV,
mixed to mono, resampled, centred 2-s window, mean removed, RMS 0.1; or a .npy of raw
values). --steps N spreads N steps over the preset's passes (quick: 4 passes, paper: 8;
default: the preset's own budget, quick = 2000, paper = 24000). Writes to DIR:
metamer.png|.wav/.npy, reference.png|.wav/.npy, metrics.json (all stages, at the end),
history.json (loss, eta, gradNorm per step), verdict.json (the success test at --stage
against the model's null distribution) and run.json (settings, seed, model, weights hash).
--measure stage computes the final metrics at --stage only (faster for large models).
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
    const backend = backendOption(values.backend);

    const tf = await cliBackend(backend);
    if (values.stages !== undefined && !isModelPath(id)) throw new UsageError('--stages applies to a model file (--model path/to/model.onnx); a built-in model measures all its stages');
    const loaded = await resolveModel(id, {
      modelsDir: values['models-dir'],
      inputSpecFile: values['input-spec'],
      stages: stageList(values.stages),
      alsoStages: [stage],
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
      if (!model.stages.includes(stage)) throw new UsageError(`model "${id}" has no stage "${stage}" (stages: ${model.stages.join(', ')})`);
      const prepared = await prepareInput(input, model.inputSpec);
      // Create the output folder before the long run, so that a bad path fails at once.
      try {
        await mkdir(outDir, { recursive: true });
      } catch (e) {
        throw new Error(`cannot create output folder ${outDir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      disposables.push(prepared.tensor);
      io.err(`input: ${prepared.description}\n`);

      const total = totalSteps(config);
      const note = budgetNote(settings);
      if (note) io.err(`note: ${note}\n`);

      const history: StepRecord[] = [];
      const progress = progressReporter(io);
      const started = Date.now();
      let errorMessage: string | undefined;
      let finalMetrics: Record<string, MetricSet> | undefined;
      const measureStages = measure === 'stage' ? [stage] : undefined;
      run = new MetamerRun(model, prepared.tensor, config);
      process.once('SIGINT', onSigint);
      const outcome = await run.run({
        signal: stopper.signal,
        measureStages,
        onEvent: (e) => {
          // The run measures at its end; keep that rather than paying for a second measure.
          if (e.type === 'metrics') finalMetrics = e.stages;
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
      const metrics = finalMetrics ?? (await run.measure(measureStages));
      const files = [
        ...(await writeStimulus(outDir, 'metamer', metamer, model)),
        ...(await writeStimulus(outDir, 'reference', prepared.tensor, model)),
      ];
      await writeFile(join(outDir, 'metrics.json'), json(metrics));
      await writeFile(join(outDir, 'history.json'), json(history));

      const judged = await judgeMetamer({
        model, manifest, nullDistribution: loaded.nullDistribution, stage, metrics, reference: prepared.tensor, metamer,
      });
      let verdict: unknown = judged.verdict;
      if (judged.missing === 'no-null') {
        const how = loaded.imported ? `"metamer null --model ${id} --out FILE", then pass --null FILE` : '"metamer null"';
        verdict = { stage, pass: null, reason: `model "${id}" has no ${loaded.imported ? '' : 'stored '}null distribution (build one with ${how})` };
      } else if (judged.missing) {
        verdict = { stage, pass: null, reason: `the null distribution of "${id}" has no stage "${stage}"` };
      }
      await writeFile(join(outDir, 'verdict.json'), json(verdict));
      await writeFile(
        join(outDir, 'run.json'),
        json({
          model: manifest.id,
          modelName: manifest.name,
          ...(loaded.imported ? { modelFile: id, inputSpec: manifest.inputSpec, modelParams: manifest.params } : {}),
          weightsHash: await weightsHashOf(manifest),
          weights: manifest.weights,
          stage,
          seed: config.seed,
          settings,
          steps: total,
          stepsRun: history.length,
          outcome,
          config,
          backend: tf.getBackend(),
          input: { path: input, preparation: prepared.description },
          seconds,
          createdAt: new Date().toISOString(),
        }),
      );
      files.push('metrics.json', 'history.json', 'verdict.json', 'run.json');
      const v = verdict as { pass: boolean | null };
      const verdictText = v.pass === null ? 'no null distribution' : v.pass ? 'PASS' : 'FAIL';
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
