/**
 * Pure geometry of one null-histogram plot (one stage, one metric): the x domain, the bars of
 * the stored histogram, the null-maximum rule, the metamer's value marker and the pass test.
 * The paper's success test (spec section 3): a metric passes when the metamer's value lies
 * strictly above the maximum of the null distribution. No DOM here.
 */
import { scaleLinear, type ScaleLinear } from 'd3';
import type { MetricName, NullSummary } from '../engine/types.ts';
import type { PlotBox } from './loss-scale.ts';

/** Correlations live in [-1, 1]; the axis never shows more than that. */
export const CORRELATION_LIMITS: readonly [number, number] = [-1, 1];

/**
 * How far past the null's extent the SNR axis widens to include the metamer's value, in
 * multiples of the null's span. Beyond it the histogram would shrink to a sliver, so the
 * marker is clamped to the axis end and drawn as an arrow instead.
 */
export const SNR_REACH = 4;

/** Narrowest axis span (a null whose pairs all gave one value would otherwise have none). */
export const MIN_SPAN: Readonly<Record<'correlation' | 'snrDb', number>> = { correlation: 0.1, snrDb: 1 };

/** SNR axis when there is no null to show and no finite value: 0..10 dB. */
const DEFAULT_SNR_DOMAIN: [number, number] = [0, 10];

export function isCorrelation(metric: MetricName): boolean {
  return metric !== 'snrDb';
}

function finite(v: number | null | undefined): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** The stored null's extent: the histogram's outer edges (falling back to min / max). */
export function nullExtent(summary: NullSummary | null | undefined): [number, number] | null {
  if (!summary) return null;
  const edges = summary.histogram?.edges ?? [];
  const lo = Math.min(edges.length ? edges[0] : Infinity, finite(summary.min) ? summary.min : Infinity);
  const hi = Math.max(edges.length ? edges[edges.length - 1] : -Infinity, finite(summary.max) ? summary.max : -Infinity);
  if (!finite(lo) || !finite(hi)) return null;
  return [lo, hi];
}

/**
 * x-axis domain: the null's extent (at least MIN_SPAN wide, centred), widened to include the
 * metamer's value (for SNR by at most SNR_REACH spans on either side); correlations are then
 * cut to [-1, 1]. Without a null: [-1, 1] for correlations, 0 dB to the value for SNR.
 */
export function nullHistDomain(metric: MetricName, summary: NullSummary | null | undefined,
  value: number | null | undefined): [number, number] {
  const correlation = isCorrelation(metric);
  const minSpan = correlation ? MIN_SPAN.correlation : MIN_SPAN.snrDb;
  const extent = nullExtent(summary);
  let lo: number;
  let hi: number;
  if (extent) {
    [lo, hi] = extent;
    if (hi - lo < minSpan) {
      const centre = (lo + hi) / 2;
      lo = centre - minSpan / 2;
      hi = centre + minSpan / 2;
    }
    if (finite(value)) {
      const reach = correlation ? Infinity : SNR_REACH * (hi - lo);
      lo = Math.max(Math.min(lo, value), lo - reach);
      hi = Math.min(Math.max(hi, value), hi + reach);
    }
  } else if (correlation) {
    return [CORRELATION_LIMITS[0], CORRELATION_LIMITS[1]];
  } else if (finite(value)) {
    lo = Math.min(0, value);
    hi = Math.max(0, value);
    if (hi - lo < DEFAULT_SNR_DOMAIN[1]) hi = lo + DEFAULT_SNR_DOMAIN[1];
  } else {
    return [DEFAULT_SNR_DOMAIN[0], DEFAULT_SNR_DOMAIN[1]];
  }
  if (correlation) {
    lo = Math.max(lo, CORRELATION_LIMITS[0]);
    hi = Math.min(hi, CORRELATION_LIMITS[1]);
  }
  return [lo, hi];
}

/**
 * The success test for one metric: value > null maximum, strictly. null when either is
 * missing or NaN (nothing to decide yet). +Infinity (an exact SNR match) passes.
 */
export function passesNull(value: number | null | undefined, nullMax: number | null | undefined): boolean | null {
  if (typeof value !== 'number' || Number.isNaN(value)) return null;
  if (typeof nullMax !== 'number' || Number.isNaN(nullMax)) return null;
  return value > nullMax;
}

export interface HistBar {
  /** The bin [lo, hi) in metric units. */
  lo: number;
  hi: number;
  count: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Bars of the non-empty bins, cut to the x domain; heights on a linear count axis from 0. */
export function histogramBars(histogram: NullSummary['histogram'], x: ScaleLinear<number, number>,
  y: ScaleLinear<number, number>): HistBar[] {
  const [d0, d1] = x.domain();
  const baseline = y(0);
  const bars: HistBar[] = [];
  for (let i = 0; i < histogram.counts.length; i++) {
    const count = histogram.counts[i];
    const lo = histogram.edges[i];
    const hi = histogram.edges[i + 1];
    if (!(count > 0) || !finite(lo) || !finite(hi) || hi <= d0 || lo >= d1) continue;
    const left = x(Math.max(lo, d0));
    const right = x(Math.min(hi, d1));
    const top = y(count);
    bars.push({ lo, hi, count, x: left, y: top, width: right - left, height: baseline - top });
  }
  return bars;
}

export interface ValueMarker {
  /** Pixel position on the x axis (the axis end when clamped). */
  x: number;
  /** Which axis end the value lies beyond, if any: drawn as an arrow pointing out of view. */
  clamped: 'low' | 'high' | null;
}

/** Where the metamer's value sits on the x axis; null when there is no value (or NaN). */
export function valueMarker(value: number | null | undefined, x: ScaleLinear<number, number>): ValueMarker | null {
  if (typeof value !== 'number' || Number.isNaN(value)) return null;
  const [d0, d1] = x.domain();
  const [r0, r1] = x.range();
  if (value < d0) return { x: r0, clamped: 'low' };
  if (value > d1) return { x: r1, clamped: 'high' };
  return { x: x(value), clamped: null };
}

export interface AxisTick {
  value: number;
  x: number;
  label: string;
}

export interface NullHistGeometry {
  x: ScaleLinear<number, number>;
  y: ScaleLinear<number, number>;
  bars: HistBar[];
  /** x of the null maximum (null when there is no null, or it lies outside the axis). */
  nullMaxX: number | null;
  nullMax: number | null;
  marker: ValueMarker | null;
  pass: boolean | null;
  ticks: AxisTick[];
  /** y of the x axis (the histogram's baseline). */
  baseline: number;
}

/** Everything one NullHistogram draws, from the stored summary and the current value. */
export function nullHistGeometry(metric: MetricName, summary: NullSummary | null | undefined,
  value: number | null | undefined, box: PlotBox, tickCount = 4): NullHistGeometry {
  const { width, height, margin } = box;
  const domain = nullHistDomain(metric, summary, value);
  const x = scaleLinear().domain(domain).range([margin.left, width - margin.right]);
  const counts = summary?.histogram?.counts ?? [];
  const maxCount = counts.reduce((m, c) => (c > m ? c : m), 0);
  const y = scaleLinear().domain([0, maxCount > 0 ? maxCount : 1]).range([height - margin.bottom, margin.top]);
  const bars = summary?.histogram ? histogramBars(summary.histogram, x, y) : [];
  const nullMax = summary && finite(summary.max) ? summary.max : null;
  const nullMaxX = nullMax !== null && nullMax >= domain[0] && nullMax <= domain[1] ? x(nullMax) : null;
  const format = x.tickFormat(tickCount);
  const ticks = x.ticks(tickCount).map((t) => ({ value: t, x: x(t), label: format(t) }));
  return {
    x, y, bars, nullMaxX, nullMax, ticks,
    marker: valueMarker(value, x),
    pass: passesNull(value, nullMax),
    baseline: height - margin.bottom,
  };
}
