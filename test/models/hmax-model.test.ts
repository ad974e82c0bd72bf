import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { useNodeBackend } from '../../src/platform/tf-node.ts';
import { HmaxModel } from '../../src/models/hmax/hmax-model.ts';
import { SERRE_LAMBDAS } from '../../src/models/hmax/gabor.ts';
import { hmaxLayout } from '../../src/models/hmax/hmax-layout.ts';
import { refAll, refC1, refC2, refS2 } from './hmax-reference.ts';
import { randomImage, SMALL_PARAMS, smallPrototypes, smallSpec } from './small-hmax.ts';
import { Rng } from '../../src/engine/random.ts';

const SIZE = 28;
let model: HmaxModel;
const protos = smallPrototypes();

beforeAll(async () => {
  await useNodeBackend('cpu');
  model = new HmaxModel('small', smallSpec(SIZE), SMALL_PARAMS, protos);
});
afterAll(() => model.dispose());

function maxRelError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  let err = 0;
  for (let i = 0; i < want.length; i++) err = Math.max(err, Math.abs(got[i] - want[i]));
  return err / scale;
}

function forwardAll(x64: Float64Array, size = SIZE): Record<string, Float32Array> {
  const x = tf.tensor(Float32Array.from(x64), [1, size, size, 1]);
  const acts = model.forward(x, model.stages);
  const out = Object.fromEntries(Object.entries(acts).map(([k, t]) => [k, t.dataSync() as Float32Array]));
  Object.values(acts).forEach((t) => t.dispose());
  x.dispose();
  return out;
}

describe('HMAX stages against an independent float64 implementation', () => {
  const x = randomImage(SIZE);
  const ref = refAll(x, hmaxLayout(SMALL_PARAMS, SIZE, SIZE), SMALL_PARAMS, protos);

  it('S1 = |Gabor correlation| / local input norm at every unit', () => {
    const got = forwardAll(x);
    expect(maxRelError(got.S1, ref.S1)).toBeLessThan(1e-4);
  });

  it('C1 = naive max over the scale pair and the pooling window (same padding)', () => {
    const got = forwardAll(x);
    // Feed the model's own S1 to the naive pooling, so this checks pooling alone, exactly.
    const naive = refC1(Float64Array.from(got.S1), model.layout, SMALL_PARAMS);
    expect(maxRelError(got.C1, naive)).toBe(0);
    expect(maxRelError(got.C1, ref.C1)).toBeLessThan(1e-4);
  });

  it('S2 = exp(-||X - P||^2 / (2 sigma^2 alpha)) computed directly, at every position', () => {
    const got = forwardAll(x);
    const direct = refS2(Float64Array.from(got.C1), model.layout, SMALL_PARAMS, protos);
    expect(maxRelError(got.S2, direct)).toBeLessThan(1e-4);
    // Not saturated: the check above would be weak if every response were ~0 or ~1.
    const v = Array.from(direct);
    expect(Math.max(...v)).toBeGreaterThan(0.05);
    expect(Math.min(...v)).toBeLessThan(0.95 * Math.max(...v));
  });

  it('C2 = max over positions and bands of each prototype', () => {
    const got = forwardAll(x);
    expect(maxRelError(got.C2, refC2(Float64Array.from(got.S2), model.layout, SMALL_PARAMS))).toBe(0);
    expect(got.C2.length).toBe(SMALL_PARAMS.patchSizes.length * SMALL_PARAMS.prototypesPerSize);
  });

  it('returns only the requested stages, flattened shapes as the layout says', () => {
    const t = tf.zeros([1, SIZE, SIZE, 1]);
    const acts = model.forward(t, ['C1', 'C2']);
    expect(Object.keys(acts).sort()).toEqual(['C1', 'C2']);
    expect(acts.C1.shape).toEqual([1, model.layout.c1Length]);
    expect(acts.C2.shape).toEqual([1, model.layout.c2Length]);
    Object.values(acts).forEach((a) => a.dispose());
    expect(() => model.forward(t, ['V4'])).toThrow(/no stage "V4"/);
    t.dispose();
  });
});

describe('S1 orientation tuning on a sinusoidal grating', () => {
  it('the matching orientation channel responds most, at every scale', () => {
    const size = 48;
    const big = new HmaxModel('grating', smallSpec(size), SMALL_PARAMS, protos);
    for (let s = 0; s < SMALL_PARAMS.scales; s++) {
      for (let k = 0; k < 4; k++) {
        const t = (k * Math.PI) / 4;
        const img = new Float32Array(size * size);
        for (let r = 0; r < size; r++) {
          for (let c = 0; c < size; c++) {
            img[r * size + c] = 127.5 + 100 * Math.cos((2 * Math.PI * (c * Math.cos(t) + r * Math.sin(t))) / SERRE_LAMBDAS[s]);
          }
        }
        const x = tf.tensor(img, [1, size, size, 1]);
        const s1 = big.forward(x, ['S1']).S1;
        // Mean over the central region (away from zero-padding borders) per channel of scale s.
        const centre = tf.slice(s1, [0, 14, 14, s * 4], [1, 20, 20, 4]);
        const means = Array.from(tf.mean(centre, [0, 1, 2]).dataSync());
        tf.dispose([x, s1, centre]);
        expect(means.indexOf(Math.max(...means)), `scale ${s}, grating ${k * 45} deg`).toBe(k);
      }
    }
    big.dispose();
  });
});

describe('gradients w.r.t. the input', () => {
  it('agree with float64 central differences at every stage', () => {
    const x = randomImage(SIZE, 5);
    const rng = new Rng(9);
    const pixels = [[3, 4], [14, 14], [20, 9], [27, 27]];
    for (const stage of model.stages) {
      const ref = refAll(x, model.layout, SMALL_PARAMS, protos)[stage];
      const w = Float64Array.from({ length: ref.length }, () => rng.uniform() - 0.5);
      const shape = stage === 'S1' ? [1, SIZE, SIZE, model.layout.s1Channels] : [1, ref.length];
      const wT = tf.tensor(Float32Array.from(w), shape);
      const loss = (xx: tf.Tensor) => tf.sum(tf.mul(model.forward(xx, [stage])[stage], wT));
      const xT = tf.tensor(Float32Array.from(x), [1, SIZE, SIZE, 1]);
      const g = tf.grad(loss)(xT);
      const gData = g.dataSync();
      tf.dispose([g, xT, wT]);
      const L = (xx: Float64Array) => {
        const a = refAll(xx, model.layout, SMALL_PARAMS, protos)[stage];
        let s = 0;
        for (let i = 0; i < a.length; i++) s += w[i] * a[i];
        return s;
      };
      let gScale = 0;
      for (const v of gData) gScale = Math.max(gScale, Math.abs(v));
      expect(gScale, stage).toBeGreaterThan(0);
      for (const [r, c] of pixels) {
        const h = 1e-3;
        const xp = Float64Array.from(x);
        const xm = Float64Array.from(x);
        xp[r * SIZE + c] += h;
        xm[r * SIZE + c] -= h;
        const fd = (L(xp) - L(xm)) / (2 * h);
        expect(Math.abs(gData[r * SIZE + c] - fd), `${stage} at (${r}, ${c}): tf ${gData[r * SIZE + c]} fd ${fd}`)
          .toBeLessThan(2e-3 * gScale + 1e-9);
      }
    }
  });
});

describe('memory', () => {
  it('numTensors is flat over forward and gradient calls', () => {
    const x = tf.randomUniform([1, SIZE, SIZE, 1], 0, 255);
    const run = () => {
      const acts = model.forward(x, model.stages);
      Object.values(acts).forEach((t) => t.dispose());
      const g = tf.grad((xx: tf.Tensor) => tf.sum(model.forward(xx, ['C2']).C2))(x);
      g.dispose();
    };
    run();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) run();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
