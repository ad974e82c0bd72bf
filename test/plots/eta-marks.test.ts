import { describe, expect, it } from 'vitest';
import { etaMarks, etaSegments, formatEta } from '../../src/plots/eta-marks.ts';
import { lossScales } from '../../src/plots/loss-scale.ts';
import { stepSizeAt } from '../../src/engine/eta-schedule.ts';
import type { StepRecord } from '../../src/engine/types.ts';

/** Records of a run with the engine's own schedule (independent of the marks' code). */
function records(steps: number, cfg: Parameters<typeof stepSizeAt>[1]): StepRecord[] {
  return Array.from({ length: steps }, (_, step) => ({ step, loss: 1 / (step + 1), eta: stepSizeAt(step, cfg), gradNorm: 1 }));
}

const adam = { learningRate: 1e-3, decay: 0.95, decayEvery: 1000 };
const gd = { optimizer: 'normalized-gd' as const, eta0: 1, itersPerPass: 10, adam };

describe('etaSegments', () => {
  it('finds one segment per pass of the halving schedule', () => {
    expect(etaSegments(records(35, gd))).toEqual([
      { startStep: 0, endStep: 10, eta: 1 },
      { startStep: 10, endStep: 20, eta: 0.5 },
      { startStep: 20, endStep: 30, eta: 0.25 },
      { startStep: 30, endStep: 35, eta: 0.125 },
    ]);
  });

  it('follows a run resumed mid-pass and ignores float noise in eta', () => {
    const rs = [
      { step: 7, eta: 0.1 }, { step: 8, eta: 0.1 * (1 + 1e-13) }, { step: 9, eta: 0.05 },
    ];
    expect(etaSegments(rs)).toEqual([
      { startStep: 7, endStep: 9, eta: 0.1 },
      { startStep: 9, endStep: 10, eta: 0.05 },
    ]);
    expect(etaSegments([])).toEqual([]);
  });

  it('finds Adam\'s decays every decayEvery steps', () => {
    const segs = etaSegments(records(2500, { ...gd, optimizer: 'adam' }));
    expect(segs.map((s) => s.startStep)).toEqual([0, 1000, 2000]);
    expect(segs[2].eta).toBeCloseTo(1e-3 * 0.95 ** 2, 15);
  });
});

describe('etaMarks on the loss plot', () => {
  const box = { width: 500, height: 200, margin: { top: 10, right: 10, bottom: 20, left: 40 } };

  it('puts a rule at each pass boundary on the step axis', () => {
    const rs = records(40, gd);
    // 8 passes x 10 planned: the step axis spans 0..80 over x 40..490 (5.625 px per step).
    const { x } = lossScales(rs, 80, box);
    const marks = etaMarks(etaSegments(rs), x);
    expect(marks.rules.map((r) => r.step)).toEqual([10, 20, 30]);
    expect(marks.rules.map((r) => r.x)).toEqual([40 + 56.25, 40 + 112.5, 40 + 168.75]);
    expect(marks.bands.map((b) => b.label)).toEqual(['η 1', 'η 1/2', 'η 1/4', 'η 1/8']);
    expect(marks.bands[0]).toMatchObject({ x0: 40, x1: 96.25, labelX: (40 + 96.25) / 2 });
    expect(marks.bands[3]).toMatchObject({ x0: 208.75, x1: 265 });
  });

  it('leaves bands too narrow for their label unlabelled', () => {
    const rs = records(40, gd);
    const { x } = lossScales(rs, 80, box);
    const marks = etaMarks(etaSegments(rs), x, 60);
    expect(marks.bands.map((b) => b.labelX)).toEqual([null, null, null, null]);
    expect(etaMarks(etaSegments(rs), x, 56.25).bands.map((b) => b.labelX !== null)).toEqual([true, true, true, true]);
  });
});

describe('formatEta', () => {
  it('writes the halving schedule as fractions and other step sizes plainly', () => {
    expect([1, 0.5, 0.25, 1 / 128].map(formatEta)).toEqual(['1', '1/2', '1/4', '1/128']);
    expect(formatEta(16)).toBe('16');
    expect(formatEta(0.001)).toBe('0.001');
    expect(formatEta(0.3)).toBe('0.3');
    expect(formatEta(1e-3 * 0.95 ** 3)).toBe('0.000857');
    expect(formatEta(1.5)).toBe('1.5');
  });
});
