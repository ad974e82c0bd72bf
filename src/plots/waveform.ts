/**
 * Pure geometry of the waveform plot: per-pixel-column min/max decimation (so a 40000-sample
 * clip draws as a few hundred columns without hiding any peak), the time and amplitude scales,
 * and the envelope as one SVG area path. No DOM here.
 */
import { area, scaleLinear, type ScaleLinear } from 'd3';
import type { PlotBox } from './loss-scale.ts';

export interface Envelope {
  /** Minimum and maximum sample of each column, left to right. */
  min: Float32Array;
  max: Float32Array;
}

/**
 * Column c covers samples [floor(c n / columns), floor((c + 1) n / columns)); when there are
 * more columns than samples each column still holds at least its nearest sample.
 */
export function columnRange(c: number, n: number, columns: number): [number, number] {
  const start = Math.min(n - 1, Math.floor((c * n) / columns));
  const end = Math.max(start + 1, Math.floor(((c + 1) * n) / columns));
  return [start, end];
}

/** Min/max of each of `columns` equal slices of `samples` (empty input: empty envelope). */
export function minMaxColumns(samples: ArrayLike<number>, columns: number): Envelope {
  const n = samples.length;
  const cols = n === 0 ? 0 : Math.max(1, Math.floor(columns));
  const min = new Float32Array(cols);
  const max = new Float32Array(cols);
  for (let c = 0; c < cols; c++) {
    const [start, end] = columnRange(c, n, cols);
    let lo = samples[start];
    let hi = lo;
    for (let i = start + 1; i < end; i++) {
      const v = samples[i];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    min[c] = lo;
    max[c] = hi;
  }
  return { min, max };
}

/** Largest |sample|, at least `floor` so a silent clip still has an axis. */
export function peakAmplitude(samples: ArrayLike<number>, floor = 1e-3): number {
  let peak = floor;
  for (let i = 0; i < samples.length; i++) {
    const a = Math.abs(samples[i]);
    if (a > peak) peak = a;
  }
  return peak;
}

export interface WaveformScales {
  /** Seconds -> x pixels. */
  x: ScaleLinear<number, number>;
  /** Amplitude -> y pixels (symmetric about 0). */
  y: ScaleLinear<number, number>;
}

export function waveformScales(length: number, sampleRate: number, peak: number, box: PlotBox): WaveformScales {
  const { width, height, margin } = box;
  const x = scaleLinear().domain([0, length / sampleRate]).range([margin.left, width - margin.right]);
  const y = scaleLinear().domain([-peak, peak]).range([height - margin.bottom, margin.top]);
  return { x, y };
}

/** Plot-area width in pixels: one envelope column per pixel. */
export function plotColumns(box: PlotBox): number {
  return Math.max(1, Math.round(box.width - box.margin.left - box.margin.right));
}

/** The filled min/max envelope as an SVG path ('' for no samples). */
export function waveformPath(samples: ArrayLike<number>, sampleRate: number, box: PlotBox): string {
  if (samples.length === 0) return '';
  const columns = plotColumns(box);
  const env = minMaxColumns(samples, columns);
  const { x, y } = waveformScales(samples.length, sampleRate, peakAmplitude(samples), box);
  const seconds = samples.length / sampleRate;
  const cols = env.min.length;
  // Each column spans [c, c+1) / cols of the duration; draw it at its centre.
  const path = area<number>()
    .x((c) => x(((c + 0.5) / cols) * seconds))
    .y0((c) => y(env.min[c]))
    .y1((c) => y(env.max[c]));
  return path(Array.from({ length: cols }, (_, c) => c)) ?? '';
}
