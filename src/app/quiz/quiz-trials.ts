/**
 * The trials of a recognition experiment, as in the paper: a short practice on natural
 * references first (with feedback), then one block of every item in seeded random order (no
 * feedback), each a forced choice among the model's classes. With many classes (100 words) a
 * trial offers a handful of choices that include the right one (and the page lets people type
 * any class with completion). Pure and seeded: the same seed gives the same experiment.
 */
import { Rng } from '../../engine/random.ts';
import { NATURAL, type QuizItem, type QuizSet } from '../../export/quiz-set.ts';

export interface Trial {
  /** 1-based position in its block. */
  index: number;
  practice: boolean;
  item: QuizItem;
  /** The choices offered, in display order (all classes when there are few). */
  choices: string[];
}

/** Up to this many classes every trial offers all of them (Fashion-MNIST 10, the 16 photo classes). */
export const ALL_CHOICES_MAX = 16;
/** With more classes: this many choices, one of them right. */
export const FEW_CHOICES = 8;
export const PRACTICE_TRIALS = 2;

function shuffle<T>(xs: readonly T[], rng: Rng): T[] {
  const a = xs.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

export function choicesFor(item: QuizItem, classes: readonly string[], rng: Rng): string[] {
  if (classes.length <= ALL_CHOICES_MAX) return [...classes];
  const others = shuffle(classes.filter((c) => c !== item.label), rng).slice(0, FEW_CHOICES - 1);
  return shuffle([item.label, ...others], rng);
}

/** Practice (natural items, repeated if there are few) then the main block, both seeded. */
export function buildTrials(set: QuizSet, seed: number, practiceCount = PRACTICE_TRIALS): { practice: Trial[]; block: Trial[] } {
  const rng = new Rng(seed);
  const naturals = set.items.filter((it) => it.stage === NATURAL);
  const pool = shuffle(naturals.length ? naturals : set.items, rng);
  const practice = Array.from({ length: Math.min(practiceCount, pool.length) }, (_, i) => ({
    index: i + 1, practice: true, item: pool[i], choices: choicesFor(pool[i], set.classes, rng),
  }));
  const block = shuffle(set.items, rng).map((item, i) => ({ index: i + 1, practice: false, item, choices: choicesFor(item, set.classes, rng) }));
  return { practice, block };
}
