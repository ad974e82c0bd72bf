/**
 * Pure geometry of the loss plot: a linear step axis and a log loss axis, plus decimation
 * so a 24000-step history still draws as a path of a few hundred points. No DOM here.
 */
import { scaleLinear, scaleLog, line, type ScaleLinear, type ScaleLogarithmic } from 'd3';

export interface LossPoint {
  step: number;
  loss: number;
}

/** Smallest loss the log axis will show: the relative loss of an exact match is 0. */
export const LOSS_FLOOR = 1e-8;

/**
 * Log-axis domain covering every finite loss, widened outwards to whole decades so the
 * ticks read 1e-3, 1e-2, ... . Non-finite and non-positive losses are clamped to the floor.
 * Returns [0.1, 1] for an empty history so the axis has something to draw.
 */
export function logLossDomain(losses: readonly number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const raw of losses) {
    if (!Number.isFinite(raw)) continue;
    const v = Math.max(raw, LOSS_FLOOR);
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === Infinity) return [0.1, 1];
  const lower = 10 ** Math.floor(Math.log10(lo));
  let upper = 10 ** Math.ceil(Math.log10(hi));
  if (upper <= lower) upper = lower * 10;
  return [lower, upper];
}

/** Step-axis domain: 0 .. max(total, last step + 1), never empty. */
export function stepDomain(points: readonly LossPoint[], totalSteps: number): [number, number] {
  const last = points.length ? points[points.length - 1].step + 1 : 1;
  return [0, Math.max(totalSteps, last, 1)];
}

/**
 * Keeps at most ~maxPoints points while preserving the curve's envelope: each bucket
 * contributes its minimum and maximum loss (in step order). The first and last points survive.
 */
export function decimate(points: readonly LossPoint[], maxPoints: number): LossPoint[] {
  if (points.length <= maxPoints) return points.slice();
  const buckets = Math.max(1, Math.floor(maxPoints / 2));
  const size = points.length / buckets;
  const out: LossPoint[] = [];
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor(b * size);
    const end = Math.min(points.length, Math.floor((b + 1) * size));
    let min = points[start];
    let max = points[start];
    for (let i = start + 1; i < end; i++) {
      if (points[i].loss < min.loss) min = points[i];
      if (points[i].loss > max.loss) max = points[i];
    }
    if (min === max) out.push(min);
    else if (min.step < max.step) out.push(min, max);
    else out.push(max, min);
  }
  if (out[0] !== points[0]) out.unshift(points[0]);
  const lastPoint = points[points.length - 1];
  if (out[out.length - 1] !== lastPoint) out.push(lastPoint);
  return out;
}

export interface PlotBox {
  width: number;
  height: number;
  margin: { top: number; right: number; bottom: number; left: number };
}

export interface LossScales {
  x: ScaleLinear<number, number>;
  y: ScaleLogarithmic<number, number>;
}

export function lossScales(points: readonly LossPoint[], totalSteps: number, box: PlotBox): LossScales {
  const { width, height, margin } = box;
  const x = scaleLinear().domain(stepDomain(points, totalSteps)).range([margin.left, width - margin.right]);
  const y = scaleLog()
    .domain(logLossDomain(points.map((p) => p.loss)))
    .range([height - margin.bottom, margin.top])
    .clamp(true);
  return { x, y };
}

/** SVG path of the (decimated) loss curve; '' when there is nothing to draw. */
export function lossPath(points: readonly LossPoint[], scales: LossScales, maxPoints = 600): string {
  const drawn = decimate(points.filter((p) => Number.isFinite(p.loss)), maxPoints);
  const path = line<LossPoint>()
    .x((p) => scales.x(p.step))
    .y((p) => scales.y(Math.max(p.loss, LOSS_FLOOR)));
  return path(drawn) ?? '';
}
