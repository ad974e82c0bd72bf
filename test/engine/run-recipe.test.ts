import { describe, expect, it } from 'vitest';
import { PRESETS, makeRunConfig, totalSteps } from '../../src/engine/presets.ts';
import { budgetNote, runConfigFor, settingsOverrides, stepBudget } from '../../src/engine/run-recipe.ts';
import { checkpointEvery, liveCadence } from '../../src/engine/cadence.ts';

describe('stepBudget: one rule for the page and the CLI', () => {
  it('takes the default preset (the paper) when nothing is given', () => {
    expect(stepBudget({})).toEqual(PRESETS.paper);
  });

  it('runs steps alone as one pass, so eta does not halve every few steps', () => {
    expect(stepBudget({ steps: 2000 })).toEqual({ passes: 1, itersPerPass: 2000 });
    expect(stepBudget({ steps: 7 })).toEqual({ passes: 1, itersPerPass: 7 });
  });

  it('spreads steps over a named preset\'s passes, and explicit passes win', () => {
    expect(stepBudget({ preset: 'quick' })).toEqual(PRESETS.quick);
    expect(stepBudget({ preset: 'quick', steps: 2000 })).toEqual({ passes: 4, itersPerPass: 500 });
    expect(stepBudget({ preset: 'paper', steps: 800 })).toEqual({ passes: 8, itersPerPass: 100 });
    expect(stepBudget({ preset: 'quick', passes: 2 })).toEqual({ passes: 2, itersPerPass: 1000 });
    expect(stepBudget({ passes: 3 })).toEqual({ passes: 3, itersPerPass: 8000 });
    expect(stepBudget({ steps: 100, passes: 4 })).toEqual({ passes: 4, itersPerPass: 25 });
  });

  it('never runs fewer steps than asked, nor more passes than steps, and says when the split is uneven', () => {
    expect(stepBudget({ steps: 10, passes: 4 })).toEqual({ passes: 4, itersPerPass: 3 });
    expect(budgetNote({ steps: 10, passes: 4 })).toBe('running 4 passes x 3 = 12 steps (10 do not split evenly)');
    expect(budgetNote({ steps: 12, passes: 4 })).toBeNull();
    expect(stepBudget({ preset: 'paper', steps: 5 })).toEqual({ passes: 5, itersPerPass: 1 });
    for (const steps of [1, 2, 3, 17, 999, 24001]) {
      for (const passes of [undefined, 1, 3, 8]) {
        const b = stepBudget({ steps, passes });
        expect(totalSteps(b)).toBeGreaterThanOrEqual(steps);
        expect(totalSteps(b) - steps).toBeLessThan(b.passes);
        expect(b.passes).toBeLessThanOrEqual(steps);
      }
    }
  });
});

describe('runConfigFor', () => {
  it('is the settings on top of the defaults, with the live cadence of the run\'s length', () => {
    const c = runConfigFor('relu2', { steps: 300, seed: 5, optimizer: 'adam', learningRate: 0.01, fakeRelu: false, tv: 0.5 });
    expect(c).toEqual(makeRunConfig('relu2', {
      passes: 1, itersPerPass: 300, seed: 5, optimizer: 'adam', fakeRelu: false,
      adam: { learningRate: 0.01, decay: 0.95, decayEvery: 1000 }, regularizers: { tv: 0.5, alphaNorm: 0, alpha: 6 },
      snapshotEvery: 2, metricsEvery: 15,
    }));
    expect(settingsOverrides({ alpha: 2 }).regularizers).toEqual({ tv: 0, alphaNorm: 0, alpha: 2 });
  });

  it('checkpoints about 100 times a run', () => {
    expect(checkpointEvery(24000)).toBe(240);
    expect(checkpointEvery(5)).toBe(1);
    expect(liveCadence(300)).toEqual({ snapshotEvery: 2, metricsEvery: 15 });
  });
});
