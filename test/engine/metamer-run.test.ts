import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { MetamerRun, NonFiniteError, type RunState } from '../../src/engine/metamer-run.ts';
import { initialNoiseData } from '../../src/engine/noise.ts';
import { makeRunConfig, type RunConfigOverrides } from '../../src/engine/presets.ts';
import { Rng } from '../../src/engine/random.ts';
import { stagedModelFromFunction } from '../../src/engine/staged-model.ts';
import type { EngineEvent, LossSchedule, StagedModel, StepRecord } from '../../src/engine/types.ts';
import { type NodeBackend, useNodeBackend } from '../../src/platform/tf-node.ts';
import {
  collector,
  identityModel,
  imageSpec,
  l2,
  linearModel,
  pick,
  randomHalfSchedule,
  randomReference,
  take,
  tinyConvModel,
  vectorSpec,
} from './helpers.ts';

const quiet: RunConfigOverrides = { metricsEvery: 0, snapshotEvery: 0 };

/** Rows of W0 orthonormal (Gram-Schmidt of a seeded Gaussian matrix), then W = diag(d) W0. */
function wideMatrix(rows: number, cols: number, d: number[]): { W: Float64Array; W0: Float64Array } {
  const rng = new Rng(9);
  const W0 = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const v = Array.from(rng.normalArray(cols, 0, 1), Number);
    for (let q = 0; q < r; q++) {
      const dot = v.reduce((s, a, i) => s + a * W0[q * cols + i], 0);
      for (let i = 0; i < cols; i++) v[i] -= dot * W0[q * cols + i];
    }
    const n = Math.sqrt(v.reduce((s, a) => s + a * a, 0));
    for (let i = 0; i < cols; i++) W0[r * cols + i] = v[i] / n;
  }
  const W = W0.map((w, k) => w * d[Math.floor(k / cols)]);
  return { W, W0 };
}

/** Projection of v onto the row space of W0 (orthonormal rows). */
function rowProject(W0: Float64Array, rows: number, cols: number, v: ArrayLike<number>): Float64Array {
  const out = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    let dot = 0;
    for (let i = 0; i < cols; i++) dot += W0[r * cols + i] * v[i];
    for (let i = 0; i < cols; i++) out[i] += dot * W0[r * cols + i];
  }
  return out;
}

const sub = (a: ArrayLike<number>, b: ArrayLike<number>) => Float64Array.from({ length: a.length }, (_, i) => a[i] - b[i]);

describe.each<NodeBackend>(['cpu', 'wasm'])('MetamerRun on the %s backend', (backend) => {
  beforeAll(async () => {
    await useNodeBackend(backend);
  });

  it("the identity model's metamer converges to the reference", async () => {
    const spec = imageSpec([4, 4, 1]);
    const model = identityModel(spec);
    const ref = randomReference(spec, 2);
    const run = new MetamerRun(model, ref, makeRunConfig('pixels', { passes: 8, itersPerPass: 25, eta0: 0.5, ...quiet }));
    const c = collector();
    expect(await run.run({ onEvent: c.onEvent })).toBe('done');
    const x = take(run.current());
    // Each step has length eta, so the last iterate is within the last eta (0.5/128) of the reference.
    expect(l2(x, ref.dataSync())).toBeLessThan(0.5 / 128 + 1e-6);
    const metrics = c.events.find((e) => e.type === 'metrics');
    expect(metrics?.type === 'metrics' && metrics.stages.pixels.pearson).toBeGreaterThan(0.9999);
    run.dispose();
    ref.dispose();
    model.dispose();
  });

  it('a linear model with a null space: the metamer differs from the reference only inside it', () => {
    const rows = 4;
    const cols = 8;
    const { W, W0 } = wideMatrix(rows, cols, [1, 1.5, 2, 3]);
    const model = linearModel(W, rows, cols);
    const ref = tf.tensor2d([Array.from(new Rng(4).normalArray(cols, 0, 1))]);
    const config = makeRunConfig('proj', { passes: 10, itersPerPass: 60, seed: 5, ...quiet });
    const run = new MetamerRun(model, ref, config);
    const x0 = initialNoiseData(model.inputSpec, 5);
    while (!run.finished) run.stepOnce();
    const x = take(run.current());
    const s = ref.dataSync();
    const rowPart = rowProject(W0, rows, cols, sub(x, s));
    const rowPart0 = rowProject(W0, rows, cols, sub(x0, s));
    // Matched where the model looks...
    expect(l2(rowPart)).toBeLessThan(0.01 * l2(rowPart0));
    // ...and untouched where it does not: x - x0 lies in the row space (every gradient does).
    const moved = sub(x, x0);
    expect(l2(sub(moved, rowProject(W0, rows, cols, moved)))).toBeLessThan(1e-4);
    // So the metamer is far from the reference, by the null-space part of (noise - reference).
    expect(l2(sub(x, s))).toBeGreaterThan(0.5);
    run.dispose();
    ref.dispose();
    model.dispose();
  });

  it('keeps the tensor count flat over 100 steps and returns to it after dispose', async () => {
    const model = tinyConvModel(8);
    const ref = randomReference(model.inputSpec, 3);
    const config = makeRunConfig('conv1', { passes: 2, itersPerPass: 60, metricsEvery: 20, snapshotEvery: 10 });
    // Warm-up (tfjs creates some tensors lazily on first use).
    const warm = new MetamerRun(model, ref, config);
    warm.stepOnce();
    await warm.measure();
    warm.dispose();
    const start = tf.memory().numTensors;
    const run = new MetamerRun(model, ref, config);
    // The other stages' reference activations are computed (once) by the first measure().
    await run.measure();
    const afterConstruct = tf.memory().numTensors;
    for (let i = 0; i < 50; i++) run.stepOnce();
    expect(tf.memory().numTensors).toBe(afterConstruct);
    let pauseAt = 100;
    expect(await run.run({ onEvent: () => {}, shouldPause: () => run.step >= pauseAt })).toBe('paused');
    expect(run.step).toBe(100);
    expect(tf.memory().numTensors).toBe(afterConstruct);
    const state = run.saveState();
    const t = run.current();
    t.dispose();
    run.dispose();
    expect(tf.memory().numTensors).toBe(start);
    const resumed = new MetamerRun(model, ref, config, state);
    pauseAt = Infinity;
    expect(await resumed.run({ onEvent: () => {} })).toBe('done');
    resumed.dispose();
    expect(tf.memory().numTensors).toBe(start);
    ref.dispose();
    model.dispose();
  });
});

describe('MetamerRun (cpu backend)', () => {
  beforeAll(async () => {
    await useNodeBackend('cpu');
  });

  it('every step has length eta (no clamping), and eta halves before each pass', () => {
    const { W } = wideMatrix(3, 6, [1, 2, 1]);
    const model = linearModel(W, 3, 6);
    const ref = tf.tensor2d([[0.3, -1, 2, 0.5, 0, 1]]);
    const run = new MetamerRun(model, ref, makeRunConfig('proj', { passes: 3, itersPerPass: 4, eta0: 0.8, ...quiet }));
    const etas: number[] = [];
    while (!run.finished) {
      const before = take(run.current());
      const rec = run.stepOnce();
      const after = take(run.current());
      etas.push(rec.eta);
      expect(Math.abs(l2(after, before) - rec.eta) / rec.eta).toBeLessThan(1e-5);
      expect(rec.gradNorm).toBeGreaterThan(0);
    }
    expect(etas).toEqual([0.8, 0.8, 0.8, 0.8, 0.4, 0.4, 0.4, 0.4, 0.2, 0.2, 0.2, 0.2]);
    expect(() => run.stepOnce()).toThrow(/finished/);
    run.dispose();
    ref.dispose();
    model.dispose();
  });

  it('clamps every iterate to the input range', () => {
    const model = tinyConvModel(6);
    const ref = randomReference(model.inputSpec, 8, 0, 1);
    const run = new MetamerRun(model, ref, makeRunConfig('conv0', { passes: 1, itersPerPass: 5, eta0: 5, ...quiet }));
    for (let i = 0; i < 5; i++) {
      run.stepOnce();
      const x = take(run.current());
      expect(Math.min(...x)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...x)).toBeLessThanOrEqual(1);
    }
    run.dispose();
    ref.dispose();
    model.dispose();
  });

  it('same seed -> the same run (bitwise), another seed -> another run', async () => {
    const model = tinyConvModel(8);
    const ref = randomReference(model.inputSpec, 1);
    const go = async (seed: number) => {
      const run = new MetamerRun(model, ref, makeRunConfig('conv1', { passes: 2, itersPerPass: 10, seed, ...quiet }));
      const c = collector();
      await run.run({ onEvent: c.onEvent, progressEvery: 4 });
      const x = take(run.current());
      run.dispose();
      return { losses: c.records().map((r) => r.loss), x: Array.from(x) };
    };
    const a = await go(3);
    const b = await go(3);
    const other = await go(4);
    expect(a.losses).toHaveLength(20);
    expect(b.losses).toEqual(a.losses);
    expect(b.x).toEqual(a.x);
    expect(other.losses[0]).not.toBe(a.losses[0]);
    ref.dispose();
    model.dispose();
  });

  describe('pause/resume equals an uninterrupted run', () => {
    // A linear model whose loss covers a random half of its units, re-drawn every 3 steps
    // with the run's random stream: the schedule's RNG must resume exactly too.
    function scheduledModel(): StagedModel {
      const { W } = wideMatrix(8, 16, [1, 1, 1, 1, 2, 2, 2, 2]);
      const w = tf.tensor2d(Float32Array.from(W), [8, 16]);
      return stagedModelFromFunction({
        id: 'scheduled',
        stages: ['proj'],
        inputSpec: vectorSpec(16),
        forward: (x, stages) => pick({ proj: () => tf.matMul(x, w, false, true) }, stages),
        lossSchedule: () => randomHalfSchedule(8, 3),
        dispose: () => w.dispose(),
      });
    }

    it.each(['normalized-gd', 'adam'] as const)('%s', async (optimizer) => {
      const model = scheduledModel();
      const ref = tf.tensor2d([Array.from(new Rng(6).normalArray(16, 0, 1))]);
      const config = makeRunConfig('proj', {
        optimizer,
        passes: 3,
        itersPerPass: 8,
        adam: { learningRate: 0.05, decayEvery: 5 },
        ...quiet,
      });
      const whole = new MetamerRun(model, ref, config);
      const cw = collector();
      expect(await whole.run({ onEvent: cw.onEvent })).toBe('done');
      const xWhole = Array.from(take(whole.current()));

      // Paused at 7, continued on the same object.
      const same = new MetamerRun(model, ref, config);
      const cs = collector();
      expect(await same.run({ onEvent: cs.onEvent, shouldPause: () => same.step >= 7 })).toBe('paused');
      expect(cs.events.at(-1)).toEqual({ type: 'paused', step: 7 });
      const state: RunState = structuredClone(same.saveState());
      expect(await same.run({ onEvent: cs.onEvent })).toBe('done');
      expect(cs.records().map((r) => r.loss)).toEqual(cw.records().map((r) => r.loss));
      expect(Array.from(take(same.current()))).toEqual(xWhole);

      // Paused at 7, saved, resumed in a new MetamerRun (new schedule instance).
      const resumed = new MetamerRun(model, ref, config, state);
      expect(resumed.step).toBe(7);
      const cr = collector();
      expect(await resumed.run({ onEvent: cr.onEvent })).toBe('done');
      expect(cr.events[0]).toEqual({ type: 'started', totalSteps: 24, step: 7 });
      const tail = cr.records();
      expect(tail[0].step).toBe(7);
      expect(tail.map((r) => r.loss)).toEqual(cw.records().slice(7).map((r) => r.loss));
      expect(Array.from(take(resumed.current()))).toEqual(xWhole);

      for (const r of [whole, same, resumed]) r.dispose();
      ref.dispose();
      model.dispose();
    });

    it.each(['normalized-gd', 'adam'] as const)('%s: a mid-run checkpoint resumes bit-identically', async (optimizer) => {
      const model = scheduledModel();
      const ref = tf.tensor2d([Array.from(new Rng(7).normalArray(16, 0, 1))]);
      const config = makeRunConfig('proj', { optimizer, passes: 2, itersPerPass: 9, ...quiet });
      const whole = new MetamerRun(model, ref, config);
      const cw = collector();
      const checkpoints: RunState[] = [];
      const outcome = await whole.run({
        onEvent: cw.onEvent,
        checkpointEvery: 5,
        onCheckpoint: (s) => checkpoints.push(structuredClone(s)),
      });
      expect(outcome).toBe('done');
      // Steps 5, 10, 15 (none at 0, none after the last step).
      expect(checkpoints.map((c) => c.step)).toEqual([5, 10, 15]);
      const xWhole = Array.from(take(whole.current()));

      // As if the tab closed after the checkpoint at step 10: a new run continues from it.
      const resumed = new MetamerRun(model, ref, config, checkpoints[1]);
      const cr = collector();
      expect(await resumed.run({ onEvent: cr.onEvent })).toBe('done');
      expect(cr.records().map((r) => r.loss)).toEqual(cw.records().slice(10).map((r) => r.loss));
      expect(Array.from(take(resumed.current()))).toEqual(xWhole);

      // Pausing also checkpoints, at the step where it paused.
      const paused = new MetamerRun(model, ref, config);
      const onPause: RunState[] = [];
      await paused.run({ onEvent: () => {}, shouldPause: () => paused.step >= 3, onCheckpoint: (s) => onPause.push(s) });
      expect(onPause.map((c) => c.step)).toEqual([3]);
      for (const r of [whole, resumed, paused]) r.dispose();
      ref.dispose();
      model.dispose();
    });

    it('rejects a state of another model, stage or optimizer', () => {
      const model = tinyConvModel(6);
      const ref = randomReference(model.inputSpec, 1);
      const config = makeRunConfig('conv1', { passes: 1, itersPerPass: 4, ...quiet });
      const run = new MetamerRun(model, ref, config);
      run.stepOnce();
      const state = run.saveState();
      expect(() => new MetamerRun(model, ref, { ...config, stage: 'conv0' }, state)).toThrow(/stage "conv1", not "conv0"/);
      expect(() => new MetamerRun(model, ref, { ...config, optimizer: 'adam' }, state)).toThrow(/optimizer/);
      expect(() => new MetamerRun(model, ref, config, { ...state, modelId: 'other' })).toThrow(/model "other"/);
      expect(() => new MetamerRun(model, ref, config, { ...state, step: 99 })).toThrow(/outside 0\.\.4/);
      run.dispose();
      ref.dispose();
      model.dispose();
    });
  });

  it('a NaN stops the run with an error event; the last finite iterate is kept', async () => {
    const spec = vectorSpec(4);
    let calls = 0;
    const k = 5;
    const model = stagedModelFromFunction({
      id: 'nan-after-k',
      stages: ['out'],
      inputSpec: spec,
      // Call 1 is the reference; calls 2.. are steps 0..: NaN from step k on.
      forward: (x, stages) => pick({ out: () => (++calls > k + 1 ? tf.mul(x, NaN) : tf.mul(x, 2)) }, stages),
    });
    const ref = tf.tensor2d([[1, 2, 3, 4]]);
    const run = new MetamerRun(model, ref, makeRunConfig('out', { passes: 1, itersPerPass: 20, ...quiet }));
    const c = collector();
    expect(await run.run({ onEvent: c.onEvent, progressEvery: 100 })).toBe('error');
    const last = c.events.at(-1) as Extract<EngineEvent, { type: 'error' }>;
    expect(last.type).toBe('error');
    expect(last.message).toMatch(/^Loss became NaN at step 5: /);
    expect(last.step).toBe(5);
    expect(c.records().map((r) => r.step)).toEqual([0, 1, 2, 3, 4]);
    expect(run.step).toBe(5);
    expect(Array.from(take(run.current())).every(Number.isFinite)).toBe(true);
    expect(() => run.stepOnce()).toThrow(NonFiniteError);
    run.dispose();
    ref.dispose();
  });

  it('Adam lowers the loss', async () => {
    const model = tinyConvModel(8);
    const ref = randomReference(model.inputSpec, 5);
    const run = new MetamerRun(
      model,
      ref,
      makeRunConfig('conv1', { optimizer: 'adam', passes: 1, itersPerPass: 60, adam: { learningRate: 0.02 }, ...quiet }),
    );
    const losses: number[] = [];
    while (!run.finished) losses.push(run.stepOnce().loss);
    expect(losses.at(-1)!).toBeLessThan(0.5 * losses[0]);
    run.dispose();
    ref.dispose();
    model.dispose();
  });

  it('applies the loss schedule mask (masked units stay unmatched) and passes the step context', () => {
    const spec = vectorSpec(8);
    const contexts: { step: number; pass: number; iterInPass: number }[] = [];
    let active: tf.Tensor | null = null;
    const schedule: LossSchedule = {
      maskFor(ctx) {
        contexts.push({ step: ctx.step, pass: ctx.pass, iterInPass: ctx.iterInPass });
        if (ctx.step >= 40) return null;
        active ??= tf.keep(tf.tensor2d([[1, 1, 1, 1, 0, 0, 0, 0]]));
        return active;
      },
      dispose() {
        active?.dispose();
      },
    };
    const model = identityModel(spec, { lossSchedule: () => schedule });
    const ref = tf.tensor2d([Array.from(new Rng(12).normalArray(8, 0, 3))]);
    const config = makeRunConfig('pixels', { passes: 8, itersPerPass: 20, eta0: 2, seed: 2, ...quiet });
    const run = new MetamerRun(model, ref, config);
    const x0 = initialNoiseData(spec, 2);
    const s = ref.dataSync();
    for (let i = 0; i < 40; i++) run.stepOnce();
    const mid = take(run.current());
    expect(Array.from(mid.slice(4))).toEqual(Array.from(x0.slice(4))); // no gradient reached them
    expect(l2(mid.slice(0, 4), s.slice(0, 4))).toBeLessThan(0.3 * l2(x0.slice(0, 4), s.slice(0, 4)));
    while (!run.finished) run.stepOnce();
    expect(l2(take(run.current()), s)).toBeLessThan(0.05);
    expect(contexts[23]).toEqual({ step: 23, pass: 1, iterInPass: 3 });
    // Without the schedule, all units are matched from the start.
    const plain = new MetamerRun(model, ref, { ...config, useLossSchedule: false });
    for (let i = 0; i < 40; i++) plain.stepOnce();
    expect(Array.from(take(plain.current()).slice(4))).not.toEqual(Array.from(x0.slice(4)));
    plain.dispose();
    run.dispose();
    ref.dispose();
  });

  it('throws clear errors for an unknown stage or a wrong reference shape', () => {
    const model = tinyConvModel(6);
    const ref = randomReference(model.inputSpec, 1);
    expect(() => new MetamerRun(model, ref, makeRunConfig('x'))).toThrow('Unknown stage "x"; this model has: conv0, conv1');
    const bad = tf.zeros([1, 5, 6, 3]);
    expect(() => new MetamerRun(model, bad, makeRunConfig('conv0'))).toThrow(/Reference must have shape \[1,6,6,3\]/);
    expect(() => new MetamerRun(model, ref, { ...makeRunConfig('conv0'), passes: -1 })).toThrow(/passes/);
    tf.dispose([bad, ref]);
    model.dispose();
  });

  it('emits started, progress deltas, metrics, snapshots and done on schedule', async () => {
    const model = tinyConvModel(8);
    const ref = randomReference(model.inputSpec, 4);
    const run = new MetamerRun(
      model,
      ref,
      makeRunConfig('conv1', { passes: 2, itersPerPass: 10, metricsEvery: 5, snapshotEvery: 4 }),
    );
    const c = collector();
    expect(await run.run({ onEvent: c.onEvent, progressEvery: 3 })).toBe('done');
    const ev = c.events;
    expect(ev[0]).toEqual({ type: 'started', totalSteps: 20, step: 0 });
    expect(ev.at(-1)).toEqual({ type: 'done', step: 20, stopped: false });
    const records: StepRecord[] = c.records();
    expect(records.map((r) => r.step)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    for (const e of ev) if (e.type === 'progress') expect(e.records.length).toBeLessThanOrEqual(3);
    const metrics = ev.filter((e) => e.type === 'metrics');
    expect(metrics.map((e) => e.step)).toEqual([0, 5, 10, 15, 20]);
    for (const m of metrics) expect(Object.keys(m.type === 'metrics' ? m.stages : {})).toEqual(['conv0', 'conv1']);
    const snaps = ev.filter((e) => e.type === 'snapshot');
    expect(snaps.map((e) => e.step)).toEqual([0, 4, 8, 12, 16, 20]);
    // Progress for steps before a metrics/snapshot event is delivered before it.
    const firstSnap4 = ev.findIndex((e) => e.type === 'snapshot' && e.step === 4);
    const seen = ev.slice(0, firstSnap4).flatMap((e) => (e.type === 'progress' ? e.records : []));
    expect(seen.at(-1)?.step).toBe(3);
    // A snapshot at step k reproduces the loss recorded for step k.
    for (const e of snaps) {
      if (e.type !== 'snapshot' || e.step >= 20) continue;
      expect(e.shape).toEqual([8, 8, 3]);
      const x = tf.tensor(e.data, [1, ...e.shape]);
      expect(take(run.objective(x))[0]).toBeCloseTo(records[e.step].loss, 6);
      x.dispose();
    }
    // The final metrics describe the final iterate.
    const last = metrics.at(-1)!;
    expect(last.type === 'metrics' && last.stages).toEqual(await run.measure());
    run.dispose();
    ref.dispose();
    model.dispose();
  });

  it('stops on abort, and yields so that timers and messages get through', async () => {
    const model = tinyConvModel(6);
    const ref = randomReference(model.inputSpec, 4);
    const run = new MetamerRun(model, ref, makeRunConfig('conv1', { passes: 1, itersPerPass: 100000, ...quiet }));
    const ctrl = new AbortController();
    setTimeout(() => ctrl.abort(), 50);
    const c = collector();
    expect(await run.run({ onEvent: c.onEvent, signal: ctrl.signal })).toBe('stopped');
    expect(run.step).toBeGreaterThan(0);
    expect(run.step).toBeLessThan(100000);
    const tail = c.events.slice(-2);
    expect(tail[0].type).toBe('snapshot');
    expect(tail[1]).toEqual({ type: 'done', step: run.step, stopped: true });
    expect(c.records().length).toBe(run.step);
    run.dispose();
    ref.dispose();
    model.dispose();
  });
});
