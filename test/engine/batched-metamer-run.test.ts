/**
 * All stages in one pass (issue 11 part 3): a batched run of every stage equals separate
 * single-stage runs (MetamerRun, the reference) step by step: loss histories, gradient norms
 * and final inputs, with the fake ReLU per image, the loss schedules per image and Adam;
 * the batch-masked fake ReLU against its closed-form gradient; the sequential fallback for
 * models without a batched forward; tensors are not leaked.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchedMetamerRun } from '../../src/engine/batched-metamer-run.ts';
import { allStagesMode, runAllStages } from '../../src/engine/all-stages-run.ts';
import { fakeReluWhere } from '../../src/engine/fake-relu.ts';
import { MetamerRun } from '../../src/engine/metamer-run.ts';
import { makeRunConfig, type RunConfigOverrides } from '../../src/engine/presets.ts';
import type { StageEvent } from '../../src/engine/batched-metamer-run.ts';
import type { StagedModel, StepRecord } from '../../src/engine/types.ts';
import type { LoadedModel } from '../../src/models/manifest.ts';
import { loadBuiltinModel, loadReference } from '../../src/models/registry.ts';
import { nodeModelSource } from '../../src/models/source-node.ts';
import { useNodeBackend } from '../../src/platform/tf-node.ts';
import { l2, randomReference, tinyConvModel } from './helpers.ts';

const source = nodeModelSource();

/** Separate runs of each stage: per stage the StepRecords and the final input. */
function separateRuns(model: StagedModel, reference: tf.Tensor, stages: readonly string[], o: RunConfigOverrides) {
  const out: Record<string, { records: StepRecord[]; x: Float32Array }> = {};
  for (const stage of stages) {
    const run = new MetamerRun(model, reference, makeRunConfig(stage, o));
    const records: StepRecord[] = [];
    while (!run.finished) records.push(run.stepOnce());
    const x = run.current();
    out[stage] = { records, x: x.dataSync() as Float32Array };
    x.dispose();
    run.dispose();
  }
  return out;
}

function batchedRun(model: StagedModel, reference: tf.Tensor, stages: readonly string[], o: RunConfigOverrides) {
  const batch = new BatchedMetamerRun(model, reference, makeRunConfig(stages[0], o), stages);
  const records: Record<string, StepRecord[]> = Object.fromEntries(stages.map((s) => [s, []]));
  while (!batch.finished) {
    const step = batch.stepOnce();
    expect(step.failed).toEqual({});
    for (const [s, r] of Object.entries(step.records)) records[s].push(r);
  }
  const out: Record<string, { records: StepRecord[]; x: Float32Array }> = {};
  for (const s of stages) {
    const x = batch.current(s);
    out[s] = { records: records[s], x: x.dataSync() as Float32Array };
    x.dispose();
  }
  batch.dispose();
  return out;
}

/** Batched equals separate: losses and gradient norms per step (relative), final inputs (relative L2). */
function expectSameRuns(
  batched: Record<string, { records: StepRecord[]; x: Float32Array }>,
  separate: Record<string, { records: StepRecord[]; x: Float32Array }>,
  tol: number,
): void {
  for (const [stage, sep] of Object.entries(separate)) {
    const bat = batched[stage];
    expect(bat.records.length, stage).toBe(sep.records.length);
    sep.records.forEach((r, i) => {
      const b = bat.records[i];
      expect(b.step).toBe(r.step);
      expect(b.eta).toBe(r.eta);
      expect(Math.abs(b.loss - r.loss) / Math.abs(r.loss), `${stage} loss at step ${i}`).toBeLessThan(tol);
      expect(Math.abs(b.gradNorm - r.gradNorm) / r.gradNorm, `${stage} gradient norm at step ${i}`).toBeLessThan(tol);
    });
    expect(l2(bat.x, sep.x) / l2(sep.x), `${stage} final input`).toBeLessThan(tol);
  }
}

describe('fakeReluWhere', () => {
  beforeAll(async () => {
    await useNodeBackend('cpu');
  });

  it('has the identity gradient for the flagged images and the ReLU gradient for the others', () => {
    const data = [-1, 2, -3, 4, 0.5, -0.5, -2, 3];
    const x = tf.tensor(data, [4, 2]);
    const fake = [true, false, false, true];
    const dy = tf.tensor([1, 2, 3, 4, 5, 6, 7, 8], [4, 2]);
    const before = tf.memory().numTensors;
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(fakeReluWhere(v, fake), dy)))(x);
    const y = fakeReluWhere(x, fake);
    expect(Array.from(y.dataSync())).toEqual(data.map((v) => Math.max(v, 0)));
    const want = data.map((v, i) => (fake[Math.floor(i / 2)] || v > 0 ? i + 1 : 0));
    expect(Array.from(g.dataSync())).toEqual(want);
    tf.dispose([g, y]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, dy]);
  });
});

describe('BatchedMetamerRun equals separate runs', () => {
  let alexnet: LoadedModel;
  let hmax: LoadedModel;

  beforeAll(async () => {
    await useNodeBackend('wasm');
    alexnet = await loadBuiltinModel('fmnist-alexnet', source);
    hmax = await loadBuiltinModel('hmax', source);
  });
  afterAll(() => {
    alexnet?.model.dispose();
    hmax?.model.dispose();
  });

  it('the batched forward gives each image its own stage, as the single-image forward does', async () => {
    const model = alexnet.model;
    const reference = await loadReference(alexnet.manifest, source, 0);
    const stages = model.stages;
    const batch = tf.concat(stages.map(() => reference), 0);
    const each = model.forwardEach!(batch, stages, { fakeRelu: true });
    const whole = model.forward(reference, stages);
    stages.forEach((s, b) => {
      expect(each[b].shape).toEqual(whole[s].shape);
      expect(l2(each[b].dataSync(), whole[s].dataSync()) / l2(whole[s].dataSync())).toBeLessThan(1e-6);
    });
    tf.dispose([...each, ...Object.values(whole), batch, reference]);
  });

  it('fmnist-alexnet, all 8 stages, fake ReLU: 6 steps over 2 passes (eta halves) match step for step', async () => {
    const reference = await loadReference(alexnet.manifest, source, 0);
    const o: RunConfigOverrides = { passes: 2, itersPerPass: 3, seed: 7, metricsEvery: 0, snapshotEvery: 0 };
    const separate = separateRuns(alexnet.model, reference, alexnet.model.stages, o);
    const before = tf.memory().numTensors;
    const batched = batchedRun(alexnet.model, reference, alexnet.model.stages, o);
    expect(tf.memory().numTensors).toBe(before);
    expectSameRuns(batched, separate, 1e-4);
    // The runs did move: a stage's final input differs from another's.
    expect(l2(batched.relu0.x, batched.final.x)).toBeGreaterThan(0);
    reference.dispose();
  });

  it('fmnist-alexnet with Adam and without the fake ReLU, on a subset of stages given out of order', async () => {
    const reference = await loadReference(alexnet.manifest, source, 1);
    const o: RunConfigOverrides = { passes: 1, itersPerPass: 4, seed: 3, optimizer: 'adam', fakeRelu: false, metricsEvery: 0, snapshotEvery: 0 };
    const stages = ['fc0_relu', 'relu1', 'relu3'];
    const separate = separateRuns(alexnet.model, reference, stages, o);
    const batched = batchedRun(alexnet.model, reference, stages, o);
    expectSameRuns(batched, separate, 1e-4);
    reference.dispose();
  });

  it('HMAX with its random-subset loss schedule per image: 2 steps of S1 and C1 match', async () => {
    // S2/C2 share the same code path and cost most of HMAX's time; S1 and C1 keep the test short.
    const reference = await loadReference(hmax.manifest, source, 0);
    const o: RunConfigOverrides = { passes: 1, itersPerPass: 2, seed: 5, useLossSchedule: true, metricsEvery: 0, snapshotEvery: 0 };
    const stages = ['S1', 'C1'];
    const separate = separateRuns(hmax.model, reference, stages, o);
    const before = tf.memory().numTensors;
    const batched = batchedRun(hmax.model, reference, stages, o);
    expect(tf.memory().numTensors).toBe(before);
    expectSameRuns(batched, separate, 1e-4);
    reference.dispose();
  }, 60_000);

  it('run() reports each stage as a separate run would: started, progress, metrics, snapshot, done', async () => {
    const reference = await loadReference(alexnet.manifest, source, 0);
    const config = makeRunConfig('relu0', { passes: 1, itersPerPass: 4, seed: 2, metricsEvery: 0, snapshotEvery: 0 });
    const events: StageEvent[] = [];
    const before = tf.memory().numTensors;
    const outcome = await runAllStages(alexnet.model, reference, config, ['relu0', 'final'], { onEvent: (e) => events.push(e), measure: 'own', progressEvery: 3 });
    expect(tf.memory().numTensors).toBe(before);
    expect(outcome).toBe('done');
    for (const stage of ['relu0', 'final']) {
      const mine = events.filter((e) => e.stage === stage).map((e) => e.event);
      expect(mine.map((e) => e.type)).toEqual(['started', 'progress', 'progress', 'metrics', 'snapshot', 'done']);
      const metrics = mine.find((e) => e.type === 'metrics');
      expect(metrics?.type === 'metrics' && Object.keys(metrics.stages)).toEqual([stage]);
      const records = mine.flatMap((e) => (e.type === 'progress' ? e.records : []));
      expect(records.map((r) => r.step)).toEqual([0, 1, 2, 3]);
    }
    reference.dispose();
  });
});

describe('all stages without a batched forward', () => {
  beforeAll(async () => {
    await useNodeBackend('cpu');
  });

  it('runs the stages one after another, says so, and gives the same events and results as separate runs', async () => {
    const model = tinyConvModel();
    expect(model.forwardEach).toBeUndefined();
    const plan = allStagesMode(model);
    expect(plan.mode).toBe('sequential');
    expect(plan.reason).toMatch(/one after another/);
    expect(() => new BatchedMetamerRun(model, tf.zeros([1, 8, 8, 3]), makeRunConfig('conv0'))).toThrow(/no batched forward/);
    const reference = randomReference(model.inputSpec, 4);
    const o: RunConfigOverrides = { passes: 1, itersPerPass: 3, seed: 1, metricsEvery: 0, snapshotEvery: 0 };
    const separate = separateRuns(model, reference, model.stages, o);
    const events: StageEvent[] = [];
    await runAllStages(model, reference, makeRunConfig('conv0', o), model.stages, { onEvent: (e) => events.push(e) });
    for (const stage of model.stages) {
      const mine = events.filter((e) => e.stage === stage).map((e) => e.event);
      expect(mine[0].type).toBe('started');
      expect(mine.at(-1)?.type).toBe('done');
      const losses = mine.flatMap((e) => (e.type === 'progress' ? e.records.map((r) => r.loss) : []));
      expect(losses).toEqual(separate[stage].records.map((r) => r.loss));
    }
    reference.dispose();
    model.dispose();
  });
});
