import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { useNodeBackend } from '../../src/platform/tf-node.ts';
import type { StepContext } from '../../src/engine/types.ts';
import { modulationFilters, type SpectempGeometry } from '../../src/models/spectemp/spectemp-filters.ts';
import { SpectempFilterbank } from '../../src/models/spectemp/spectemp-filterbank.ts';
import {
  activeSet,
  setMembership,
  SpectempCoarseToFineSchedule,
} from '../../src/models/spectemp/spectemp-schedule.ts';
import {
  buildSpectempModel,
  createSpectempModel,
  DEFAULT_SPECTEMP_PARAMS,
  spectempStageShapes,
  SPECTEMP_STAGES,
  type SpectempParams,
} from '../../src/models/spectemp/spectemp-model.ts';
import { decodeWav16, encodeWav16 } from '../../src/models/spectemp/wav16.ts';
import { loadSpeechClips, loadSpeechReference, speechStimuli } from '../../src/models/spectemp/natural-audio.ts';
import { nodeModelSource } from '../../src/models/source-node.ts';
import { validateManifest } from '../../src/models/registry.ts';
import type { ModelManifest } from '../../src/models/manifest.ts';

beforeAll(async () => {
  await useNodeBackend('cpu');
});

function ctx(pass: number, iterInPass: number): StepContext {
  return { step: pass * 3000 + iterInPass, pass, iterInPass, itersPerPass: 3000, random: () => 0.5 };
}

describe('Spectemp coarse-to-fine schedule', () => {
  const filters = modulationFilters();

  it('set membership follows the spec rule (rate <= nth temporal OR scale <= nth spectral cutoff)', () => {
    const temporal = [0, 0.5, 1, 2, 4, 8, 16];
    const spectral = [0, 0.0625, 0.125, 0.25, 0.5, 1, 2];
    for (let n = 0; n < 7; n++) {
      const m = setMembership(filters, n);
      filters.forEach((f, i) => expect(m[i]).toBe(f.rate <= temporal[n] || f.scale <= spectral[n] ? 1 : 0));
    }
    // Closed form: 14 undirected filters (rate 0 or scale 0) always; directional filters with
    // a of 6 scales and b of 8 rates under the cutoffs: 2 (48 - (6 - a)(8 - b)).
    const counts = [0, 1, 2, 3, 4, 5, 6].map((n) => setMembership(filters, n).reduce((s, v) => s + v, 0));
    expect(counts).toEqual([14, 40, 62, 80, 94, 104, 110]);
    // Set 0 is exactly the purely spectral and purely temporal filters.
    const set0 = setMembership(filters, 0);
    filters.forEach((f, i) => expect(set0[i] === 1).toBe(f.kind === 'spectral' || f.kind === 'temporal'));
  });

  it('adds a set every 400 iterations and restarts at every pass', () => {
    expect([0, 399, 400, 799, 800, 2399, 2400, 2999].map((i) => activeSet(i))).toEqual([0, 0, 1, 1, 2, 5, 6, 6]);
    const before = tf.memory().numTensors;
    const sched = new SpectempCoarseToFineSchedule('power', filters);
    const sizes = (pass: number) =>
      [0, 399, 400, 800, 1200, 1600, 2000, 2400, 2999].map((i) => {
        const m = sched.maskFor(ctx(pass, i));
        if (m === null) return 110; // all filters
        expect(m.shape).toEqual([1, 110, 1, 1]);
        return (m.dataSync() as Float32Array).reduce((s, v) => s + v, 0);
      });
    const first = sizes(0);
    expect(first).toEqual([14, 14, 40, 62, 80, 94, 104, 110, 110]);
    // Monotone growth and the same sequence in the next pass.
    expect(sizes(1)).toEqual(first);
    expect(sizes(7)).toEqual(first);
    // Cached: the same tensor object for the same set.
    expect(sched.maskFor(ctx(0, 10))).toBe(sched.maskFor(ctx(3, 300)));
    expect(tf.memory().numTensors).toBe(before + 6);
    sched.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('average masks are [1, 110, 1]; the cochleagram stage has no schedule', () => {
    const model = createSpectempModel('spectemp-small', SMALL);
    expect(model.lossSchedule!('cochleagram')).toBeNull();
    const s = model.lossSchedule!('average')!;
    expect(s.maskFor(ctx(0, 0))!.shape).toEqual([1, 110, 1]);
    const f = model.lossSchedule!('filtered_signal')!;
    expect(f.maskFor(ctx(0, 0))!.shape).toEqual([1, 110, 1, 1]);
    s.dispose();
    f.dispose();
    model.dispose();
  });
});

/** A cochleagram cheap enough for the cpu backend (45 channels x 45 frames at 100 Hz). */
const SMALL: SpectempParams = {
  ...DEFAULT_SPECTEMP_PARAMS,
  cochleagram: {
    sampleRate: 8000,
    signalLength: 4000,
    nFilters: 20,
    sampleFactor: 2,
    lowHz: 50,
    highHz: 4000,
    envSampleRate: 100,
    downsampleTaps: 401,
  },
  freqPadding: 45,
  timePadding: 60,
};

describe('Spectemp model', () => {
  it('stage shapes follow the parameters; the shipped manifest matches the paper sizes', async () => {
    const shapes = spectempStageShapes(DEFAULT_SPECTEMP_PARAMS);
    expect(shapes).toEqual({
      cochleagram: [211, 390],
      filtered_signal: [110, 211, 390],
      power: [110, 211, 390],
      average: [110, 211],
    });
    const source = nodeModelSource();
    const manifest = validateManifest(await source.readJson('spectemp/manifest.json'), 'spectemp');
    expect(manifest.builder).toBe('spectemp');
    expect(manifest.inputSpec).toMatchObject({ modality: 'audio', shape: [40000], range: [-1, 1], init: { mean: 0, std: 1e-5 }, sampleRate: 20000 });
    expect(manifest.inputSpec.normalization).toBeUndefined();
    expect(manifest.stages.map((s) => s.name)).toEqual([...SPECTEMP_STAGES]);
    for (const s of manifest.stages) expect(s.shape).toEqual(shapes[s.name as keyof typeof shapes]);
    // The only weight file is the trained word readout's (spectemp-readout.test.ts).
    expect(manifest.weights.map((w) => w.path)).toEqual(['readout.bin']);
    expect(manifest.accuracy).toMatch(/linear word readout/i);
  });

  it('forward returns every stage with the predicted shapes; power = filtered^2, average = mean over time', () => {
    const model = createSpectempModel('spectemp-small', SMALL);
    const shapes = spectempStageShapes(SMALL);
    const x = tf.tidy(() => tf.mul(tf.sin(tf.mul(tf.range(0, 4000), 0.3)), 0.1).reshape([1, 4000]));
    const before = tf.memory().numTensors;
    const acts = model.forward(x, model.stages);
    for (const s of SPECTEMP_STAGES) expect(acts[s].shape).toEqual([1, ...shapes[s]]);
    const f = acts.filtered_signal.dataSync();
    const p = acts.power.dataSync();
    const a = acts.average.dataSync();
    const [F, C, T] = shapes.filtered_signal;
    for (let i = 0; i < f.length; i += 97) expect(p[i]).toBeCloseTo(f[i] * f[i], 6);
    for (const [k, c] of [[0, 0], [57, 20], [109, 44]]) {
      let s = 0;
      for (let t = 0; t < T; t++) s += p[(k * C + c) * T + t];
      expect(a[k * C + c]).toBeCloseTo(s / T, 5);
    }
    expect(F).toBe(110);
    tf.dispose(Object.values(acts));
    // Only the requested stages, and nothing leaks.
    const only = model.forward(x, ['average']);
    expect(Object.keys(only)).toEqual(['average']);
    tf.dispose(Object.values(only));
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    model.dispose();
  });

  it('input gradient through the model is finite and numTensors stays flat over repeated steps', () => {
    const model = createSpectempModel('spectemp-small', SMALL);
    const x = tf.tidy(() => tf.mul(tf.randomNormal([1, 4000], 0, 1, 'float32', 5), 0.05));
    const step = () => {
      const g = tf.grad((z: tf.Tensor) => tf.sum(model.forward(z, ['average']).average))(x);
      const v = g.dataSync();
      g.dispose();
      return v;
    };
    step();
    const before = tf.memory().numTensors;
    const v = step();
    step();
    expect(tf.memory().numTensors).toBe(before);
    expect(v.every(Number.isFinite)).toBe(true);
    expect(v.some((e) => e !== 0)).toBe(true);
    x.dispose();
    model.dispose();
  });

  it('builder "spectemp" builds from a manifest without weight files', async () => {
    const manifest = { id: 'spectemp', params: SMALL } as unknown as ModelManifest;
    const model = await buildSpectempModel(manifest, nodeModelSource());
    expect(model.stages).toEqual(SPECTEMP_STAGES);
    expect(model.inputSpec.shape).toEqual([4000]);
    model.dispose();
  });
});

describe('filtering gradient vs finite differences', () => {
  it('d/dX of sum(w * average(power(bank(X)))) matches central differences', () => {
    // The loss is quadratic in X, so central differences are exact up to rounding.
    const g: SpectempGeometry = { channels: 12, frames: 20, channelSpacingErb: 0.2, frameRate: 200, freqPadding: 12, timePadding: 30 };
    const bank = new SpectempFilterbank(g);
    const n = g.channels * g.frames;
    const X = tf.tensor2d(Float32Array.from({ length: n }, (_, i) => Math.sin(0.37 * i) + 0.5), [g.channels, g.frames]);
    const W = tf.tensor2d(Float32Array.from({ length: 110 * g.channels }, (_, i) => Math.cos(0.618 * i)), [110, g.channels]);
    const loss = (x: tf.Tensor) => tf.sum(tf.mul(W, tf.mean(tf.square(bank.apply(x)), 2)));
    const before = tf.memory().numTensors;
    const grad = tf.grad(loss)(X);
    const gv = grad.dataSync();
    grad.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const h = 0.05;
    let maxErr = 0;
    let maxG = 0;
    for (const i of [0, 7, 33, 100, 150, 239]) {
      const e = tf.tidy(() => tf.oneHot([i], n).reshape([g.channels, g.frames]).mul(h));
      const lp = tf.tidy(() => loss(tf.add(X, e)).dataSync()[0]);
      const lm = tf.tidy(() => loss(tf.sub(X, e)).dataSync()[0]);
      e.dispose();
      const fd = (lp - lm) / (2 * h);
      maxErr = Math.max(maxErr, Math.abs(fd - gv[i]));
      maxG = Math.max(maxG, Math.abs(gv[i]));
    }
    expect(maxG).toBeGreaterThan(1e-3);
    expect(maxErr / maxG).toBeLessThan(2e-3);
    tf.dispose([X, W]);
    bank.dispose();
  });
});

describe('Spectemp natural speech clips', () => {
  it('WAV round trip keeps 16-bit precision', () => {
    const x = Float32Array.from({ length: 1000 }, (_, i) => 0.9 * Math.sin(i / 7));
    const back = decodeWav16(encodeWav16(x, 20000));
    expect(back.sampleRate).toBe(20000);
    expect(back.samples.length).toBe(1000);
    back.samples.forEach((v, i) => expect(Math.abs(v - x[i])).toBeLessThan(1 / 32767));
  });

  it('loads the shipped clips at 20 kHz, 2 s, zero mean, RMS 0.1; stimuli are distinct and seeded', async () => {
    const source = nodeModelSource();
    const manifest = validateManifest(await source.readJson('spectemp/manifest.json'), 'spectemp');
    const clips = await loadSpeechClips(manifest, source);
    expect(clips.length).toBeGreaterThanOrEqual(40);
    for (const c of clips) {
      expect(c.length).toBe(40000);
      let mean = 0;
      let ss = 0;
      for (const v of c) mean += v;
      mean /= c.length;
      for (const v of c) ss += v * v;
      expect(Math.abs(mean)).toBeLessThan(1e-3);
      expect(Math.sqrt(ss / c.length)).toBeCloseTo(0.1, 2);
    }
    expect(manifest.references.length).toBeGreaterThanOrEqual(2);
    const ref = await loadSpeechReference(manifest, source, 1);
    expect(ref.shape).toEqual([1, 40000]);
    ref.dispose();
    const a = await speechStimuli(manifest, source, 5, 3);
    const b = await speechStimuli(manifest, source, 5, 3);
    const keys = a.map((t) => Array.from(t.dataSync().subarray(19990, 20010)).join(','));
    expect(new Set(keys).size).toBe(5);
    a.forEach((t, i) => expect(t.dataSync()).toEqual(b[i].dataSync()));
    tf.dispose([...a, ...b]);
    await expect(speechStimuli(manifest, source, clips.length + 1, 3)).rejects.toThrow(/natural clips/);
  });
});
