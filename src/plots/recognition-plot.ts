/**
 * Pure layout of the recognition plots (the paper's Figure 7 style): proportion recognised
 * (0..1) against the model stage, one line per observer (people or a model), optional 95 %
 * interval bars, and the chance line. Also the colour of a stage x model matrix cell. d3
 * scales and path strings only; the Svelte components draw them. No DOM.
 */
import { interpolateBlues, line, scaleLinear, scalePoint } from 'd3';

export interface CurveSeries {
  name: string;
  /** One value per stage, 0..1; null where there is none (a gap in the line). */
  values: readonly (number | null)[];
  /** Optional 95 % interval per stage. */
  lower?: readonly (number | null)[];
  upper?: readonly (number | null)[];
  /** People and summaries are drawn bold, single models thin. */
  kind: 'people' | 'summary' | 'model';
}

export interface PlotSize {
  width: number;
  height: number;
  margin: { top: number; right: number; bottom: number; left: number };
}

export const DEFAULT_SIZE: PlotSize = { width: 520, height: 260, margin: { top: 14, right: 14, bottom: 56, left: 44 } };

export interface CurveLayout {
  width: number;
  height: number;
  /** The plot area's left, right, top and bottom edges. */
  left: number;
  right: number;
  top: number;
  bottom: number;
  stageTicks: { x: number; label: string }[];
  yTicks: { y: number; label: string }[];
  chanceY: number;
  lines: {
    name: string;
    kind: CurveSeries['kind'];
    d: string;
    points: { x: number; y: number; value: number; stage: string }[];
    bars: { x: number; y1: number; y2: number }[];
  }[];
}

export function curveLayout(stages: readonly string[], series: readonly CurveSeries[], chance: number, size: PlotSize = DEFAULT_SIZE): CurveLayout {
  const { width, height, margin } = size;
  const x = scalePoint<string>().domain(stages).range([margin.left, width - margin.right]).padding(0.4);
  const y = scaleLinear().domain([0, 1]).range([height - margin.bottom, margin.top]);
  const at = (i: number) => x(stages[i]) ?? margin.left;
  return {
    width,
    height,
    left: margin.left,
    right: width - margin.right,
    top: margin.top,
    bottom: height - margin.bottom,
    stageTicks: stages.map((s, i) => ({ x: at(i), label: s })),
    yTicks: [0, 0.25, 0.5, 0.75, 1].map((v) => ({ y: y(v), label: v.toFixed(2) })),
    chanceY: y(Math.min(1, Math.max(0, chance))),
    lines: series.map((s) => {
      const path = line<number | null>()
        .defined((v) => v !== null && Number.isFinite(v))
        .x((_, i) => at(i))
        .y((v) => y(v as number));
      const points = s.values.flatMap((v, i) => (v === null ? [] : [{ x: at(i), y: y(v), value: v, stage: stages[i] }]));
      const bars = s.values.flatMap((_, i) => {
        const lo = s.lower?.[i];
        const hi = s.upper?.[i];
        return lo == null || hi == null ? [] : [{ x: at(i), y1: y(lo), y2: y(hi) }];
      });
      return { name: s.name, kind: s.kind, d: path([...s.values]) ?? '', points, bars };
    }),
  };
}

/** Background of a matrix cell: probability of the true class on a blue ramp; grey when unknown. */
export function cellColour(p: number | null): string {
  if (p === null || !Number.isFinite(p)) return '#2a2a2a';
  return interpolateBlues(0.15 + 0.8 * Math.min(1, Math.max(0, p)));
}

/** Readable text on cellColour(p): dark on light cells. */
export function cellTextColour(p: number | null): string {
  return p !== null && p < 0.55 ? '#111' : '#fff';
}
