/**
 * A recognition quiz from prepared sets (lecture mode's shipped runs): each set gives one
 * natural trial (its reference) and one trial per stage (that stage's final metamer), all
 * labelled with the set's reference class. A prepared set holds one reference, so a quiz
 * usually merges several sets of one model (`?quiz=<model-id>` or a comma list of set ids)
 * to make the class choice meaningful. The models' recognition is the generating model's own
 * readout stored in each run (argmax of the metamer's logits); other models' recognition would
 * need every reader's weights in the page, so it is left out here (the grid's quiz has it).
 * Pure: no DOM, no tfjs.
 */
import { mulawDecode } from '../models/cochcnn/mulaw.ts';
import { base64ToBytes, type EncodedStimulus, type PreparedIndex, type PreparedSet } from './prepared-run.ts';
import { NATURAL, QUIZ_SET_FORMAT, type QuizItem, type QuizSet } from './quiz-set.ts';

/** The note shown with a prepared quiz's results: why only the generating model is compared. */
export const PREPARED_QUIZ_NOTE =
  "Models' recognition: the generating model's own class readout stored in the prepared runs; other models are not compared here (open a quiz from an all-stages grid for that).";

/**
 * The prepared set ids that `spec` (the ?quiz= value) names: a comma list whose parts are set
 * ids or model ids (a model id stands for all of its sets, in index order). Throws one line
 * naming the unknown part and what exists.
 */
export function resolvePreparedQuizIds(spec: string, index: PreparedIndex): string[] {
  const parts = spec.split(',').map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0) throw new Error('?quiz=: names no prepared set or model');
  const ids: string[] = [];
  for (const part of parts) {
    const byId = index.entries.filter((e) => e.id === part);
    const found = byId.length ? byId : index.entries.filter((e) => e.model === part);
    if (found.length === 0) {
      const models = [...new Set(index.entries.map((e) => e.model))];
      throw new Error(`?quiz=${spec}: no prepared set or model "${part}" in prepared/index.json (models: ${models.join(', ') || 'none'})`);
    }
    for (const e of found) if (!ids.includes(e.id)) ids.push(e.id);
  }
  return ids;
}

function argmax(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

function stimulusFields(s: EncodedStimulus): Pick<QuizItem, 'src' | 'data' | 'shape'> {
  if (s.kind === 'image') return { src: `data:image/${s.format};base64,${s.base64}`, shape: [...s.shape] };
  const data = mulawDecode(base64ToBytes(s.base64));
  for (let i = 0; i < data.length; i++) data[i] *= s.scale;
  return { data, shape: [s.length] };
}

/**
 * The quiz of one or more prepared sets of one model. `classes` overrides the choices (default:
 * the runs' readout labels; for a model without a readout, the sets' reference labels).
 */
export function quizSetFromPrepared(sets: readonly PreparedSet[], classes?: readonly string[]): QuizSet {
  if (sets.length === 0) throw new Error('quiz from prepared sets: no sets given');
  const first = sets[0];
  const other = sets.find((s) => s.model.id !== first.model.id);
  if (other) throw new Error(`quiz from prepared sets: "${other.id}" is of model ${other.model.id}, "${first.id}" of ${first.model.id}; a quiz holds one model's metamers`);
  const modality = first.model.modality;
  if (modality !== 'image' && modality !== 'audio') throw new Error(`${first.id}: modality "${modality}" cannot be quizzed`);
  const readoutLabels = sets.flatMap((s) => s.runs).find((r) => r.readout)?.readout?.labels;
  const choices = classes ? [...classes] : readoutLabels ? [...readoutLabels] : [...new Set(sets.map((s) => s.reference.label))];
  if (choices.length < 2) throw new Error(`${first.id}: ${first.model.id} has no class readout and the sets hold only one class ("${choices[0]}"); a quiz needs at least two choices`);
  for (const s of sets) if (!choices.includes(s.reference.label)) throw new Error(`${s.id}: its reference class "${s.reference.label}" is not one of the model's classes`);

  const stages: string[] = [];
  for (const s of sets) for (const r of s.runs) if (!stages.includes(r.record.stage)) stages.push(r.record.stage);
  const refStimulus = first.runs[0].reference.stimulus;
  const range: [number, number] = refStimulus.kind === 'image' ? [refStimulus.range[0], refStimulus.range[1]] : [-1, 1];

  const items: QuizItem[] = [];
  const right = new Map<string, { k: number; n: number }>();
  for (const s of sets) {
    items.push({ id: `natural-${s.id}`, stage: NATURAL, label: s.reference.label, ...stimulusFields(s.runs[0].reference.stimulus) });
    for (const r of s.runs) {
      const stage = r.record.stage;
      items.push({ id: `metamer-${s.id}-${stage}`, stage, label: s.reference.label, ...stimulusFields(r.frames[r.frames.length - 1].stimulus) });
      if (r.readout && r.readout.metamer.length === r.readout.labels.length) {
        const tally = right.get(stage) ?? { k: 0, n: 0 };
        tally.n += 1;
        if (r.readout.labels[argmax(r.readout.metamer)] === s.reference.label) tally.k += 1;
        right.set(stage, tally);
      }
    }
  }
  const sampleRate = refStimulus.kind === 'audio' ? refStimulus.sampleRate : undefined;
  return {
    format: QUIZ_SET_FORMAT,
    id: sets.length === 1 ? `prepared-${first.id}` : `prepared-${sets.map((s) => s.id).join('+')}`,
    title: sets.length === 1
      ? `${first.title}: recognition quiz`
      : `${first.model.name}: ${sets.length} prepared sets (${[...new Set(sets.map((s) => s.reference.label))].join(', ')})`,
    modelId: first.model.id,
    modality,
    classes: choices,
    stages,
    range,
    ...(sampleRate ? { sampleRate } : {}),
    items,
    note: PREPARED_QUIZ_NOTE,
    ...(right.size ? { modelRecognition: { [first.model.id]: stages.map((st) => { const t = right.get(st); return t ? t.k / t.n : null; }) } } : {}),
  };
}
