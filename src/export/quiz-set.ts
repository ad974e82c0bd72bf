/**
 * A recognition experiment's material (format "metamer-quiz-set/1"): natural references and
 * metamers of every stage of one model, each with its true class, plus the models' recognition
 * per stage (shown next to people's). Built from an all-stages grid in the page, or read from a
 * file (a dropped quiz.json, or prepared/<id>/quiz.json for an id the prepared index does not list; `?quiz=` with prepared set or model ids builds the quiz from the prepared sets, see quiz-from-prepared.ts). Pure.
 */
import type { Modality } from '../engine/types.ts';

export const QUIZ_SET_FORMAT = 'metamer-quiz-set/1';
/** The stage name of natural references in trials and results. */
export const NATURAL = 'natural';

export interface QuizItem {
  id: string;
  /** NATURAL for a reference, else the model stage the metamer matches. */
  stage: string;
  /** The true class (one of the set's classes). */
  label: string;
  /** Raw values (images [H, W, C] in `range`; audio [samples] at `sampleRate`)... */
  data?: number[] | Float32Array;
  shape?: number[];
  /** ...or a file next to the set (PNG/JPEG/WAV), relative to its URL or absolute. */
  src?: string;
}

export interface QuizSet {
  format: typeof QUIZ_SET_FORMAT;
  id: string;
  title: string;
  modelId: string;
  modality: Modality;
  classes: string[];
  /** Model stages, shallow to deep (the order of the results). */
  stages: string[];
  range: [number, number];
  sampleRate?: number;
  items: QuizItem[];
  /** Models' recognition of the set's metamers: reader -> proportion per stage (null: unknown). */
  modelRecognition?: Record<string, (number | null)[]>;
  /** Shown with the quiz and its results (e.g. which models' recognition is compared). */
  note?: string;
}

function bad(where: string, why: string): Error {
  return new Error(`${where}: not a usable quiz set: ${why}`);
}

/** Checks a parsed quiz.json; throws one line naming the file and the first problem. */
export function validateQuizSet(v: unknown, where: string): QuizSet {
  const o = v as Partial<QuizSet> | null;
  if (!o || typeof o !== 'object') throw bad(where, 'not a JSON object');
  if (o.format !== QUIZ_SET_FORMAT) throw bad(where, `format is ${JSON.stringify(o.format)}, expected "${QUIZ_SET_FORMAT}"`);
  if (typeof o.id !== 'string' || typeof o.modelId !== 'string') throw bad(where, 'id or modelId missing');
  if (o.modality !== 'image' && o.modality !== 'audio') throw bad(where, 'modality must be "image" or "audio"');
  if (!Array.isArray(o.classes) || o.classes.length < 2) throw bad(where, 'needs at least two classes');
  if (!Array.isArray(o.stages) || !Array.isArray(o.items) || o.items.length === 0) throw bad(where, 'stages or items missing');
  if (!Array.isArray(o.range) || o.range.length !== 2) throw bad(where, 'range missing');
  const classes = new Set(o.classes);
  o.items.forEach((it, i) => {
    if (!it || typeof it.id !== 'string') throw bad(where, `item ${i + 1} has no id`);
    if (!classes.has(it.label)) throw bad(where, `item "${it.id}" has label ${JSON.stringify(it.label)}, which is not one of the classes`);
    if (it.stage !== NATURAL && !o.stages!.includes(it.stage)) throw bad(where, `item "${it.id}" has unknown stage "${it.stage}"`);
    if (!it.src && !(it.data && it.shape)) throw bad(where, `item "${it.id}" has neither src nor data + shape`);
  });
  return o as QuizSet;
}

/** Reads prepared/<id>/quiz.json under `base` (the page's base URL). */
export async function fetchQuizSet(id: string, base: string, fetchFn: typeof fetch = fetch): Promise<{ set: QuizSet; baseUrl: string }> {
  if (!/^[A-Za-z0-9._-]+$/.test(id)) throw new Error(`?quiz=${id}: a prepared set id has only letters, digits, ".", "_" and "-"`);
  const baseUrl = `${base}prepared/${id}/`;
  const url = `${baseUrl}quiz.json`;
  const res = await fetchFn(url);
  if (!res.ok) throw new Error(`${url}: ${res.status} ${res.statusText || 'not found'} (no prepared quiz "${id}")`);
  let json: unknown;
  try {
    json = await res.json();
  } catch {
    throw new Error(`${url}: not valid JSON`);
  }
  return { set: validateQuizSet(json, url), baseUrl };
}

export interface GridForQuiz {
  group: string;
  modelId: string;
  modelName: string;
  modality: Modality;
  classes: string[];
  range: [number, number];
  sampleRate?: number;
  /** The grid's reference class. */
  label: string;
  /** Finished stages' metamers, in stage order. */
  metamers: { stage: string; shape: number[]; data: Float32Array }[];
  stages: string[];
  /** The model's bundled references (natural trials), paths relative to `modelsBase`. */
  references: { path: string; label: string }[];
  modelsBase: string;
  modelRecognition?: Record<string, (number | null)[]>;
}

/** A quiz from an all-stages grid: its metamers plus the model's natural references. */
export function quizSetFromGrid(g: GridForQuiz): QuizSet {
  const classes = new Set(g.classes);
  return {
    format: QUIZ_SET_FORMAT,
    id: `grid-${g.group}`,
    title: `${g.modelName}: metamers of every stage`,
    modelId: g.modelId,
    modality: g.modality,
    classes: [...g.classes],
    stages: [...g.stages],
    range: g.range,
    ...(g.sampleRate ? { sampleRate: g.sampleRate } : {}),
    items: [
      ...g.references.filter((r) => classes.has(r.label)).map((r, i) => ({
        id: `natural-${i}`, stage: NATURAL, label: r.label, src: `${g.modelsBase}${g.modelId}/${r.path}`,
      })),
      ...g.metamers.map((m) => ({ id: `metamer-${m.stage}`, stage: m.stage, label: g.label, shape: m.shape, data: m.data })),
    ],
    ...(g.modelRecognition ? { modelRecognition: g.modelRecognition } : {}),
  };
}

/** The set as a downloadable quiz.json (Float32Arrays become plain lists). */
export function quizSetJson(set: QuizSet): string {
  return JSON.stringify({ ...set, items: set.items.map((it) => (it.data ? { ...it, data: Array.from(it.data) } : it)) });
}
