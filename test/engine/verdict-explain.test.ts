import { describe, expect, it } from 'vitest';
import { budgetText, decimalsToTell, explainCriterion, explainVerdict } from '../../src/engine/verdict-explain.ts';
import { successTest } from '../../src/engine/verdict.ts';
import type { NullDistribution, NullSummary } from '../../src/engine/types.ts';

function summary(max: number): NullSummary {
  return { pairs: 10, min: 0, max, mean: 0, std: 0, edges: [0, 1], counts: [10] } as unknown as NullSummary;
}

const nullDist = (max: Partial<Record<'spearman' | 'pearson' | 'snrDb', number>>): NullDistribution => ({
  model: 'm',
  stages: { s: { spearman: summary(max.spearman ?? 0.5), pearson: summary(max.pearson ?? 0.5), snrDb: summary(max.snrDb ?? 3) } },
} as unknown as NullDistribution);

describe('decimalsToTell', () => {
  it('finds the fewest decimals (at least the minimum) at which two numbers print differently', () => {
    expect(decimalsToTell(0.99971, 0.99978, 4)).toBe(5);
    expect(decimalsToTell(0.9, 0.8, 4)).toBe(4);
    expect(decimalsToTell(0.99999991, 0.99999992, 4)).toBe(8);
    expect(decimalsToTell(1, 1, 4)).toBeNull();
    expect(decimalsToTell(Infinity, 30, 2)).toBe(2);
  });
});

describe('explainCriterion', () => {
  it('a failure at rho 0.9997 says by how much it is below which null maximum, with the digits that show it', () => {
    const v = successTest({ stage: 's', metrics: { spearman: 0.99971, pearson: 0.99995, r2: 0, snrDb: 40 }, nullDist: nullDist({ spearman: 0.99978, pearson: 0.9999 }) });
    expect(v.pass).toBe(false);
    const e = explainVerdict(v);
    expect(e.headline).toBe('fails at s: Spearman ρ 0.99971: below the null max 0.99978 by 0.00007');
    expect(e.criteria.map((c) => c.pass)).toEqual([false, true, true]);
    expect(e.criteria[1].text).toBe('Pearson r 0.99995: above the null max 0.99990 by 0.00005');
    expect(e.criteria[2].text).toBe('SNR 40.00 dB: above the null max 3.00 dB by 37.00 dB');
  });

  it('a value equal to the null maximum says so instead of printing two equal numbers', () => {
    const e = explainCriterion({ criterion: 'pearson', value: 1, threshold: 1, pass: false });
    expect(e.text).toBe('Pearson r 1.0000 is equal to the null maximum: a metamer must be strictly above it');
  });

  it('NaN, an exact match (SNR +Infinity) and the class criterion read as words', () => {
    expect(explainCriterion({ criterion: 'spearman', value: NaN, threshold: 0.2, pass: false }).text)
      .toBe('Spearman ρ is undefined (NaN: e.g. constant activations), so it cannot beat the null max 0.2000');
    expect(explainCriterion({ criterion: 'snrDb', value: Infinity, threshold: 12.5, pass: true }).text).toBe('SNR ∞: above the null max 12.50 dB');
    expect(explainCriterion({ criterion: 'class', value: 'Bag', threshold: 'Sneaker', pass: false }).text).toBe('class “Bag”, not the reference\'s “Sneaker”');
    expect(explainCriterion({ criterion: 'class', value: 'Bag', threshold: 'Bag', pass: true }).text).toBe('class “Bag”, the reference\'s');
  });

  it('a pass headline counts the criteria', () => {
    const v = successTest({ stage: 's', metrics: { spearman: 0.9, pearson: 0.9, r2: 0, snrDb: 20 }, nullDist: nullDist({}) });
    expect(explainVerdict(v).headline).toBe('passes at s: all 3 criteria hold');
  });
});

describe('budgetText', () => {
  it('says the steps run against the budget and how it was split', () => {
    expect(budgetText(2000, { passes: 4, itersPerPass: 500 })).toBe('2,000 of 2,000 steps (4 × 500)');
    expect(budgetText(120, { passes: 8, itersPerPass: 3000 }, true)).toBe('stopped at 120 of 24,000 steps (8 × 3,000)');
    expect(budgetText(40, { passes: 1, itersPerPass: 40 })).toBe('40 of 40 steps');
  });
});
