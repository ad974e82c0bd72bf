/**
 * The all-stages grid as one zip: per stage the metamer file (PNG/WAV, made by the caller,
 * usually metamerFile) and the run's JSON export, plus index.json summarising stage ->
 * verdict and final metrics. Everything sits in one top folder so unzipping makes one folder.
 */
import type { ModelManifest } from '../models/manifest.ts';
import type { SavedRun, SavedRunStatus } from './saved-run.ts';
import { APP_NAME, APP_VERSION } from './app-version.ts';
import { safeFilePart } from './file-names.ts';
import { exportMetrics, exportVerdict, runJsonText, type ExportedMetricSet, type ExportedVerdict } from './run-json.ts';
import { zip, type ZipEntry } from './zip.ts';

export const GRID_EXPORT_SCHEMA = 'metamer-grid-export/1';

export interface GridEntry {
  stage: string;
  run: SavedRun;
  /** The metamer of this stage's run, e.g. metamerFile(run, manifest). */
  file: { name: string; bytes: Uint8Array };
}

export interface GridIndexStage {
  stage: string;
  runId: string;
  status: SavedRunStatus;
  step: number;
  totalSteps: number;
  /** Verdict of the success test; null while there is none. */
  pass: boolean | null;
  verdict: ExportedVerdict | null;
  /** The run's last metrics (every measured stage) and the step they were taken at. */
  finalMetrics: { step: number; stages: Record<string, ExportedMetricSet> } | null;
  /** Paths inside the zip, relative to index.json. */
  files: { metamer: string; run: string };
}

export interface GridIndex {
  schema: typeof GRID_EXPORT_SCHEMA;
  app: { name: string; version: string };
  exportedAt: string;
  model: { id: string; name: string; weightsHash: string };
  /** The batch id all runs share, or null when they come from different batches. */
  group: string | null;
  /** In the order given (shallow to deep when the caller passes model stage order). */
  stages: GridIndexStage[];
}

export interface GridZipOptions {
  now?: Date;
}

/** Name stem of a file: "a.b.png" -> "a.b". */
function stem(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

function runJsonName(file: { name: string }): string {
  return `${stem(file.name)}.run.json`;
}

export function gridIndex(entries: readonly GridEntry[], manifest: ModelManifest, options: GridZipOptions = {}): GridIndex {
  if (entries.length === 0) throw new Error('a grid export needs at least one stage');
  for (const { stage, run } of entries) {
    if (run.modelId !== manifest.id) throw new Error(`run ${run.id} belongs to model "${run.modelId}", not "${manifest.id}"`);
    if (run.stage !== stage) throw new Error(`grid entry for stage "${stage}" holds run ${run.id} of stage "${run.stage}"`);
  }
  const groups = new Set(entries.map((e) => e.run.group ?? null));
  const hashes = new Set(entries.map((e) => e.run.weightsHash));
  return {
    schema: GRID_EXPORT_SCHEMA,
    app: { name: APP_NAME, version: APP_VERSION },
    exportedAt: (options.now ?? new Date()).toISOString(),
    // Runs of one batch share weights; if not, say so instead of picking one hash.
    model: { id: manifest.id, name: manifest.name, weightsHash: hashes.size === 1 ? entries[0].run.weightsHash : 'mixed' },
    group: groups.size === 1 ? [...groups][0] : null,
    stages: entries.map(({ stage, run, file }) => {
      const last = run.metrics.at(-1);
      const finalMetrics = last
        ? { step: last.step, stages: Object.fromEntries(Object.entries(last.stages).map(([s, m]) => [s, exportMetrics(m)])) }
        : null;
      return {
        stage,
        runId: run.id,
        status: run.status,
        step: run.step,
        totalSteps: run.totalSteps,
        pass: run.verdict ? run.verdict.pass : null,
        verdict: run.verdict ? exportVerdict(run.verdict) : null,
        finalMetrics,
        files: { metamer: file.name, run: runJsonName(file) },
      };
    }),
  };
}

/** The zip's top folder: "metamer-<model>-grid-<group or date>". */
export function gridFolderName(manifest: ModelManifest, index: GridIndex): string {
  const tag = index.group ?? index.exportedAt.slice(0, 19).replace(/[:T]/g, '-');
  return `metamer-${safeFilePart(manifest.id)}-grid-${safeFilePart(tag)}`;
}

export function gridZip(entries: readonly GridEntry[], manifest: ModelManifest, options: GridZipOptions = {}): Uint8Array {
  const now = options.now ?? new Date();
  const index = gridIndex(entries, manifest, { now });
  const folder = gridFolderName(manifest, index);
  const files: ZipEntry[] = [{ name: `${folder}/index.json`, data: `${JSON.stringify(index, null, 2)}\n` }];
  for (const { run, file } of entries) {
    files.push({ name: `${folder}/${file.name}`, data: file.bytes });
    files.push({ name: `${folder}/${runJsonName(file)}`, data: runJsonText(run, manifest, { now }) });
  }
  // zip() refuses duplicate names, so two stages given the same file name fail loudly.
  return zip(files, { modified: now });
}
