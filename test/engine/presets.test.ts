import { describe, expect, it } from 'vitest';
import { adamLearningRateAt, etaAt, iterInPassOf, passOf, stepSizeAt } from '../../src/engine/eta-schedule.ts';
import { DEFAULT_RUN_CONFIG, PRESETS, makeRunConfig, totalSteps, validateRunConfig } from '../../src/engine/presets.ts';

describe('run config', () => {
  it('defaults follow the paper (spec section 2)', () => {
    expect(DEFAULT_RUN_CONFIG).toEqual({
      optimizer: 'normalized-gd',
      passes: 8,
      itersPerPass: 3000,
      eta0: 1,
      adam: { learningRate: 1e-3, decay: 0.95, decayEvery: 1000 },
      regularizers: { tv: 0, alphaNorm: 0, alpha: 6 },
      fakeRelu: true,
      useLossSchedule: true,
      seed: 0,
      metricsEvery: 500,
      snapshotEvery: 100,
    });
    expect(totalSteps(makeRunConfig('relu0'))).toBe(24000);
    expect(totalSteps(makeRunConfig('relu0', PRESETS.quick))).toBe(2000);
    expect(PRESETS.paper).toEqual({ passes: 8, itersPerPass: 3000 });
  });

  it('merges overrides, nested ones in part, and does not share the defaults', () => {
    const c = makeRunConfig('fc', { seed: 7, adam: { decay: 0.5 }, regularizers: { tv: 5e-5 }, passes: undefined });
    expect(c.stage).toBe('fc');
    expect(c.seed).toBe(7);
    expect(c.passes).toBe(8);
    expect(c.adam).toEqual({ learningRate: 1e-3, decay: 0.5, decayEvery: 1000 });
    expect(c.regularizers).toEqual({ tv: 5e-5, alphaNorm: 0, alpha: 6 });
    c.adam.learningRate = 5;
    expect(DEFAULT_RUN_CONFIG.adam.learningRate).toBe(1e-3);
  });

  it('rejects bad numbers with a message naming the field', () => {
    const ok = makeRunConfig('s');
    const bad = (patch: object) => () => validateRunConfig({ ...ok, ...patch } as never);
    expect(bad({ passes: 0 })).toThrow(/passes must be a positive integer \(got 0\)/);
    expect(bad({ itersPerPass: 2.5 })).toThrow(/itersPerPass/);
    expect(bad({ eta0: -1 })).toThrow(/eta0 must be a finite number > 0/);
    expect(bad({ eta0: NaN })).toThrow(/eta0/);
    expect(bad({ optimizer: 'sgd' })).toThrow(/optimizer/);
    expect(bad({ seed: -3 })).toThrow(/seed/);
    expect(bad({ metricsEvery: -1 })).toThrow(/metricsEvery/);
    expect(bad({ stage: '' })).toThrow(/stage/);
    expect(bad({ adam: { ...ok.adam, decay: 0 } })).toThrow(/adam\.decay/);
    expect(bad({ regularizers: { ...ok.regularizers, tv: -1 } })).toThrow(/regularizers\.tv/);
    expect(bad({ fakeRelu: 'yes' })).toThrow(/fakeRelu/);
    expect(() => makeRunConfig('s', { snapshotEvery: 1.5 })).toThrow(/snapshotEvery/);
  });
});

describe('step-size schedules', () => {
  it('eta = eta0 / 2^pass, halving before each new pass', () => {
    const cfg = { eta0: 1, itersPerPass: 3000 };
    expect(passOf(0, 3000)).toBe(0);
    expect(passOf(2999, 3000)).toBe(0);
    expect(passOf(3000, 3000)).toBe(1);
    expect(iterInPassOf(3001, 3000)).toBe(1);
    expect(etaAt(0, cfg)).toBe(1);
    expect(etaAt(2999, cfg)).toBe(1);
    expect(etaAt(3000, cfg)).toBe(0.5);
    expect(etaAt(23999, cfg)).toBe(1 / 128);
  });

  it('adam lr decays x decay every decayEvery steps', () => {
    const adam = { learningRate: 1e-3, decay: 0.95, decayEvery: 1000 };
    expect(adamLearningRateAt(0, adam)).toBe(1e-3);
    expect(adamLearningRateAt(999, adam)).toBe(1e-3);
    expect(adamLearningRateAt(1000, adam)).toBeCloseTo(0.95e-3, 15);
    expect(adamLearningRateAt(2500, adam)).toBeCloseTo(1e-3 * 0.95 ** 2, 15);
    const c = makeRunConfig('s', { optimizer: 'adam' });
    expect(stepSizeAt(1000, c)).toBeCloseTo(0.95e-3, 15);
    expect(stepSizeAt(3000, makeRunConfig('s'))).toBe(0.5);
  });
});
