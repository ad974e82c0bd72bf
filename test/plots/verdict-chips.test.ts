import { describe, expect, it } from 'vitest';
import { classCriterion, metricChip } from '../../src/plots/verdict-chips.ts';
import type { Verdict } from '../../src/engine/types.ts';

const hmaxVerdict: Verdict = {
  stage: 'C1', pass: false,
  criteria: [{ criterion: 'snrDb', value: 3.1, threshold: 14.29, pass: false }],
};

describe('metricChip', () => {
  it('shows nothing outside the generation stage', () => {
    expect(metricChip('S1', 'snrDb', 'C1', null, 50, 4)).toBeNull();
    expect(metricChip('S1', 'snrDb', null, null, 50, 4)).toBeNull();
  });

  it('compares live values with the null maximum, strictly', () => {
    expect(metricChip('C1', 'pearson', 'C1', null, 0.97, 0.9657)).toEqual({ pass: true, final: false });
    expect(metricChip('C1', 'pearson', 'C1', null, 0.9657, 0.9657)).toEqual({ pass: false, final: false });
    expect(metricChip('C1', 'pearson', 'C1', null, undefined, 0.9657)).toBeNull();
    expect(metricChip('C1', 'pearson', 'C1', null, 0.99, null)).toBeNull();
  });

  it('takes the final verdict over the live value once there is one', () => {
    // The live value beats the null, but the verdict (computed on the final metrics) says fail.
    expect(metricChip('C1', 'snrDb', 'C1', hmaxVerdict, 20, 14.29)).toEqual({ pass: false, final: true });
    // The verdict does not test Pearson for HMAX: no chip.
    expect(metricChip('C1', 'pearson', 'C1', hmaxVerdict, 0.99, 0.9657)).toBeNull();
    // A verdict for another stage (an earlier run) does not count.
    expect(metricChip('S1', 'snrDb', 'S1', hmaxVerdict, 5, 4.68)).toEqual({ pass: true, final: false });
  });
});

describe('classCriterion', () => {
  it('finds the class criterion when the model has a readout', () => {
    expect(classCriterion(hmaxVerdict)).toBeNull();
    expect(classCriterion(null)).toBeNull();
    const withClass: Verdict = { ...hmaxVerdict, criteria: [...hmaxVerdict.criteria,
      { criterion: 'class', value: 'cat', threshold: 'dog', pass: false }] };
    expect(classCriterion(withClass)).toEqual({ criterion: 'class', value: 'cat', threshold: 'dog', pass: false });
  });
});
