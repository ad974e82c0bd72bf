/** A recognition quiz built from prepared sets: trials, labels, choices, the model's own readout, one-line errors. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePreparedIndex, parsePreparedSet, type PreparedSet } from '../../src/export/prepared-run.ts';
import { encodeAudio } from '../../src/export/prepared-codec.ts';
import { quizSetFromPrepared, resolvePreparedQuizIds } from '../../src/export/quiz-from-prepared.ts';
import { NATURAL, quizSetJson, validateQuizSet } from '../../src/export/quiz-set.ts';

const dir = new URL('../../public/prepared/', import.meta.url);
const shipped = (id: string): PreparedSet => parsePreparedSet(JSON.parse(readFileSync(new URL(`${id}.json`, dir), 'utf8')), id);
const index = parsePreparedIndex(JSON.parse(readFileSync(new URL('index.json', dir), 'utf8')), 'index.json');

describe('quiz from prepared sets', () => {
  it('one natural trial per reference and one per stage metamer, labelled with the set\'s reference class', () => {
    const sets = [shipped('fmnist-alexnet-sneaker'), shipped('fmnist-alexnet-trouser')];
    const quiz = validateQuizSet(JSON.parse(quizSetJson(quizSetFromPrepared(sets))), 'quiz');
    const expected = sets.flatMap((s) => [
      [`natural-${s.id}`, NATURAL, s.reference.label],
      ...s.runs.map((r) => [`metamer-${s.id}-${r.record.stage}`, r.record.stage, s.reference.label]),
    ]);
    expect(quiz.items.map((i) => [i.id, i.stage, i.label])).toEqual(expected);
    expect(quiz.items.filter((i) => i.stage === NATURAL)).toHaveLength(2);
    expect(quiz.classes).toEqual(['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']);
    expect(quiz.stages).toEqual(sets[0].stages);
    // Each metamer is its run's last snapshot; the natural trial the run's reference.
    const run = sets[1].runs[2];
    expect(quiz.items.find((i) => i.id === `metamer-${sets[1].id}-${run.record.stage}`)!.src)
      .toBe(`data:image/png;base64,${run.frames[run.frames.length - 1].stimulus.base64}`);
    // The generating model's recognition: share of metamers whose stored logits' argmax is the reference class.
    const own = quiz.modelRecognition!['fmnist-alexnet'];
    quiz.stages.forEach((stage, k) => {
      const hits = sets.map((s) => s.runs.find((r) => r.record.stage === stage)!.readout!)
        .map((ro, j) => ro.labels[ro.metamer.indexOf(Math.max(...ro.metamer))] === sets[j].reference.label);
      expect(own[k]).toBe(hits.filter(Boolean).length / hits.length);
    });
  });

  it('audio: mu-law samples decoded at the clip\'s scale, with the sample rate', () => {
    const samples = Float32Array.from({ length: 64 }, (_, i) => 0.3 * Math.sin(i / 3));
    const stimulus = encodeAudio(samples, 16000);
    const base = shipped('fmnist-alexnet-sneaker');
    const set: PreparedSet = {
      ...base, id: 'a', model: { id: 'w', name: 'W', modality: 'audio' }, reference: { label: 'yes', index: 0 },
      runs: [{ ...base.runs[0], reference: { stimulus, label: 'yes' }, frames: [{ step: 0, stimulus }], readout: { labels: ['yes', 'no'], reference: [2, 1], metamer: [0, 1] } }],
    };
    const quiz = quizSetFromPrepared([set]);
    expect(quiz.sampleRate).toBe(16000);
    expect(quiz.classes).toEqual(['yes', 'no']);
    const data = quiz.items[0].data as Float32Array;
    expect(data).toHaveLength(64);
    for (let i = 0; i < 64; i++) expect(Math.abs(data[i] - samples[i])).toBeLessThan(0.3 * 0.03);
    expect(quiz.modelRecognition).toEqual({ w: [0] });
  });

  it('?quiz= names: set ids and model ids (all of a model\'s sets), unknown ones in one line', () => {
    expect(resolvePreparedQuizIds('fmnist-alexnet-trouser', index)).toEqual(['fmnist-alexnet-trouser']);
    const model = resolvePreparedQuizIds('fmnist-alexnet', index);
    expect(model).toEqual(index.entries.filter((e) => e.model === 'fmnist-alexnet').map((e) => e.id));
    expect(model.length).toBeGreaterThan(1);
    expect(resolvePreparedQuizIds('fmnist-alexnet-trouser, fmnist-alexnet-sneaker', index)).toEqual(['fmnist-alexnet-trouser', 'fmnist-alexnet-sneaker']);
    expect(() => resolvePreparedQuizIds('nope', index)).toThrow(/^\?quiz=nope: no prepared set or model "nope" in prepared\/index\.json \(models: .*fmnist-alexnet/);
  });

  it('refuses mixing models and a single-class set without a readout', () => {
    expect(() => quizSetFromPrepared([shipped('fmnist-alexnet-sneaker'), shipped('fmnist-resnet-sneaker')])).toThrow(/holds one model's metamers/);
    expect(() => quizSetFromPrepared([shipped('hmax-airplane')])).toThrow(/no class readout .* at least two choices/);
    expect(quizSetFromPrepared([shipped('hmax-airplane')], ['airplane', 'bear']).items[0].label).toBe('airplane');
  });
});
