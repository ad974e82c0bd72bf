/** Quiz trials (seeded order, practice, choices) and results (summary, CSV, merge). */
import { describe, expect, it } from 'vitest';
import { buildTrials, choicesFor, FEW_CHOICES } from '../../../src/app/quiz/quiz-trials.ts';
import { NATURAL, quizSetFromGrid, type QuizSet } from '../../../src/export/quiz-set.ts';
import { mergeResults, parseResultFile, QUIZ_RESULT_FORMAT, resultCsv, summarise, type QuizResponse, type QuizResult } from '../../../src/app/quiz/quiz-results.ts';
import { wilson } from '../../../src/app/quiz/binomial.ts';
import { Rng } from '../../../src/engine/random.ts';

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

describe('trials', () => {
  it('are seeded: the same seed, the same experiment; every item once in the block; practice on natural items', () => {
    const set = gridSet();
    const a = buildTrials(set, 7);
    expect(buildTrials(set, 7)).toEqual(a);
    expect(a.block.map((t) => t.item.id).sort()).toEqual(set.items.map((i) => i.id).sort());
    expect(a.block.map((t) => t.index)).toEqual([1, 2, 3, 4]);
    expect(a.practice).toHaveLength(2);
    expect(a.practice.every((t) => t.practice && t.item.stage === NATURAL)).toBe(true);
    const orders = new Set([1, 2, 3, 4, 5, 6, 8, 9].map((s) => buildTrials(set, s).block.map((t) => t.item.id).join()));
    expect(orders.size).toBeGreaterThan(1);
  });

  it('offers all classes when few, else a few choices that include the right one', () => {
    expect(choicesFor({ id: 'x', stage: NATURAL, label: 'b' }, CLASSES, new Rng(1))).toEqual(CLASSES);
    const words = Array.from({ length: 100 }, (_, i) => `w${i}`);
    for (let s = 0; s < 20; s++) {
      const c = choicesFor({ id: 'x', stage: NATURAL, label: 'w42' }, words, new Rng(s));
      expect(c).toHaveLength(FEW_CHOICES);
      expect(new Set(c).size).toBe(FEW_CHOICES);
      expect(c).toContain('w42');
    }
  });
});

function response(participant: string, stage: string, correct: boolean, count = 1): QuizResponse {
  return { participant, trial: 1, itemId: `i-${stage}`, stage, label: 'a', answer: correct ? 'a' : 'b,"x"', count, correct, rtMs: count === 1 ? 800 : null };
}

function result(participants: string[], responses: QuizResponse[], setId = 'set'): QuizResult {
  return {
    format: QUIZ_RESULT_FORMAT, setId, modelId: 'm', title: 't', mode: 'individual', participants, startedAt: '2026-01-01T00:00:00Z',
    finishedAt: '2026-01-01T00:05:00Z', classes: ['a', 'b,"x"'], stages: [NATURAL, 's1'], chance: 0.5, responses,
  };
}

describe('results', () => {
  it('summarises proportion correct per stage with Wilson intervals; counts weigh show-of-hands answers', () => {
    const rs = [response('p', NATURAL, true), response('p', NATURAL, false), response('room', 's1', true, 7), response('room', 's1', false, 3)];
    const s = summarise(rs, [NATURAL, 's1', 's2']);
    expect(s.map((x) => [x.stage, x.k, x.n, x.p])).toEqual([[NATURAL, 1, 2, 0.5], ['s1', 7, 10, 0.7], ['s2', 0, 0, null]]);
    expect(s[1].interval).toEqual(wilson(7, 10));
    expect(s[2].interval).toBeNull();
  });

  it('round-trips through CSV (quoted fields) and merges files of one set, keeping same-named students apart', () => {
    const one = result(['ann'], [response('ann', NATURAL, true), response('ann', 's1', false)]);
    const csv = resultCsv(one);
    expect(csv.split('\n')[0]).toBe('set,model,participant,mode,trial,item,stage,label,answer,count,correct,rt_ms,chance');
    expect(csv).toContain('"b,""x"""');
    const back = parseResultFile('ann.csv', csv);
    expect(back.responses).toEqual(one.responses);
    expect(back.stages).toEqual([NATURAL, 's1']);
    const other = result(['ann'], [response('ann', NATURAL, false), response('ann', 's1', false)]);
    const merged = mergeResults([{ name: 'ann.csv', result: back }, { name: 'ann2.json', result: parseResultFile('ann2.json', JSON.stringify(other)) }]);
    expect(merged.mode).toBe('merged');
    expect(merged.participants).toEqual(['ann', 'ann (2)']);
    expect(merged.responses).toHaveLength(4);
    expect(summarise(merged.responses, merged.stages).map((x) => [x.k, x.n])).toEqual([[1, 2], [0, 2]]);
    expect(() => mergeResults([{ name: 'a.json', result: one }, { name: 'b.json', result: result(['x'], [], 'another') }]))
      .toThrow(/^b\.json: is a result of quiz "another", not of "set" like a\.json$/);
    expect(() => parseResultFile('x.json', '{"format":"nope"}')).toThrow(/^x\.json: not a quiz result/);
    expect(() => parseResultFile('x.csv', 'a,b\n1,2\n')).toThrow(/^x\.csv: not a quiz result: the CSV has no "set" column/);
  });
});
