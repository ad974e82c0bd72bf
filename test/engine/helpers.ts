/** Tiny models and utilities shared by the engine tests. */
import * as tf from '@tensorflow/tfjs';
import { fakeRelu as fakeReluLocal } from '../../src/engine/fake-relu.ts';
import { Rng } from '../../src/engine/random.ts';
import { stagedModelFromFunction } from '../../src/engine/staged-model.ts';
import type { EngineEvent, InputSpec, LossSchedule, StagedModel, StepContext } from '../../src/engine/types.ts';

export function imageSpec(shape: number[], extra: Partial<InputSpec> = {}): InputSpec {
  return { modality: 'image', shape, range: [0, 1], init: { mean: 0.5, std: 0.05 }, ...extra };
}

/** A vector "audio" input with a huge range, so no step is ever clamped. */
export function vectorSpec(n: number, extra: Partial<InputSpec> = {}): InputSpec {
  return { modality: 'audio', shape: [n], range: [-1e6, 1e6], init: { mean: 0, std: 1 }, ...extra };
}

export function pick(all: Record<string, () => tf.Tensor>, stages: readonly string[]): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const s of stages) out[s] = all[s]();
  return out;
}

/** Stage "pixels" is the input itself. */
export function identityModel(spec: InputSpec, extra: { lossSchedule?: (stage: string) => LossSchedule | null } = {}): StagedModel {
  return stagedModelFromFunction({
    id: 'identity',
    stages: ['pixels'],
    inputSpec: spec,
    forward: (x, stages) => pick({ pixels: () => x }, stages),
    ...extra,
  });
}

/** Stage "proj" = x W^T for a row-major W [rows, cols]. */
export function linearModel(W: Float64Array, rows: number, cols: number): StagedModel {
  const w = tf.tensor2d(Float32Array.from(W), [rows, cols]);
  return stagedModelFromFunction({
    id: 'linear',
    stages: ['proj'],
    inputSpec: vectorSpec(cols),
    forward: (x, stages) => pick({ proj: () => tf.matMul(x, w, false, true) }, stages),
    dispose: () => w.dispose(),
  });
}

/** conv(relu) -> conv(relu) on a small image; stages conv0, conv1. Fixed seeded weights. */
export function tinyConvModel(size = 8, seed = 1): StagedModel {
  const rng = new Rng(seed);
  const k0 = tf.tensor4d(rng.normalArray(3 * 3 * 3 * 4, 0, 0.4), [3, 3, 3, 4]);
  const k1 = tf.tensor4d(rng.normalArray(3 * 3 * 4 * 4, 0, 0.3), [3, 3, 4, 4]);
  const b0 = tf.tensor1d(rng.normalArray(4, 0, 0.1));
  const spec = imageSpec([size, size, 3]);
  return stagedModelFromFunction({
    id: 'tiny-conv',
    stages: ['conv0', 'conv1'],
    inputSpec: spec,
    forward: (x, stages, opts) => {
      const fake0 = opts.fakeReluStage === 'conv0';
      const fake1 = opts.fakeReluStage === 'conv1';
      const relu = (t: tf.Tensor4D, fake: boolean) => (fake ? fakeReluLocal(t) : tf.relu(t));
      const c0 = relu(tf.add(tf.conv2d(x as tf.Tensor4D, k0, 1, 'same'), b0), fake0);
      const out: Record<string, tf.Tensor> = {};
      if (stages.includes('conv0')) out.conv0 = c0;
      if (stages.includes('conv1')) out.conv1 = relu(tf.conv2d(c0, k1, 2, 'same'), fake1);
      return out;
    },
    dispose: () => tf.dispose([k0, k1, b0]),
  });
}

/** Collects events; `steps` = all StepRecords in order. */
export function collector() {
  const events: EngineEvent[] = [];
  return {
    events,
    onEvent: (e: EngineEvent) => events.push(e),
    records() {
      return events.flatMap((e) => (e.type === 'progress' ? e.records : []));
    },
    types() {
      return events.map((e) => e.type);
    },
  };
}

/** A loss schedule that masks a random half of n units, re-drawn every `every` steps (uses ctx.random). */
export function randomHalfSchedule(n: number, every: number): LossSchedule & { contexts: StepContext[] } {
  let mask: tf.Tensor | null = null;
  const contexts: StepContext[] = [];
  return {
    contexts,
    maskFor(ctx) {
      contexts.push({ ...ctx });
      if (ctx.iterInPass % every === 0 || !mask) {
        mask?.dispose();
        const m = new Float32Array(n);
        for (let i = 0; i < n; i++) m[i] = ctx.random() < 0.5 ? 1 : 0;
        mask = tf.keep(tf.tensor(m, [1, n]));
      }
      return mask;
    },
    dispose() {
      mask?.dispose();
      mask = null;
    },
  };
}

export function l2(a: ArrayLike<number>, b?: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - (b ? b[i] : 0)) ** 2;
  return Math.sqrt(s);
}

export function data(t: tf.Tensor): Float32Array {
  return t.dataSync() as Float32Array;
}

/** Reads and disposes. */
export function take(t: tf.Tensor): Float32Array {
  const d = Float32Array.from(t.dataSync() as Float32Array);
  t.dispose();
  return d;
}

/** A random reference in the spec's range (seeded). */
export function randomReference(spec: InputSpec, seed: number, lo = 0.1, hi = 0.9): tf.Tensor {
  const rng = new Rng(seed);
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const d = new Float32Array(n);
  for (let i = 0; i < n; i++) d[i] = lo + (hi - lo) * rng.uniform();
  return tf.tensor(d, [1, ...spec.shape]);
}
