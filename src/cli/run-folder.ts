/**
 * A finished CLI run's record and folder: the page's run record (metamer-run-export/1) with the
 * paper's success test, and the files a run folder holds. Shared by \`generate\`, \`generate --stage
 * all\` and \`batch run\`, so each writes exactly what the page opens.
 */
import { writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type * as tfTypes from '@tensorflow/tfjs';
import type { RunConfig, StagedModel, StepRecord } from '../engine/types.ts';
import type { ModelManifest } from '../models/manifest.ts';
import { newRunId, type MetricsEntry, type SavedRun } from '../export/saved-run.ts';
import { runJsonText } from '../export/run-json.ts';
import { metamerFile } from '../export/metamer-file.ts';
import { writeNpy } from '../io/npy.ts';
import { encodeWav } from '../audio/wav.ts';
import { encodePngBytes } from '../io/png-node.ts';
import { judgeMetamer } from '../models/judge.ts';
import { weightsHashOf } from '../models/weights-hash.ts';
import type { ResolvedModel } from './model-arg.ts';

/** The raw values of a stimulus as .npy, plus .png (images) or .wav (sounds). */
async function writeStimulus(dir: string, name: string, data: Float32Array, model: StagedModel): Promise<string[]> {
  const spec = model.inputSpec;
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

/**
 * A run's folder: run.json (the page's metamer-run-export/1 document, runJsonText), the metamer
 * as the page exports it (metamerFile: 8-bit PNG or 16-bit WAV) named metamer.png|.wav, its exact
 * values metamer.npy, and the reference (reference.npy + .png|.wav). The page opens the folder.
 */
export async function writeRunFolder(dir: string, run: SavedRun, manifest: ModelManifest): Promise<string[]> {
  const files = ['run.json'];
  await writeFile(join(dir, 'run.json'), runJsonText(run, manifest));
  const snapshot = run.snapshot!;
  const file = metamerFile(run, manifest)!;
  const ext = file.name.slice(file.name.lastIndexOf('.'));
  await writeFile(join(dir, `metamer${ext}`), file.bytes);
  await writeFile(join(dir, 'metamer.npy'), writeNpy(snapshot.data, snapshot.shape));
  files.push(`metamer${ext}`, 'metamer.npy');
  if (run.reference.kind === 'user') {
    const model = { inputSpec: manifest.inputSpec } as StagedModel;
    files.push(...(await writeStimulus(dir, 'reference', run.reference.data, model)));
  }
  return files;
}

/** What a finished run leaves, for its record (runRecord). */
export interface FinishedRun {
  loaded: ResolvedModel;
  /** --model as given (an id or a model file). */
  modelArg: string;
  stage: string;
  config: RunConfig;
  measure: 'all' | 'stage';
  inputPath: string;
  /** [1, ...shape] raw stimuli. */
  reference: tfTypes.Tensor;
  metamer: tfTypes.Tensor;
  history: StepRecord[];
  /** The metric history; its last entry holds the final metrics. */
  metricHistory: MetricsEntry[];
  outcome: string;
  /** Date.now() when the run started. */
  started: number;
  total: number;
}

/**
 * A finished run as the page's run record (SavedRun, written by writeRunFolder), with the
 * paper's success test at its stage, and that verdict as one line for the terminal. Used by a
 * single run and by every stage of `--stage all`.
 */
export async function runRecord(tf: typeof tfTypes, r: FinishedRun): Promise<{ record: SavedRun; verdictText: string }> {
  const { loaded, stage, modelArg: id } = r;
  const { model, manifest } = loaded;
  const metrics = r.metricHistory.at(-1)?.stages ?? {};
  const judged = await judgeMetamer({
    model, manifest, nullDistribution: loaded.nullDistribution, stage, metrics, reference: r.reference, metamer: r.metamer,
  });
  let verdictText = judged.verdict ? (judged.verdict.pass ? 'PASS' : 'FAIL') : '';
  if (judged.missing === 'no-null') {
    const how = loaded.imported ? `"metamer null --model ${id} --out FILE", then pass --null FILE` : '"metamer null"';
    verdictText = `none: model "${id}" has no ${loaded.imported ? '' : 'stored '}null distribution (build one with ${how})`;
  } else if (judged.missing) {
    verdictText = `none: the null distribution of "${id}" has no stage "${stage}"`;
  }
  // The run record: the page's own document (metamer-run-export/1), written by the page's code.
  const now = Date.now();
  const metamerData = Float32Array.from(await r.metamer.data());
  const record: SavedRun = {
    id: newRunId(r.started), createdAt: r.started, updatedAt: now, modelId: manifest.id, modelName: manifest.name,
    weightsHash: await weightsHashOf(manifest), stage,
    reference: { kind: 'user', name: basename(r.inputPath), shape: [...model.inputSpec.shape], data: Float32Array.from(await r.reference.data()) },
    settings: { config: r.config, measure: r.measure, backend: tf.getBackend() },
    status: r.outcome === 'stopped' ? 'stopped' : 'done', step: r.history.length, totalSteps: r.total,
    records: r.history, metrics: r.metricHistory, verdict: judged.verdict,
    snapshot: { step: r.history.length, shape: [...model.inputSpec.shape], data: metamerData }, state: null,
  };
  return { record, verdictText };
}
