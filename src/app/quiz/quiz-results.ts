/**
 * Results of a recognition experiment (format "metamer-quiz-result/1"): every response, the
 * proportion correct per stage with its 95 % Wilson interval, CSV export, and the merging of
 * many students' files into one class result. A presenter's show-of-hands count is a response
 * with a `count` (how many people chose that answer); a student's answer has count 1. Pure.
 */
import { wilson, type Interval } from './binomial.ts';
import { NATURAL } from '../../export/quiz-set.ts';

export const QUIZ_RESULT_FORMAT = 'metamer-quiz-result/1';

export interface QuizResponse {
  participant: string;
  trial: number;
  itemId: string;
  stage: string;
  label: string;
  answer: string;
  /** People who gave this answer (1 for a student; the show-of-hands count for a presenter). */
  count: number;
  correct: boolean;
  /** Response time of a student's answer (null for counts). */
  rtMs: number | null;
}

export interface QuizResult {
  format: typeof QUIZ_RESULT_FORMAT;
  setId: string;
  modelId: string;
  title: string;
  mode: 'individual' | 'presenter' | 'merged';
  participants: string[];
  startedAt: string;
  finishedAt: string;
  classes: string[];
  /** NATURAL first, then the model's stages shallow to deep. */
  stages: string[];
  chance: number;
  responses: QuizResponse[];
  modelRecognition?: Record<string, (number | null)[]>;
}

export interface StageSummary {
  stage: string;
  /** Answers (people x trials) and correct ones. */
  n: number;
  k: number;
  /** k / n, null when n = 0. */
  p: number | null;
  interval: Interval | null;
}

/** Proportion correct per stage (in `stages` order) with 95 % Wilson intervals. */
export function summarise(responses: readonly QuizResponse[], stages: readonly string[]): StageSummary[] {
  return stages.map((stage) => {
    let n = 0;
    let k = 0;
    for (const r of responses) {
      if (r.stage !== stage) continue;
      n += r.count;
      if (r.correct) k += r.count;
    }
    return { stage, n, k, p: n ? k / n : null, interval: n ? wilson(k, n) : null };
  });
}

const CSV_COLUMNS = ['set', 'model', 'participant', 'mode', 'trial', 'item', 'stage', 'label', 'answer', 'count', 'correct', 'rt_ms', 'chance'] as const;

function csvField(v: string | number): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One row per response (header first), for spreadsheets and R/pandas. */
export function resultCsv(r: QuizResult): string {
  const rows = r.responses.map((x) => [
    r.setId, r.modelId, x.participant, r.mode, x.trial, x.itemId, x.stage, x.label, x.answer, x.count, x.correct ? 1 : 0, x.rtMs ?? '', r.chance,
  ].map(csvField).join(','));
  return [CSV_COLUMNS.join(','), ...rows].join('\n') + '\n';
}

function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length) { row.push(field); rows.push(row); }
  return rows.filter((r) => r.some((f) => f !== ''));
}

function fromCsv(text: string, name: string): QuizResult {
  const [header, ...rows] = parseCsv(text);
  const col = (c: (typeof CSV_COLUMNS)[number]) => {
    const i = header?.indexOf(c) ?? -1;
    if (i < 0) throw new Error(`${name}: not a quiz result: the CSV has no "${c}" column`);
    return i;
  };
  const at = Object.fromEntries(CSV_COLUMNS.map((c) => [c, col(c)])) as Record<(typeof CSV_COLUMNS)[number], number>;
  if (rows.length === 0) throw new Error(`${name}: the CSV has no responses`);
  const responses: QuizResponse[] = rows.map((f, i) => {
    const count = Number(f[at.count]);
    if (!Number.isInteger(count) || count < 0) throw new Error(`${name}: row ${i + 2}: count "${f[at.count]}" is not a whole number`);
    return {
      participant: f[at.participant], trial: Number(f[at.trial]), itemId: f[at.item], stage: f[at.stage], label: f[at.label],
      answer: f[at.answer], count, correct: f[at.correct] === '1', rtMs: f[at.rt_ms] === '' ? null : Number(f[at.rt_ms]),
    };
  });
  const stages = [...new Set(responses.map((r) => r.stage))];
  stages.sort((a, b) => (a === NATURAL ? -1 : b === NATURAL ? 1 : 0));
  return {
    format: QUIZ_RESULT_FORMAT, setId: rows[0][at.set], modelId: rows[0][at.model], title: rows[0][at.set],
    mode: rows[0][at.mode] as QuizResult['mode'], participants: [...new Set(responses.map((r) => r.participant))],
    startedAt: '', finishedAt: '', classes: [...new Set(responses.flatMap((r) => [r.label, r.answer]))], stages,
    chance: Number(rows[0][at.chance]), responses,
  };
}

/** A dropped result file (JSON or CSV), checked; errors name the file. */
export function parseResultFile(name: string, text: string): QuizResult {
  const trimmed = text.trimStart();
  if (!trimmed.startsWith('{')) return fromCsv(text, name);
  let v: Partial<QuizResult>;
  try {
    v = JSON.parse(text) as Partial<QuizResult>;
  } catch {
    throw new Error(`${name}: not valid JSON`);
  }
  if (v.format !== QUIZ_RESULT_FORMAT) throw new Error(`${name}: not a quiz result (format ${JSON.stringify(v.format)}, expected "${QUIZ_RESULT_FORMAT}")`);
  if (!Array.isArray(v.responses) || !Array.isArray(v.stages)) throw new Error(`${name}: responses or stages missing`);
  return v as QuizResult;
}

/**
 * Many students' (or several lectures') results of one quiz set as one class result: all
 * responses, participants listed once each (a name used twice gets a suffix so answers are not
 * mixed up). Results of different sets are refused, naming the file.
 */
export function mergeResults(files: readonly { name: string; result: QuizResult }[]): QuizResult {
  if (files.length === 0) throw new Error('no result files to merge');
  const first = files[0].result;
  const seen = new Map<string, number>();
  const responses: QuizResponse[] = [];
  const participants: string[] = [];
  const stages = [...first.stages];
  for (const { name, result } of files) {
    if (result.setId !== first.setId) {
      throw new Error(`${name}: is a result of quiz "${result.setId}", not of "${first.setId}" like ${files[0].name}`);
    }
    for (const s of result.stages) if (!stages.includes(s)) stages.push(s);
    const rename = new Map<string, string>();
    for (const p of result.participants) {
      const n = seen.get(p) ?? 0;
      seen.set(p, n + 1);
      const unique = n === 0 ? p : `${p} (${n + 1})`;
      rename.set(p, unique);
      participants.push(unique);
    }
    for (const r of result.responses) responses.push({ ...r, participant: rename.get(r.participant) ?? r.participant });
  }
  const times = files.map((f) => f.result.startedAt).filter(Boolean).sort();
  const ends = files.map((f) => f.result.finishedAt).filter(Boolean).sort();
  return {
    ...first,
    mode: files.length === 1 ? first.mode : 'merged',
    participants,
    startedAt: times[0] ?? '',
    finishedAt: ends.at(-1) ?? '',
    stages,
    responses,
    modelRecognition: files.find((f) => f.result.modelRecognition)?.result.modelRecognition,
  };
}
