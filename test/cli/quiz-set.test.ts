/**
 * `metamer quiz-set`: a quiz from a batch of generate runs - natural references plus every
 * metamer with its reference's class (found from the input's file name), and each reading
 * model's recognition per stage, checked here against the argmax of its final stage.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { cliInProcess, REPO } from './run-cli.ts';
import { useNodeBackend } from '../../src/platform/tf-node.ts';
import { BUILTIN_MODEL_IDS, loadBuiltinModel } from '../../src/models/registry.ts';
import { nodeModelSource } from '../../src/models/source-node.ts';
import { parseNpy } from '../../src/io/npy.ts';
import { NATURAL, validateQuizSet } from '../../src/export/quiz-set.ts';

const dir = mkdtempSync(join(tmpdir(), 'quiz-set-'));
const SANDAL = join(REPO, 'models/fmnist-alexnet/references/sandal.png');
const STAGES = ['relu0', 'final'];

beforeAll(async () => {
  await useNodeBackend('wasm');
  for (const stage of STAGES) {
    const r = await cliInProcess(['generate', '--model', 'fmnist-alexnet', '--stage', stage, '--input', SANDAL, '--steps', '3',
      '--seed', '1', '--measure', 'stage', '--out', join(dir, stage)]);
    expect(r.code, r.err).toBe(0);
  }
});

describe('metamer quiz-set', () => {
  it('writes natural references and labelled metamers with the readers\' recognition per stage', async () => {
    const out = join(dir, 'quiz.json');
    const r = await cliInProcess(['quiz-set', ...STAGES.map((s) => join(dir, s)), '--out', out, '--id', 'sandals']);
    expect(r.code, r.err).toBe(0);
    const set = validateQuizSet(JSON.parse(readFileSync(out, 'utf8')), out);
    expect(set.id).toBe('sandals');
    expect(set.stages).toEqual(STAGES);
    expect(set.items.filter((i) => i.stage === NATURAL)).toHaveLength(10);
    const metamers = set.items.filter((i) => i.stage !== NATURAL);
    expect(metamers.map((i) => [i.id, i.label])).toEqual([['metamer-relu0-1', 'Sandal'], ['metamer-final-1', 'Sandal']]);
    const readers = BUILTIN_MODEL_IDS.filter((id) => id.startsWith('fmnist-'));
    expect(Object.keys(set.modelRecognition!).sort()).toEqual([...readers].sort());
    for (const id of readers) {
      const { model } = await loadBuiltinModel(id, nodeModelSource());
      STAGES.forEach((stage, k) => {
        const data = parseNpy(readFileSync(join(dir, stage, 'metamer.npy'))).data;
        expect(Array.from(metamers[k].data!)).toEqual(Array.from(data));
        const acts = model.forward(tf.tensor(data, [1, 28, 28, 1]), ['final']);
        const v = Array.from(acts.final.dataSync());
        tf.dispose(Object.values(acts));
        const right = model.readout!.labels[v.indexOf(Math.max(...v))] === 'Sandal' ? 1 : 0;
        expect(set.modelRecognition![id][k]).toBe(right);
      });
      model.dispose();
    }
  });

  it('takes the class from the input file name over --label, and names a missing folder in one line', async () => {
    const noLabel = await cliInProcess(['quiz-set', join(dir, 'relu0'), '--out', join(dir, 'x.json'), '--label', 'Cat']);
    expect(noLabel.code).toBe(0); // the file name wins over --label
    const missing = await cliInProcess(['quiz-set', join(dir, 'nope'), '--out', join(dir, 'y.json')]);
    expect(missing.code).toBe(1);
    expect(missing.err.trim().split('\n')).toHaveLength(1);
    expect(missing.err).toMatch(/nope\/run\.json: ENOENT|cannot read .*nope\/run\.json/);
  });
});
