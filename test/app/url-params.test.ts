import { describe, expect, it } from 'vitest';
import { configOverrides, parsePageParams, toSearch } from '../../src/app/url-params.ts';
import { liveCadence } from '../../src/worker/cadence.ts';

describe('page URL parameters', () => {
  it('reads the test/sharing parameters', () => {
    const p = parsePageParams('?backend=webgpu&stage=S1&steps=6&seed=1&autostart=1');
    expect(p).toEqual({ model: 'hmax', backend: 'webgpu', stage: 'S1', steps: 6, passes: undefined, seed: 1,
      referenceIndex: 0, autostart: true, measure: 'all' });
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

  it('turns steps into one pass, or splits them over the given passes', () => {
    expect(configOverrides({ steps: 6 })).toEqual({ passes: 1, itersPerPass: 6 });
    expect(configOverrides({ steps: 100, passes: 4, seed: 3 })).toEqual({ passes: 4, itersPerPass: 25, seed: 3 });
    expect(configOverrides({ steps: 10, passes: 4 })).toEqual({ passes: 4, itersPerPass: 3 });
    expect(configOverrides({})).toEqual({});
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
