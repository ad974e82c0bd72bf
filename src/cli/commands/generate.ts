/** `metamer generate`: one model metamer for one stage and one reference, written to a folder. */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as tfTypes from '@tensorflow/tfjs';
import { COMMON_OPTIONS, backendOption, choiceOption, intOption, parse, requireString } from '../args.ts';
import { cliBackend } from '../backend.ts';
import { UsageError } from '../errors.ts';
import { progressReporter, type CliIo } from '../io.ts';
import { prepareInput } from '../prepare-input.ts';
import type { Command } from './command.ts';
import { MetamerRun } from '../../engine/metamer-run.ts';
import { PRESETS, makeRunConfig, type PresetName } from '../../engine/presets.ts';
import { validateNullDistribution } from '../../engine/null-distribution.ts';
import { successTest } from '../../engine/verdict.ts';
import type { MetricName, MetricSet, StagedModel, StepRecord } from '../../engine/types.ts';
import { writeNpy } from '../../io/npy.ts';
import { encodeWav } from '../../audio/wav.ts';
import { encodePngBytes } from '../../io/png-node.ts';
import type { ModelManifest } from '../../models/manifest.ts';
import { isModelPath, readNullFile, resolveModel, stageList } from '../model-arg.ts';

/**
 * Spreads `steps` over the preset's passes: passes x itersPerPass with itersPerPass =
 * floor(steps / passes); fewer steps than passes runs one pass of `steps`.
 */
export function stepBudget(preset: PresetName, steps?: number): { passes: number; itersPerPass: number } {
  const p = PRESETS[preset];
  if (steps === undefined) return { passes: p.passes, itersPerPass: p.itersPerPass };
  if (steps < p.passes) return { passes: 1, itersPerPass: steps };
  return { passes: p.passes, itersPerPass: Math.floor(steps / p.passes) };
}

/** The success test's metrics: manifest.params.successMetrics, else the paper's (HMAX: SNR only). */
export function successMetrics(manifest: ModelManifest): MetricName[] | undefined {
  const fromParams = manifest.params?.successMetrics;
  if (Array.isArray(fromParams)) return fromParams as MetricName[];
  return manifest.builder === 'hmax' ? ['snrDb'] : undefined;
}

/** One hash for all weight files: SHA-256 over "path sha256" lines of the manifest. */
export function weightsHash(manifest: ModelManifest): string {
  const lines = manifest.weights.map((w) => `${w.path} ${w.sha256}\n`).join('');
  return createHash('sha256').update(lines).digest('hex');
}

function classOf(tf: typeof tfTypes, model: StagedModel, x: tfTypes.Tensor): string | undefined {
  const readout = model.readout;
  if (!readout) return undefined;
  const index = tf.tidy(() => tf.argMax(readout.logits(x).reshape([-1])).dataSync()[0]);
  return readout.labels[index];
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
    const { values } = parse(argv, {
      ...COMMON_OPTIONS,
      model: { type: 'string' },
      stage: { type: 'string' },
      input: { type: 'string' },
      out: { type: 'string' },
      steps: { type: 'string' },
      seed: { type: 'string' },
      preset: { type: 'string' },
      optimizer: { type: 'string' },
      'fake-relu': { type: 'boolean' },
      measure: { type: 'string' },
      null: { type: 'string' },
      'input-spec': { type: 'string' },
      stages: { type: 'string' },
    });
    if (values.help) {
      io.out(`${this.usage}\n`);
      return 0;
    }
    const id = requireString(values.model, 'model');
    const stage = requireString(values.stage, 'stage');
    const input = requireString(values.input, 'input');
    const outDir = requireString(values.out, 'out');
    const preset = choiceOption(values.preset, 'preset', Object.keys(PRESETS) as PresetName[], 'quick');
    const steps = values.steps === undefined ? undefined : intOption(values.steps, 'steps', undefined, 1);
    const seed = intOption(values.seed, 'seed', 0);
    const optimizer = choiceOption(values.optimizer, 'optimizer', ['normalized-gd', 'adam'] as const, 'normalized-gd');
    const fakeRelu = values['fake-relu'] ?? true;
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

      const budget = stepBudget(preset, steps);
      const total = budget.passes * budget.itersPerPass;
      if (steps !== undefined && total !== steps) io.err(`note: running ${budget.passes} passes x ${budget.itersPerPass} = ${total} steps\n`);
      const config = makeRunConfig(stage, { ...budget, seed, optimizer, fakeRelu, metricsEvery: 0, snapshotEvery: 0 });

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

      let verdict: unknown;
      if (!loaded.nullDistribution) {
        const how = loaded.imported ? `"metamer null --model ${id} --out FILE", then pass --null FILE` : '"metamer null"';
        verdict = { stage, pass: null, reason: `model "${id}" has no ${loaded.imported ? '' : 'stored '}null distribution (build one with ${how})` };
      } else if (!loaded.nullDistribution.stages?.[stage]) {
        verdict = { stage, pass: null, reason: `the null distribution of "${id}" has no stage "${stage}"` };
      } else {
        const nullDist = validateNullDistribution(loaded.nullDistribution);
        const referenceClass = classOf(tf, model, prepared.tensor);
        const metamerClass = classOf(tf, model, metamer);
        verdict = successTest({ stage, metrics: metrics[stage], nullDist, metricsUsed: successMetrics(manifest), referenceClass, metamerClass });
      }
      await writeFile(join(outDir, 'verdict.json'), json(verdict));
      await writeFile(
        join(outDir, 'run.json'),
        json({
          model: manifest.id,
          modelName: manifest.name,
          ...(loaded.imported ? { modelFile: id, inputSpec: manifest.inputSpec, modelParams: manifest.params } : {}),
          weightsSha256: weightsHash(manifest),
          weights: manifest.weights,
          stage,
          seed,
          preset,
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
