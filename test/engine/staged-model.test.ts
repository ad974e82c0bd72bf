import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { MetamerRun } from '../../src/engine/metamer-run.ts';
import { makeRunConfig } from '../../src/engine/presets.ts';
import { normalizeInput, stagedModelFromFunction, stagedModelFromLayersModel } from '../../src/engine/staged-model.ts';
import { Rng } from '../../src/engine/random.ts';
import { useNodeBackend } from '../../src/platform/tf-node.ts';
import { imageSpec, l2, pick, take, vectorSpec } from './helpers.ts';

beforeAll(async () => {
  await useNodeBackend('cpu');
});

const norm = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

function randomInput(shape: number[], seed: number): tf.Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => rng.uniform()), [1, ...shape]);
}

function expectClose(a: tf.Tensor, b: tf.Tensor, tol = 1e-5): void {
  expect(a.shape).toEqual(b.shape);
  const x = a.dataSync();
  const y = b.dataSync();
  let maxErr = 0;
  for (let i = 0; i < x.length; i++) maxErr = Math.max(maxErr, Math.abs(x[i] - y[i]));
  expect(maxErr).toBeLessThan(tol);
}

describe('stagedModelFromFunction', () => {
  const spec = vectorSpec(4);
  const base = {
    id: 'f',
    stages: ['a', 'b'],
    inputSpec: spec,
    forward: (x: tf.Tensor, stages: readonly string[]) => pick({ a: () => tf.mul(x, 2), b: () => tf.square(x) }, stages),
  };

  it('returns exactly the requested stages, owned by the caller', () => {
    const m = stagedModelFromFunction(base);
    const x = tf.tensor2d([[1, 2, 3, 4]]);
    const before = tf.memory().numTensors;
    const out = m.forward(x, ['b']);
    expect(Object.keys(out)).toEqual(['b']);
    expect(Array.from(take(out.b))).toEqual([1, 4, 9, 16]);
    expect(tf.memory().numTensors).toBe(before);
    // An identity stage is cloned, so disposing the result leaves the input alive.
    const id = stagedModelFromFunction({ ...base, forward: (t, stages) => pick({ a: () => t, b: () => t }, stages) });
    const r = id.forward(x, ['a', 'b']);
    tf.dispose([r.a, r.b]);
    expect(x.isDisposed).toBe(false);
    x.dispose();
  });

  it('throws clear errors', () => {
    const x = tf.tensor2d([[1, 2, 3, 4]]);
    const m = stagedModelFromFunction(base);
    expect(() => m.forward(x, ['c'])).toThrow('Unknown stage "c"; this model has: a, b');
    expect(() => m.forward(tf.zeros([1, 5]), ['a'])).toThrow(/input must have shape \[1,4\], got \[1,5\]/);
    const extra = stagedModelFromFunction({ ...base, forward: (t) => ({ a: t.clone(), b: t.clone() }) });
    const before = tf.memory().numTensors;
    expect(() => extra.forward(x, ['a'])).toThrow(/returned stages \[a, b\] but \[a\] were requested/);
    expect(tf.memory().numTensors).toBe(before);
    const missing = stagedModelFromFunction({ ...base, forward: () => ({}) });
    expect(() => missing.forward(x, ['a'])).toThrow(/returned stages \[\] but \[a\]/);
    expect(() => stagedModelFromFunction({ ...base, stages: ['a', 'a'] })).toThrow(/listed twice/);
    expect(() => stagedModelFromFunction({ ...base, stages: [] })).toThrow(/non-empty/);
    expect(() => stagedModelFromFunction({ ...base, inputSpec: { ...spec, range: [1, 0] } })).toThrow(/range/);
    expect(() =>
      stagedModelFromFunction({ ...base, inputSpec: { ...imageSpec([2, 2, 3]), normalization: { mean: [0, 0], std: [1, 1] } } }),
    ).toThrow(/normalization/);
    x.dispose();
  });

  it('applies the input normalisation before forward', () => {
    const spec3 = imageSpec([1, 2, 3], { normalization: norm });
    const m = stagedModelFromFunction({ id: 'n', stages: ['s'], inputSpec: spec3, forward: (t, st) => pick({ s: () => t }, st) });
    const x = randomInput([1, 2, 3], 1);
    const got = take(m.forward(x, ['s']).s);
    const raw = x.dataSync();
    for (let i = 0; i < raw.length; i++) expect(got[i]).toBeCloseTo((raw[i] - norm.mean[i % 3]) / norm.std[i % 3], 5);
    expect(normalizeInput(x, imageSpec([1, 2, 3]))).toBe(x);
    x.dispose();
  });
});

describe('stagedModelFromLayersModel', () => {
  function sequentialNet(): tf.Sequential {
    return tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3, activation: 'relu', name: 'c0' }),
        tf.layers.maxPooling2d({ poolSize: 2, name: 'p0' }),
        tf.layers.conv2d({ filters: 5, kernelSize: 2, name: 'c1' }),
        tf.layers.reLU({ name: 'r1' }),
        tf.layers.flatten({ name: 'flat' }),
        tf.layers.dense({ units: 6, name: 'fc', activation: 'relu' }),
        tf.layers.dense({ units: 3, name: 'logits' }),
      ],
    });
  }

  function functionalNet(): tf.LayersModel {
    const inp = tf.input({ shape: [6, 6, 2], name: 'in' });
    const a = tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', name: 'ca' }).apply(inp) as tf.SymbolicTensor;
    const b = tf.layers.conv2d({ filters: 3, kernelSize: 1, name: 'cb' }).apply(inp) as tf.SymbolicTensor;
    const sum = tf.layers.add({ name: 'sum' }).apply([a, b]) as tf.SymbolicTensor;
    const act = tf.layers.activation({ activation: 'relu', name: 'act' }).apply(sum) as tf.SymbolicTensor;
    const side = tf.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same', activation: 'relu', name: 'side' }).apply(inp) as tf.SymbolicTensor;
    const cat = tf.layers.concatenate({ name: 'cat' }).apply([act, side]) as tf.SymbolicTensor;
    const gap = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(cat) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 4, name: 'out' }).apply(gap) as tf.SymbolicTensor;
    return tf.model({ inputs: inp, outputs: out });
  }

  /** Activations of each named layer by tfjs itself, from the normalised input. */
  function predictLayer(model: tf.LayersModel, layer: string, xn: tf.Tensor): tf.Tensor {
    const sub = tf.model({ inputs: model.inputs, outputs: model.getLayer(layer).output as tf.SymbolicTensor });
    return sub.predict(xn) as tf.Tensor;
  }

  it.each([
    ['sequential', sequentialNet, [8, 8, 3], { conv0: 'c0', pool: 'p0', relu1: 'r1', fc: 'fc', final: 'logits' }],
    ['functional with Add/Concatenate', functionalNet, [6, 6, 2], { merged: 'act', cat: 'cat', gap: 'gap', final: 'out', side: 'side' }],
  ] as const)('%s: activations equal model.predict of sub-models', (_name, build, shape, stageLayers) => {
    const net = build();
    const channels = shape[2];
    const normalization = { mean: norm.mean.slice(0, channels), std: norm.std.slice(0, channels) };
    const spec = imageSpec([...shape], { normalization });
    const m = stagedModelFromLayersModel(net, { id: 'net', stageLayers: { ...stageLayers }, inputSpec: spec, labels: undefined });
    // Stages sorted shallow to deep (the functional 'side' branch comes before the merge).
    expect(m.stages[m.stages.length - 1]).toBe('final');
    const x = randomInput([...shape], 4);
    const xn = tf.div(tf.sub(x, normalization.mean), normalization.std);
    const all = m.forward(x, m.stages);
    for (const [stage, layer] of Object.entries(stageLayers)) {
      const want = predictLayer(net, layer, xn);
      expectClose(all[stage], want);
      want.dispose();
    }
    // A single shallow stage alone gives the same values; fake ReLU leaves forward values alone.
    const first = m.stages[0];
    const one = m.forward(x, [first], { fakeReluStage: first });
    expectClose(one[first], all[first]);
    tf.dispose([x, xn, one[first], ...Object.values(all)]);
    m.dispose();
  });

  it('readout: logits of the output layer, labels checked', () => {
    const net = sequentialNet();
    const m = stagedModelFromLayersModel(net, {
      id: 'r',
      stageLayers: { fc: 'fc' },
      inputSpec: imageSpec([8, 8, 3]),
      labels: ['cat', 'dog', 'car'],
    });
    const x = randomInput([8, 8, 3], 2);
    const got = m.readout!.logits(x);
    const want = net.predict(x) as tf.Tensor;
    expectClose(got, want);
    expect(m.readout!.labels).toEqual(['cat', 'dog', 'car']);
    tf.dispose([x, got, want]);
    expect(() =>
      stagedModelFromLayersModel(sequentialNet(), { id: 'r', stageLayers: { fc: 'fc' }, inputSpec: imageSpec([8, 8, 3]), labels: ['a'] }),
    ).toThrow(/1 labels for a readout with 3 outputs/);
    expect(() =>
      stagedModelFromLayersModel(sequentialNet(), { id: 'r', stageLayers: { fc: 'nope' }, inputSpec: imageSpec([8, 8, 3]) }),
    ).toThrow(/stage "fc": layer "nope" not found/);
    expect(() =>
      stagedModelFromLayersModel(sequentialNet(), { id: 'r', stageLayers: { fc: 'fc' }, inputSpec: imageSpec([9, 8, 3]) }),
    ).toThrow(/does not fit the model input/);
    m.dispose();
  });

  describe('fake ReLU only at the chosen stage', () => {
    // x (5) -> dense h1 (6, relu) -> dense h2 (4, relu); the ReLU written three ways.
    const variants = {
      'dense with relu activation': () => [
        tf.layers.dense({ inputShape: [5], units: 6, activation: 'relu', name: 'h1' }),
        tf.layers.dense({ units: 4, activation: 'relu', name: 'h2' }),
      ],
      'ReLU layer': () => [
        tf.layers.dense({ inputShape: [5], units: 6, name: 'd1' }),
        tf.layers.reLU({ name: 'h1' }),
        tf.layers.dense({ units: 4, name: 'd2' }),
        tf.layers.reLU({ name: 'h2' }),
      ],
      "Activation('relu') layer": () => [
        tf.layers.dense({ inputShape: [5], units: 6, name: 'd1' }),
        tf.layers.activation({ activation: 'relu', name: 'h1' }),
        tf.layers.dense({ units: 4, name: 'd2' }),
        tf.layers.activation({ activation: 'relu', name: 'h2' }),
      ],
    };

    it.each(Object.keys(variants))('%s', (variant) => {
      const net = tf.sequential({ layers: variants[variant as keyof typeof variants]() });
      const dense = net.layers.filter((l) => l.getClassName() === 'Dense');
      // Seeded weights, so the input below has negative units at both layers on every run.
      const rng = new Rng(21);
      for (const d of dense) {
        tf.tidy(() => d.setWeights(d.getWeights().map((w) => tf.tensor(rng.normalArray(w.size, 0, 0.7), w.shape))));
      }
      const [W1, b1] = dense[0].getWeights().map((w) => Array.from(w.dataSync()));
      const [W2] = dense[1].getWeights().map((w) => Array.from(w.dataSync()));
      const m = stagedModelFromLayersModel(net, { id: 'mlp', stageLayers: { h1: 'h1', h2: 'h2' }, inputSpec: vectorSpec(5) });
      // An input for which some first-layer units are negative.
      const xv = [0.9, -1.2, 0.4, 1.5, -0.3];
      const pre1 = Array.from({ length: 6 }, (_, j) => b1[j] + xv.reduce((s, v, i) => s + v * W1[i * 6 + j], 0));
      const h1 = pre1.map((v) => Math.max(v, 0));
      const pre2 = Array.from({ length: 4 }, (_, k) => h1.reduce((s, v, j) => s + v * W2[j * 4 + k], 0));
      expect(pre1.some((v) => v < 0)).toBe(true);
      const c2 = [1, -2, 0.5, 1.5];
      const c1 = [0.3, -1, 2, 0.7, -0.4, 1.2];
      // Hand gradient of sum(c2 * h2) w.r.t. x with the chosen ReLUs' derivatives set to 1.
      const handGrad = (fake1: boolean, fake2: boolean) => {
        const g2 = c2.map((c, k) => c * (fake2 || pre2[k] > 0 ? 1 : 0));
        const g1 = pre1.map((p, j) => (fake1 || p > 0 ? 1 : 0) * g2.reduce((s, g, k) => s + g * W2[j * 4 + k], 0));
        return xv.map((_, i) => g1.reduce((s, g, j) => s + g * W1[i * 6 + j], 0));
      };
      const x = tf.tensor2d([xv]);
      const grad = (stage: 'h1' | 'h2', c: number[], fake?: 'h1' | 'h2') =>
        take(
          tf.grad((t: tf.Tensor) => {
            const out = m.forward(t, [stage], fake ? { fakeReluStage: fake } : {});
            return tf.sum(tf.mul(out[stage], c));
          })(x),
        );
      const close = (a: ArrayLike<number>, b: number[]) => b.forEach((v, i) => expect(a[i]).toBeCloseTo(v, 4));
      // The three cases really differ for this input (else the test would prove nothing).
      expect(l2(handGrad(false, true), handGrad(false, false))).toBeGreaterThan(1e-3);
      expect(l2(handGrad(true, false), handGrad(false, false))).toBeGreaterThan(1e-3);
      close(grad('h2', c2), handGrad(false, false));
      close(grad('h2', c2, 'h2'), handGrad(false, true));
      close(grad('h2', c2, 'h1'), handGrad(true, false));
      // h1 alone: fake at h2 changes nothing, fake at h1 makes every unit pass its gradient.
      const g1True = xv.map((_, i) => pre1.reduce((s, p, j) => s + (p > 0 ? c1[j] : 0) * W1[i * 6 + j], 0));
      const g1Fake = xv.map((_, i) => pre1.reduce((s, _p, j) => s + c1[j] * W1[i * 6 + j], 0));
      close(grad('h1', c1, 'h2'), g1True);
      close(grad('h1', c1, 'h1'), g1Fake);
      // The layer's own activation is restored afterwards (true ReLU again).
      close(grad('h2', c2), handGrad(false, false));
      x.dispose();
      m.dispose();
    });
  });
});

describe('a MetamerRun on a LayersModel', () => {
  it('lowers the loss at a ReLU stage with fake ReLU (BatchNorm and Dropout in inference mode)', () => {
    const net = tf.sequential({
      layers: [
        // Seeded initialisers: tfjs's default ones draw from Math.random, which made this test flaky.
        tf.layers.conv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3, name: 'c0', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
        tf.layers.batchNormalization({ name: 'bn' }),
        tf.layers.reLU({ name: 'r0' }),
        tf.layers.dropout({ rate: 0.5, name: 'drop' }),
        tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, activation: 'relu', name: 'c1', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
      ],
    });
    const spec = imageSpec([8, 8, 3], { normalization: norm });
    const m = stagedModelFromLayersModel(net, { id: 'seq', stageLayers: { relu0: 'r0', relu1: 'c1' }, inputSpec: spec });
    const ref = randomInput([8, 8, 3], 9);
    const start = tf.memory().numTensors;
    const run = new MetamerRun(m, ref, makeRunConfig('relu1', { passes: 2, itersPerPass: 20, metricsEvery: 0, snapshotEvery: 0 }));
    const losses: number[] = [];
    while (!run.finished) losses.push(run.stepOnce().loss);
    expect(losses.at(-1)!).toBeLessThan(0.5 * losses[0]);
    run.dispose();
    expect(tf.memory().numTensors).toBe(start);
    ref.dispose();
    m.dispose();
  });
});
