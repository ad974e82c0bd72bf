/**
 * The step-size schedule drawn on the loss plot: runs of constant eta found in the step
 * records (eta halves before each new pass, so each run is one pass), a vertical rule where
 * eta changes, and a labelled band per run. Works for any schedule (Adam's decaying rate too):
 * it reads eta from the records rather than assuming one. No DOM here.
 */
import type { ScaleLinear } from 'd3';
import type { StepRecord } from '../engine/types.ts';

export interface EtaSegment {
  /** First step with this eta, and one past the last recorded one: [startStep, endStep). */
  startStep: number;
  endStep: number;
  eta: number;
}

/** Two etas are the same run when they agree to 1e-9 (relative): the schedule recomputes them. */
function sameEta(a: number, b: number): boolean {
  if (a === b) return true;
  return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

/** Maximal runs of constant eta, in step order. Records must be in step order. */
export function etaSegments(records: readonly Pick<StepRecord, 'step' | 'eta'>[]): EtaSegment[] {
  const segments: EtaSegment[] = [];
  for (const r of records) {
    const current = segments[segments.length - 1];
    if (current && sameEta(current.eta, r.eta)) current.endStep = r.step + 1;
    else {
      if (current) current.endStep = r.step;
      segments.push({ startStep: r.step, endStep: r.step + 1, eta: r.eta });
    }
  }
  return segments;
}

/**
 * eta as a short label: "1", "1/2", ..., "1/128" for the halving schedule's reciprocal powers of
 * two, whole numbers as they are, anything else with 3 significant digits.
 */
export function formatEta(eta: number): string {
  if (!Number.isFinite(eta)) return String(eta);
  if (eta > 0 && eta < 1) {
    const inverse = 1 / eta;
    const k = Math.round(Math.log2(inverse));
    if (k >= 1 && k <= 30 && 2 ** k * eta === 1) return `1/${2 ** k}`;
  }
  if (Number.isInteger(eta)) return String(eta);
  return String(Number(eta.toPrecision(3)));
}

export interface EtaBand {
  eta: number;
  label: string;
  x0: number;
  x1: number;
  /** Centre of the band, where its label goes; null when the band is too narrow to label. */
  labelX: number | null;
}

export interface EtaMarks {
  /** A rule at every step where eta changes (a pass boundary for normalized-gd). */
  rules: { step: number; x: number }[];
  bands: EtaBand[];
}

/**
 * Pixel positions of the schedule's marks on the loss plot's step axis. Bands narrower than
 * minLabelWidth (pixels) go unlabelled so labels never overlap (e.g. Adam's 24 decays).
 */
export function etaMarks(segments: readonly EtaSegment[], x: ScaleLinear<number, number>,
  minLabelWidth = 34): EtaMarks {
  const rules = segments.slice(1).map((s) => ({ step: s.startStep, x: x(s.startStep) }));
  const bands = segments.map((s) => {
    const x0 = x(s.startStep);
    const x1 = x(s.endStep);
    return { eta: s.eta, label: `η ${formatEta(s.eta)}`, x0, x1, labelX: x1 - x0 >= minLabelWidth ? (x0 + x1) / 2 : null };
  });
  return { rules, bands };
}
