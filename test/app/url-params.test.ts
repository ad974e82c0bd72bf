import { describe, expect, it } from 'vitest';
import { parsePageParams, toSearch, withParam, type PageParams } from '../../src/app/url-params.ts';
import { DEFAULT_RUN_CONFIG, makeRunConfig, totalSteps } from '../../src/engine/presets.ts';
import { liveCadence } from '../../src/engine/cadence.ts';
import { settingsOverrides } from '../../src/engine/run-recipe.ts';

describe('page URL parameters', () => {
  it('reads the test/sharing parameters', () => {
    const p = parsePageParams('?backend=webgpu&stage=S1&steps=6&seed=1&autostart=1');
    expect(p).toEqual({ model: 'fmnist-alexnet', backend: 'webgpu', stage: 'S1', steps: 6, passes: undefined, seed: 1,
      referenceIndex: 0, autostart: true, measure: 'all' });
    expect(parsePageParams('?model=hmax').model).toBe('hmax');
    expect(parsePageParams('?measure=stage').measure).toBe('stage');
    expect(parsePageParams('?measure=bogus').measure).toBe('all');
  });

  it('ignores unknown backends and malformed numbers', () => {
    const p = parsePageParams('?backend=metal&steps=-3&seed=x&passes=0&autostart=yes');
    expect(p.backend).toBeUndefined();
    expect(p.steps).toBeUndefined();
    expect(p.passes).toBeUndefined();
    expect(p.seed).toBeUndefined();
    expect(p.autostart).toBe(false);
  });

  it('round-trips through toSearch', () => {
    const p = parsePageParams('?model=hmax&backend=wasm&stage=C2&steps=100&passes=4&seed=7&ref=2&autostart=1&measure=stage');
    expect(parsePageParams(toSearch(p))).toEqual(p);
  });
});

describe('run settings in the URL', () => {
  /** One value per field, none of them the default, so a dropped field shows up as a difference. */
  const everything: PageParams = {
    model: 'spectemp', backend: 'cpu', stage: 'conv2', referenceIndex: 3, autostart: true, measure: 'stage',
    preset: 'quick', steps: 1234, passes: 5, seed: 4294967295, optimizer: 'adam', learningRate: 0.0025,
    eta0: 0.5, fakeRelu: false, tv: 1.5e-7, alphaNorm: 0.125, alpha: 3.5, projector: true,
  };

  it('round-trips every field through toSearch', () => {
    expect(parsePageParams(toSearch(everything))).toEqual(everything);
    // Each field on its own too (a field must not depend on another being present).
    for (const [key, value] of Object.entries(everything)) {
      if (key === 'model') continue;
      const one = { model: 'hmax', referenceIndex: 0, autostart: false, measure: 'all', [key]: value } as PageParams;
      const back = parsePageParams(toSearch(one));
      expect((back as unknown as Record<string, unknown>)[key], key).toEqual(value);
    }
    // The other spellings of flags and optimizers.
    expect(parsePageParams('?opt=ngd').optimizer).toBe('normalized-gd');
    expect(parsePageParams('?opt=normalized-gd').optimizer).toBe('normalized-gd');
    expect(parsePageParams('?frelu=1').fakeRelu).toBe(true);
    expect(parsePageParams('?projector=0').projector).toBe(false);
    expect(parsePageParams('?projector=true').projector).toBe(true);
  });

  it('uses short parameter names', () => {
    const q = new URLSearchParams(toSearch(everything));
    expect(q.get('lr')).toBe('0.0025');
    expect(q.get('eta')).toBe('0.5');
    expect(q.get('an')).toBe('0.125');
    expect(q.get('opt')).toBe('adam');
    expect(q.get('frelu')).toBe('0');
    expect(q.get('tv')).toBe('1.5e-7');
  });

  it('ignores bad values and falls back to the defaults', () => {
    const p = parsePageParams('?preset=slow&opt=sgd&lr=0&eta=-1&tv=-0.1&an=abc&alpha=0.5&frelu=maybe'
      + '&seed=4294967296&steps=1.5&passes=2&projector=yes&ref=-1');
    expect(p.preset).toBeUndefined();
    expect(p.optimizer).toBeUndefined();
    expect(p.learningRate).toBeUndefined();
    expect(p.eta0).toBeUndefined();
    expect(p.tv).toBeUndefined();
    expect(p.alphaNorm).toBeUndefined();
    expect(p.alpha).toBeUndefined();
    expect(p.fakeRelu).toBeUndefined();
    expect(p.seed).toBeUndefined();
    expect(p.steps).toBeUndefined();
    expect(p.projector).toBeUndefined();
    expect(p.referenceIndex).toBe(0);
    expect(p.passes).toBe(2);
    for (const bad of ['Infinity', 'NaN', '0x10', '1e400', '1,5', '']) {
      expect(parsePageParams(`?eta=${encodeURIComponent(bad)}`).eta0, bad).toBeUndefined();
    }
    // More passes than steps cannot be honoured: the passes are dropped, the steps kept.
    const q = parsePageParams('?steps=3&passes=4');
    expect([q.steps, q.passes]).toEqual([3, undefined]);
    // Whatever parses is accepted by the engine's own validation.
    expect(() => makeRunConfig('S1', settingsOverrides(p))).not.toThrow();
    expect(makeRunConfig('S1', settingsOverrides(p)).regularizers).toEqual(DEFAULT_RUN_CONFIG.regularizers);
  });

  it('gives an engine config that carries every setting', () => {
    const config = makeRunConfig('conv2', settingsOverrides(everything));
    expect(totalSteps(config)).toBeGreaterThanOrEqual(1234);
    expect(config).toMatchObject({
      passes: 5, itersPerPass: 247, seed: 4294967295, optimizer: 'adam', eta0: 0.5, fakeRelu: false,
      adam: { learningRate: 0.0025, decay: DEFAULT_RUN_CONFIG.adam.decay, decayEvery: DEFAULT_RUN_CONFIG.adam.decayEvery },
      regularizers: { tv: 1.5e-7, alphaNorm: 0.125, alpha: 3.5 },
    });
    // Only the alpha given: the weights stay at their defaults (off).
    expect(settingsOverrides({ alpha: 2 }).regularizers).toEqual({ tv: 0, alphaNorm: 0, alpha: 2 });
  });

  it('sets or removes one parameter and keeps the rest', () => {
    expect(withParam('?model=hmax&seed=3', 'backend', 'wasm')).toBe('?model=hmax&seed=3&backend=wasm');
    expect(withParam('?model=hmax&backend=cpu', 'backend', undefined)).toBe('?model=hmax');
    expect(withParam('?backend=cpu', 'backend', undefined)).toBe('');
  });
});

describe('liveCadence', () => {
  it('snapshots every step of a short run and ~200 times in a long one', () => {
    expect(liveCadence(6)).toEqual({ snapshotEvery: 1, metricsEvery: 0 });
    expect(liveCadence(99).metricsEvery).toBe(0);
    expect(liveCadence(100)).toEqual({ snapshotEvery: 1, metricsEvery: 5 });
    expect(liveCadence(24000)).toEqual({ snapshotEvery: 120, metricsEvery: 1200 });
    expect(24000 / liveCadence(24000).snapshotEvery).toBe(200);
  });
});
