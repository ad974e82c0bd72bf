/**
 * `metamer batch summary`: its numbers recomputed here from the run records and metamers
 * (pass rates, metric quantiles, recognition by argmax of each model's readout), and the
 * report checked to be one self-contained file with the figures.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { cliInProcess } from '../run-cli.ts';
import { parseNpy } from '../../../src/io/npy.ts';
import { loadBuiltinModel } from '../../../src/models/registry.ts';
import { nodeModelSource } from '../../../src/models/source-node.ts';
import { useNodeBackend } from '../../../src/platform/tf-node.ts';
import type { BatchSummary } from '../../../src/batch/summary.ts';
import { runsFromFiles } from '../../../src/export/open-run.ts';
import { unzip } from '../../../src/export/unzip.ts';

/** numpy.quantile(..., method='linear'), written out independently. */
function npQuantile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  const h = (s.length - 1) * p;
  const lo = Math.floor(h);
  return s[lo] + (h - lo) * (s[Math.min(lo + 1, s.length - 1)] - s[lo]);
}

const num = (v: number | string) => (typeof v === 'number' ? v : Number(v));

describe('metamer batch summary', () => {
  it('pass rates, metric distributions and recognition match the run records; the report is self-contained', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'metamer-summary-')), 'b');
    const plan = await cliInProcess(['batch', 'plan', '--out', dir, '--models', 'fmnist-alexnet,fmnist-alexnet-robust', '--stages', 'relu0,final', '--max-references', '3', '--steps', '8']);
    expect(plan.code, plan.err).toBe(0);
    const run = await cliInProcess(['batch', 'run', dir]);
    expect(run.code, run.err).toBe(0);
    // Two of the Fashion-MNIST family read (all six can: readersOf), to keep the test short.
    const r = await cliInProcess(['batch', 'summary', dir, '--readers', 'fmnist-alexnet,fmnist-alexnet-robust']);
    expect(r.code, r.err).toBe(0);
    const summary = JSON.parse(readFileSync(join(dir, 'summary', 'summary.json'), 'utf8')) as BatchSummary;
    expect(summary.jobs).toEqual({ total: 12, done: 12 });
    expect(summary.chance).toEqual({ 'fmnist-alexnet': 0.1, 'fmnist-alexnet-robust': 0.1 });
    expect(summary.recognisers['fmnist-alexnet']).toEqual(['fmnist-alexnet', 'fmnist-alexnet-robust']);

    await useNodeBackend('wasm');
    const source = nodeModelSource();
    const models = { 'fmnist-alexnet': await loadBuiltinModel('fmnist-alexnet', source), 'fmnist-alexnet-robust': await loadBuiltinModel('fmnist-alexnet-robust', source) };
    type Rec = { model: { id: string }; stage: string; verdict: { pass: boolean } | null; reference: { label: string }; metricHistory: { stages: Record<string, Record<string, number | string>> }[] };
    const jobs: { rec: Rec; recognised: Record<string, string> }[] = [];
    for (const id of readdirSync(join(dir, 'jobs'))) {
      const jd = join(dir, 'jobs', id);
      const done = JSON.parse(readFileSync(join(jd, 'done.json'), 'utf8'));
      const rec = JSON.parse(readFileSync(join(jd, done.record), 'utf8')) as Rec;
      const x = parseNpy(readFileSync(join(jd, 'metamer.npy')));
      const recognised: Record<string, string> = {};
      for (const [mid, m] of Object.entries(models)) {
        const logits = tf.tidy(() => Array.from(m.model.readout!.logits(tf.tensor(x.data, [1, 28, 28, 1])).dataSync()));
        recognised[mid] = m.manifest.classes![logits.indexOf(Math.max(...logits))];
      }
      jobs.push({ rec, recognised });
    }
    for (const m of Object.values(models)) m.model.dispose();
    expect(jobs).toHaveLength(12);

    expect(summary.stages.map((s) => `${s.model}/${s.stage}`)).toEqual(['fmnist-alexnet/relu0', 'fmnist-alexnet/final', 'fmnist-alexnet-robust/relu0', 'fmnist-alexnet-robust/final']);
    for (const s of summary.stages) {
      const mine = jobs.filter((j) => j.rec.model.id === s.model && j.rec.stage === s.stage);
      expect(s.jobs).toBe(3);
      expect(s.tested).toBe(mine.filter((j) => j.rec.verdict !== null).length);
      expect(s.passed).toBe(mine.filter((j) => j.rec.verdict?.pass).length);
      for (const metric of ['spearman', 'pearson', 'snrDb'] as const) {
        const v = mine.map((j) => num(j.rec.metricHistory.at(-1)!.stages[s.stage][metric])).filter(Number.isFinite);
        const d = s.metrics[metric]!;
        expect(d.n).toBe(v.length);
        expect(d.median).toBeCloseTo(npQuantile(v, 0.5), 12);
        expect(d.q25).toBeCloseTo(npQuantile(v, 0.25), 12);
        expect(d.q75).toBeCloseTo(npQuantile(v, 0.75), 12);
        expect(d.min).toBe(Math.min(...v));
        expect(d.mean).toBeCloseTo(v.reduce((a, b) => a + b, 0) / v.length, 12);
      }
      for (const recogniser of Object.keys(models)) {
        const correct = mine.filter((j) => j.recognised[recogniser] === j.rec.reference.label).length;
        expect(s.recognition[recogniser], `${s.model}/${s.stage} by ${recogniser}`).toEqual({ correct, n: 3, rate: correct / 3 });
      }
    }

    const html = readFileSync(join(dir, 'summary', 'report.html'), 'utf8');
    expect(html).not.toMatch(/<script|\bsrc=|href="http/);
    // Two grids (3 references x (reference + 2 stages)) and two recognition plots with a chance line.
    expect(html.match(/<image /g)).toHaveLength(2 * 3 * 3);
    expect(html.match(/<svg /g)).toHaveLength(4);
    expect(html.match(/chance \(10%\)/g)).toHaveLength(2);
    // The page set opens as the page opens dropped files: 12 runs, exact metamers from the .npy.
    const opened = runsFromFiles(await unzip(new Uint8Array(readFileSync(join(dir, 'summary', 'page-set.zip')))));
    expect(opened.errors).toEqual([]);
    expect(opened.runs).toHaveLength(12);
    // The page's recognition quiz for each model: the 10 natural references and the 6 metamers.
    for (const id of Object.keys(models)) {
      const quiz = JSON.parse(readFileSync(join(dir, 'summary', `quiz-${id}.json`), 'utf8'));
      expect(quiz).toMatchObject({ format: 'metamer-quiz-set/1', modelId: id, stages: ['relu0', 'final'] });
      expect(quiz.items).toHaveLength(10 + 6);
      expect(Object.keys(quiz.modelRecognition)).toEqual(summary.recognisers[id]);
    }
    for (const run of opened.runs) {
      const npy = parseNpy(readFileSync(join(dir, 'jobs', run.id, 'metamer.npy')));
      expect(Array.from(run.snapshot!.data)).toEqual(Array.from(npy.data));
      expect(run.group).toMatch(/^batch:fmnist-alexnet(-robust)?:\d:0$/);
    }
  });
});
