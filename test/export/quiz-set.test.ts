/** The quiz set format (metamer-quiz-set/1): built from an all-stages grid, validated with one-line errors. */
import { describe, expect, it } from 'vitest';
import { NATURAL, quizSetFromGrid, validateQuizSet, type QuizSet } from '../../src/export/quiz-set.ts';

const CLASSES = ['a', 'b', 'c'];

function gridSet(): QuizSet {
  return quizSetFromGrid({
    group: 'g1', modelId: 'm', modelName: 'M', modality: 'image', classes: CLASSES, range: [0, 1], label: 'b',
    metamers: [{ stage: 's1', shape: [1, 1, 1], data: new Float32Array([0.5]) }, { stage: 's2', shape: [1, 1, 1], data: new Float32Array([0.1]) }],
    stages: ['s1', 's2', 's3'],
    references: [{ path: 'references/a.png', label: 'a' }, { path: 'references/b.png', label: 'b' }, { path: 'x.png', label: 'not-a-class' }],
    modelsBase: '/models/', modelRecognition: { other: [1, 0, null] },
  });
}

describe('quiz set', () => {
  it('from a grid: natural references of known classes plus each finished stage\'s metamer', () => {
    const set = validateQuizSet(JSON.parse(JSON.stringify({ ...gridSet(), items: gridSet().items.map((i) => ({ ...i, data: i.data && Array.from(i.data) })) })), 'x');
    expect(set.items.map((i) => [i.id, i.stage, i.label])).toEqual([
      ['natural-0', NATURAL, 'a'], ['natural-1', NATURAL, 'b'], ['metamer-s1', 's1', 'b'], ['metamer-s2', 's2', 'b'],
    ]);
    expect(set.items[0].src).toBe('/models/m/references/a.png');
  });

  it('refuses a bad file with one line naming it', () => {
    expect(() => validateQuizSet({ format: 'other' }, 'prepared/x/quiz.json')).toThrow(/^prepared\/x\/quiz\.json: not a usable quiz set: format/);
    const bad = { ...gridSet(), items: [{ id: 'i', stage: 's1', label: 'zzz', src: 'a.png' }] };
    expect(() => validateQuizSet(bad, 'q.json')).toThrow(/label "zzz", which is not one of the classes/);
  });
});

