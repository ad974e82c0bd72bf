/**
 * Prepared runs (lecture mode): finished runs that replay instantly and offline, with their
 * final metamers, plots, verdicts and a few snapshots along the optimisation. One file holds
 * a "prepared set" (schema 'metamer-prepared-set/1'): the runs of one model and reference,
 * usually every stage. Each run is the page's run record ('metamer-run-export/1', loss history
 * downsampled) plus what a replay needs to draw: the reference and the snapshots, compact
 * (8-bit PNG or JPEG images, mu-law audio, 8-bit cochleagrams) and base64-encoded so that one
 * JSON file carries everything. `/prepared/index.json` ('metamer-prepared-index/1') lists the
 * sets shipped with the app. Pure data and checks: no DOM, no tfjs.
 */
import type { StepRecord } from '../engine/types.ts';
import type { RunExport } from './run-json.ts';

export const PREPARED_SET_SCHEMA = 'metamer-prepared-set/1';
export const PREPARED_INDEX_SCHEMA = 'metamer-prepared-index/1';

/** An image stimulus as PNG or JPEG bytes (8 bits per channel), values mapped from `range` onto 0..255. */
export interface EncodedImage {
  kind: 'image';
  format: 'png' | 'jpeg';
  /** [H, W, C] of the model's input. */
  shape: number[];
  range: [number, number];
  base64: string;
}

/** An audio clip as 8-bit mu-law of samples / `scale` (scale: the clip's largest |sample|). */
export interface EncodedAudio {
  kind: 'audio';
  format: 'mulaw8';
  sampleRate: number;
  length: number;
  scale: number;
  base64: string;
}

export type EncodedStimulus = EncodedImage | EncodedAudio;

/** A cochleagram [channels, frames] as an 8-bit grey PNG of (value - lo) / (hi - lo), channel 0 in row 0. */
export interface EncodedCochleagram {
  format: 'png';
  shape: [number, number];
  lo: number;
  hi: number;
  frequencies: number[];
  frameRate: number;
  startS: number;
  base64: string;
}

/** One snapshot along the optimisation (x_step). */
export interface PreparedFrame {
  step: number;
  stimulus: EncodedStimulus;
  cochleagram?: EncodedCochleagram;
}

/** How many steps a prepared run was given, and why (e.g. short on a CPU). */
export interface PreparedBudget {
  passes: number;
  itersPerPass: number;
  steps: number;
  /** "paper" (8 x 3000), "quick" (4 x 500) or "short". */
  label: string;
  note: string;
}

export interface PreparedRun {
  /** The page's run record; lossHistory is downsampled (see downsampleRecords). */
  record: RunExport;
  budget: PreparedBudget;
  reference: { stimulus: EncodedStimulus; cochleagram?: EncodedCochleagram; label: string };
  /** Increasing steps: the first is the start noise x_0, the last the final metamer. */
  frames: PreparedFrame[];
  /** Class logits of the reference and the final metamer (models with a readout). */
  readout?: { labels: string[]; reference: number[]; metamer: number[] };
  /** Seconds the run took where it was made, and on which backend. */
  seconds?: number;
}

export interface PreparedSet {
  schema: typeof PREPARED_SET_SCHEMA;
  id: string;
  title: string;
  model: { id: string; name: string; modality: string };
  /** Generation stages, in the model's order (one run each). */
  stages: string[];
  reference: { label: string; index: number | null };
  budget: PreparedBudget;
  createdAt: string;
  /** Fingerprint of what built it (a rerun skips sets whose plan did not change). */
  planHash?: string;
  runs: PreparedRun[];
}

export interface PreparedIndexEntry {
  id: string;
  /** File name beside index.json. */
  file: string;
  title: string;
  model: string;
  modelName: string;
  modality: string;
  stages: string[];
  reference: { label: string; index: number | null };
  budget: PreparedBudget;
  /** Per stage: the success test's outcome (null: no verdict). */
  verdicts: Record<string, boolean | null>;
  bytes: number;
}

export interface PreparedIndex {
  schema: typeof PREPARED_INDEX_SCHEMA;
  createdAt: string;
  note: string;
  entries: PreparedIndexEntry[];
}

// ---- base64 (btoa/atob exist in browsers, workers and Node >= 16) -----------------------------

export function bytesToBase64(bytes: Uint8Array): string {
  let s = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) s += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return btoa(s);
}

export function base64ToBytes(text: string): Uint8Array {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

// ---- histories ------------------------------------------------------------------------------

/**
 * At most `maxPoints` records of a loss history, for a compact record whose plot looks the same:
 * the first and last step, the last step before and the first after every step-size change
 * (the pass boundaries the plot shades), and evenly spaced steps in between.
 */
export function downsampleRecords(records: readonly StepRecord[], maxPoints = 240): StepRecord[] {
  if (records.length <= maxPoints) return records.slice();
  const keep = new Set<number>([0, records.length - 1]);
  for (let i = 1; i < records.length; i++) {
    if (records[i].eta !== records[i - 1].eta) {
      keep.add(i - 1);
      keep.add(i);
    }
  }
  const room = Math.max(0, maxPoints - keep.size);
  for (let k = 1; k <= room; k++) keep.add(Math.round((k * (records.length - 1)) / (room + 1)));
  return [...keep].sort((a, b) => a - b).slice(0, Math.max(maxPoints, 2)).map((i) => records[i]);
}

/**
 * Indices of up to `count` snapshots to keep out of `steps` (increasing): always the first
 * and the last, the rest spaced evenly in log(step + 1), where the loss changes most.
 */
export function pickFrames(steps: readonly number[], count: number): number[] {
  if (steps.length <= count) return steps.map((_, i) => i);
  const first = steps[0];
  const last = steps[steps.length - 1];
  const picked = new Set<number>([0, steps.length - 1]);
  const lo = Math.log1p(first);
  const hi = Math.log1p(last);
  for (let k = 1; k < count - 1; k++) {
    const target = Math.expm1(lo + ((hi - lo) * k) / (count - 1));
    // The nearest snapshot not yet kept, so that early targets closer than one snapshot apart still give distinct frames.
    let best = -1;
    for (let i = 1; i < steps.length - 1; i++) {
      if (!picked.has(i) && (best < 0 || Math.abs(steps[i] - target) < Math.abs(steps[best] - target))) best = i;
    }
    if (best >= 0) picked.add(best);
  }
  return [...picked].sort((a, b) => a - b);
}

// ---- checks ---------------------------------------------------------------------------------

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** The set in `value` (parsed JSON), or an Error whose one-line message names `name` and the problem. */
export function parsePreparedSet(value: unknown, name: string): PreparedSet {
  const bad = (what: string) => new Error(`${name}: ${what}`);
  if (!isObject(value)) throw bad('not a prepared set (expected a JSON object)');
  if (value.schema !== PREPARED_SET_SCHEMA) {
    const got = typeof value.schema === 'string' ? `"${value.schema}"` : 'no schema';
    throw bad(`not a prepared set (schema ${got}, expected "${PREPARED_SET_SCHEMA}")`);
  }
  if (typeof value.id !== 'string' || !value.id) throw bad('the set has no id');
  if (!isObject(value.model) || typeof value.model.id !== 'string') throw bad('the set names no model');
  if (!Array.isArray(value.runs) || value.runs.length === 0) throw bad('the set holds no runs');
  value.runs.forEach((r: unknown, i: number) => {
    if (!isObject(r) || !isObject(r.record) || r.record.schema !== 'metamer-run-export/1') throw bad(`run ${i + 1} has no "metamer-run-export/1" record`);
    if (!Array.isArray(r.frames) || r.frames.length === 0) throw bad(`run ${i + 1} (${String(r.record.stage)}) has no snapshots`);
    if (!isObject(r.reference) || !isObject(r.reference.stimulus)) throw bad(`run ${i + 1} (${String(r.record.stage)}) has no reference`);
  });
  return value as unknown as PreparedSet;
}

/** The index in `value`, or an Error naming `name` and the problem. */
export function parsePreparedIndex(value: unknown, name: string): PreparedIndex {
  if (!isObject(value) || value.schema !== PREPARED_INDEX_SCHEMA || !Array.isArray(value.entries)) {
    throw new Error(`${name}: not a prepared-run index (expected schema "${PREPARED_INDEX_SCHEMA}")`);
  }
  return value as unknown as PreparedIndex;
}

/** The index entry that lists `set` stored as `file` of `bytes` bytes. */
export function indexEntry(set: PreparedSet, file: string, bytes: number): PreparedIndexEntry {
  const verdicts: Record<string, boolean | null> = {};
  for (const r of set.runs) verdicts[r.record.stage] = r.record.verdict ? r.record.verdict.pass : null;
  return {
    id: set.id, file, title: set.title, model: set.model.id, modelName: set.model.name, modality: set.model.modality,
    stages: set.stages.slice(), reference: { ...set.reference }, budget: { ...set.budget }, verdicts, bytes,
  };
}
