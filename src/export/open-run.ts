/**
 * Opening a run record (schema 'metamer-run-export/1', written by the page's Export JSON, the
 * grid zip, or the CLI's run.json) as a SavedRun the page lists under Saved runs with its plots
 * and verdict. The metamer comes from the file beside the record: the exact .npy when there is
 * one, else the exported PNG / WAV. Pure (no DOM, no tfjs): tested in Node.
 */
import { decode as decodePng } from 'fast-png';
import { decodeWav } from '../audio/wav.ts';
import { parseNpy } from '../io/npy.ts';
import type { MetricSet, RunConfig, StepRecord, Verdict } from '../engine/types.ts';
import { validateRunConfig } from '../engine/presets.ts';
import { RUN_EXPORT_SCHEMA, type JsonNumber, type RunExport } from './run-json.ts';
import type { MetricsEntry, SavedReference, SavedRun, SavedRunStatus, SavedSnapshot } from './saved-run.ts';
import { GRID_EXPORT_SCHEMA } from './grid-zip.ts';

/** A file as dropped, picked or unzipped: its path ('/'-separated, folders included) and bytes. */
export interface RunFile {
  path: string;
  bytes: Uint8Array;
}

/** One run record and the files that belong to it. */
export interface RunFileGroup {
  record: RunFile;
  metamer: RunFile | null;
  reference: RunFile | null;
}

export class RunRecordError extends Error {}

function split(path: string): { dir: string; name: string } {
  const i = path.lastIndexOf('/');
  return { dir: path.slice(0, i + 1), name: path.slice(i + 1) };
}

/**
 * Groups files into runs: every .json is a record; its metamer is `<stem>.npy|.png|.wav` beside
 * it (page exports, grid zips), or for a CLI folder's run.json `metamer.npy|.png|.wav`; a CLI
 * folder's reference.npy comes along. The exact .npy wins over the 8-/16-bit file.
 */
export function groupRunFiles(files: readonly RunFile[]): RunFileGroup[] {
  const byPath = new Map(files.map((f) => [f.path, f]));
  const groups: RunFileGroup[] = [];
  for (const f of files) {
    const { dir, name } = split(f.path);
    if (!name.toLowerCase().endsWith('.json')) continue;
    const stem = name.replace(/(\.run)?\.json$/i, '');
    const stems = stem === 'run' ? ['metamer', 'run'] : [stem];
    const find = (exts: string[]) => {
      for (const s of stems) for (const e of exts) {
        const hit = byPath.get(`${dir}${s}${e}`);
        if (hit) return hit;
      }
      return null;
    };
    groups.push({ record: f, metamer: find(['.npy', '.png', '.wav']), reference: stem === 'run' ? byPath.get(`${dir}reference.npy`) ?? null : null });
  }
  return groups;
}

function num(v: JsonNumber | string | undefined, what: string, file: string): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  throw new RunRecordError(`${file}: ${what} is not a number (${JSON.stringify(v)})`);
}

function metricSet(m: Record<string, JsonNumber>, what: string, file: string): MetricSet {
  return { spearman: num(m.spearman, `${what}.spearman`, file), pearson: num(m.pearson, `${what}.pearson`, file),
    r2: num(m.r2, `${what}.r2`, file), snrDb: num(m.snrDb, `${what}.snrDb`, file) };
}

const STATUSES: readonly SavedRunStatus[] = ['running', 'paused', 'done', 'stopped', 'error'];

/** The metamer's values from its file, in the record's shape and the model's range. */
function snapshotOf(file: RunFile, rec: RunExport, source: string): SavedSnapshot {
  const meta = rec.metamer!;
  const size = meta.shape.reduce((a, b) => a * b, 1);
  const lower = file.path.toLowerCase();
  let data: Float32Array;
  try {
    if (lower.endsWith('.npy')) data = parseNpy(file.bytes, { name: file.path }).data;
    else if (lower.endsWith('.wav')) data = decodeWav(file.bytes, { name: file.path }).channels[0];
    else {
      const png = decodePng(file.bytes);
      const [lo, hi] = rec.input.range;
      const channels = meta.shape[2] ?? 1;
      const max = 2 ** png.depth - 1;
      data = new Float32Array(size);
      for (let p = 0; p < size / channels; p++) {
        for (let c = 0; c < channels; c++) data[p * channels + c] = lo + (png.data[p * png.channels + c] / max) * (hi - lo);
      }
    }
  } catch (err) {
    throw new RunRecordError(`${file.path}: cannot read the metamer (${err instanceof Error ? err.message : String(err)})`);
  }
  if (data.length !== size) throw new RunRecordError(`${file.path}: ${data.length} values, but ${source} says the metamer is [${meta.shape.join(', ')}]`);
  return { step: meta.step, shape: [...meta.shape], data };
}

/** The SavedRun of a run record and its files; throws a RunRecordError naming the file and the problem. */
export function runFromRecord(group: RunFileGroup): SavedRun {
  const file = group.record.path;
  let rec: RunExport;
  try {
    rec = JSON.parse(new TextDecoder().decode(group.record.bytes)) as RunExport;
  } catch (err) {
    throw new RunRecordError(`${file}: not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (rec?.schema !== RUN_EXPORT_SCHEMA) {
    throw new RunRecordError(`${file}: not a run record (schema ${JSON.stringify(rec?.schema ?? null)}, expected "${RUN_EXPORT_SCHEMA}")`);
  }
  if (!rec.run || typeof rec.run.id !== 'string' || !rec.model || typeof rec.model.id !== 'string' || typeof rec.stage !== 'string') {
    throw new RunRecordError(`${file}: the record lacks its run id, model or stage`);
  }
  let config: RunConfig;
  try {
    config = validateRunConfig(rec.settings?.config);
  } catch (err) {
    throw new RunRecordError(`${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const records: StepRecord[] = (rec.lossHistory ?? []).map((r, i) => ({
    step: num(r.step, `lossHistory[${i}].step`, file), loss: num(r.loss, `lossHistory[${i}].loss`, file),
    eta: num(r.eta, `lossHistory[${i}].eta`, file), gradNorm: num(r.gradNorm, `lossHistory[${i}].gradNorm`, file),
  }));
  const metrics: MetricsEntry[] = (rec.metricHistory ?? []).map((m, i) => ({
    step: m.step,
    stages: Object.fromEntries(Object.entries(m.stages).map(([s, set]) => [s, metricSet(set, `metricHistory[${i}].${s}`, file)])),
  }));
  const verdict: Verdict | null = rec.verdict ? {
    stage: rec.verdict.stage,
    pass: rec.verdict.pass,
    criteria: rec.verdict.criteria.map((c) => ({
      criterion: c.criterion as Verdict['criteria'][number]['criterion'],
      value: c.criterion === 'class' ? String(c.value) : num(c.value, `verdict ${c.criterion}`, file),
      threshold: c.criterion === 'class' ? String(c.threshold) : num(c.threshold, `verdict ${c.criterion} threshold`, file),
      pass: c.pass,
    })),
  } : null;
  if (rec.metamer && !group.metamer) {
    throw new RunRecordError(`${file}: the metamer file is missing (drop metamer.npy, .png or .wav with the record, or its folder)`);
  }
  const snapshot = rec.metamer && group.metamer ? snapshotOf(group.metamer, rec, file) : null;
  let reference: SavedReference;
  if (rec.reference?.kind === 'bundled') reference = { kind: 'bundled', index: rec.reference.index };
  else {
    const shape = rec.reference?.shape ?? rec.input.shape;
    // The values are only needed to continue a run; a record cannot be continued (it has no state).
    const data = group.reference ? parseNpy(group.reference.bytes, { name: group.reference.path }).data : new Float32Array(0);
    reference = { kind: 'user', name: rec.reference?.name ?? 'reference', shape: [...shape], data };
  }
  // Without its resumable state a record cannot continue: an unfinished run opens as stopped.
  const status: SavedRunStatus = STATUSES.includes(rec.run.status) ? rec.run.status : 'stopped';
  const run: SavedRun = {
    id: rec.run.id, createdAt: Date.parse(rec.run.createdAt) || Date.now(), updatedAt: Date.parse(rec.run.updatedAt) || Date.now(),
    modelId: rec.model.id, modelName: rec.model.name ?? rec.model.id, weightsHash: rec.model.weightsHash ?? '', stage: rec.stage,
    reference, settings: { config, measure: rec.settings.measure === 'stage' ? 'stage' : 'all', backend: rec.settings.backend ?? '' },
    status: status === 'running' || status === 'paused' ? 'stopped' : status,
    step: rec.run.step, totalSteps: rec.run.totalSteps, records, metrics, verdict, snapshot, state: null,
  };
  if (rec.run.group) run.group = rec.run.group;
  if (rec.run.error) run.error = rec.run.error;
  return run;
}

/** Every run among the files, plus a one-line message per file that is not one (a grid's index.json is skipped quietly). */
export function runsFromFiles(files: readonly RunFile[]): { runs: SavedRun[]; errors: string[] } {
  const runs: SavedRun[] = [];
  const errors: string[] = [];
  for (const group of groupRunFiles(files)) {
    try {
      runs.push(runFromRecord(group));
    } catch (err) {
      if (isGridIndex(group.record)) continue;
      errors.push(err instanceof Error ? err.message : String(err));
    }
  }
  if (runs.length === 0 && errors.length === 0) errors.push('no run record among the files (a run folder holds run.json, or an export <name>.json)');
  return { runs, errors };
}

function isGridIndex(f: RunFile): boolean {
  try {
    return (JSON.parse(new TextDecoder().decode(f.bytes)) as { schema?: string }).schema === GRID_EXPORT_SCHEMA;
  } catch {
    return false;
  }
}
