/**
 * The files of one run's export: the metamer as PNG (image models) or WAV (audio models),
 * and the run as JSON. Pure functions of the saved run and its model's manifest.
 */
import { encodeWav } from '../audio/wav.ts';
import type { ModelManifest } from '../models/manifest.ts';
import type { SavedRun } from './saved-run.ts';
import { APP_VERSION } from './app-version.ts';
import { exportBaseName } from './file-names.ts';
import { runJsonText, type RunJsonOptions } from './run-json.ts';
import { stimulusToPng } from './stimulus-png.ts';

export interface ExportFile {
  name: string;
  bytes: Uint8Array;
  mime: string;
}

/**
 * The run's latest snapshot (x_step) as a file, or null when the run has none yet. Images:
 * 8-bit PNG over the model's input range. Audio: 16-bit PCM WAV at the model's sample rate
 * when the input range lies within [-1, 1] (the usual case), else 32-bit float WAV so
 * nothing is clipped.
 */
export function metamerFile(run: SavedRun, manifest: ModelManifest): ExportFile | null {
  if (manifest.id !== run.modelId) throw new Error(`run ${run.id} belongs to model "${run.modelId}", not "${manifest.id}"`);
  const snapshot = run.snapshot;
  if (!snapshot) return null;
  const spec = manifest.inputSpec;
  const base = exportBaseName(run);
  if (spec.modality === 'image') {
    const text = {
      Software: `Metamer Playground ${APP_VERSION}`,
      Comment: `model metamer: model ${run.modelId}, stage ${run.stage}, step ${snapshot.step}, seed ${run.settings.config.seed}, run ${run.id}`,
    };
    return { name: `${base}.png`, bytes: stimulusToPng(snapshot.data, snapshot.shape, spec.range, { text }), mime: 'image/png' };
  }
  const sampleRate = spec.sampleRate;
  if (sampleRate === undefined) throw new Error(`audio model "${manifest.id}" has no inputSpec.sampleRate`);
  const fitsPcm = spec.range[0] >= -1 && spec.range[1] <= 1;
  const bytes = encodeWav(snapshot.data, sampleRate, fitsPcm ? { format: 'pcm', bitDepth: 16 } : { format: 'float', bitDepth: 32 });
  return { name: `${base}.wav`, bytes, mime: 'audio/wav' };
}

/** The run's JSON export (runToJson) as a file. */
export function runJsonFile(run: SavedRun, manifest: ModelManifest, options: RunJsonOptions = {}): ExportFile {
  return { name: `${exportBaseName(run)}.json`, bytes: new TextEncoder().encode(runJsonText(run, manifest, options)), mime: 'application/json' };
}
