/**
 * Pure helpers for the cochleagram heatmap: a value -> colour map (a 256-entry lookup table of
 * d3's magma, indexed linearly between the data's minimum and maximum), the RGBA image with the
 * lowest frequency channel at the bottom, and frequency ticks placed at their ERB positions
 * between the channels (the channels are equally spaced in ERB, so Hz ticks are not). No DOM.
 */
import { interpolateMagma, rgb } from 'd3';
import { erb } from '../audio/erb.ts';

export const LUT_SIZE = 256;

/** RGB triples (LUT_SIZE x 3 bytes) of an interpolator sampled at i / (LUT_SIZE - 1). */
export function colourLut(interpolate: (t: number) => string = interpolateMagma): Uint8ClampedArray {
  const lut = new Uint8ClampedArray(LUT_SIZE * 3);
  for (let i = 0; i < LUT_SIZE; i++) {
    const c = rgb(interpolate(i / (LUT_SIZE - 1)));
    lut[i * 3] = c.r;
    lut[i * 3 + 1] = c.g;
    lut[i * 3 + 2] = c.b;
  }
  return lut;
}

/** Finite minimum and maximum ([0, 1] when there is no finite value; hi > lo always). */
export function valueRange(data: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === Infinity) return [0, 1];
  if (hi <= lo) hi = lo + 1;
  return [lo, hi];
}

/** LUT index of a value: round((v - lo) / (hi - lo) * (LUT_SIZE - 1)), clamped; NaN -> 0. */
export function lutIndex(v: number, lo: number, hi: number): number {
  const t = (v - lo) / (hi - lo);
  if (!(t > 0)) return 0;
  if (t >= 1) return LUT_SIZE - 1;
  return Math.round(t * (LUT_SIZE - 1));
}

/**
 * data is [channels, frames] row-major (channel 0 = lowest frequency). Returns RGBA of a
 * frames-wide, channels-high image whose bottom row is channel 0.
 */
export function heatmapRgba(data: ArrayLike<number>, channels: number, frames: number,
  range: [number, number] = valueRange(data), lut: Uint8ClampedArray = colourLut()): Uint8ClampedArray<ArrayBuffer> {
  if (data.length !== channels * frames) throw new Error(`heatmap data has ${data.length} values, expected ${channels} x ${frames}`);
  const out = new Uint8ClampedArray(channels * frames * 4);
  const [lo, hi] = range;
  for (let ch = 0; ch < channels; ch++) {
    const row = channels - 1 - ch;
    for (let t = 0; t < frames; t++) {
      const k = lutIndex(data[ch * frames + t], lo, hi) * 3;
      const o = (row * frames + t) * 4;
      out[o] = lut[k];
      out[o + 1] = lut[k + 1];
      out[o + 2] = lut[k + 2];
      out[o + 3] = 255;
    }
  }
  return out;
}

export interface FrequencyTick {
  hz: number;
  /** Fractional channel index (0 = centre of the lowest channel). */
  channel: number;
  label: string;
}

export const DEFAULT_HZ_TICKS = [100, 200, 500, 1000, 2000, 5000, 10000];

export function hzLabel(hz: number): string {
  return hz >= 1000 ? `${hz / 1000} k` : String(hz);
}

/**
 * Where each tick frequency lies on the channel axis: linear interpolation of the channels' ERB
 * numbers (exact for equally ERB-spaced channels). Ticks outside the channels' range are dropped;
 * channels clamped to the same frequency (the low-pass ones at 0 Hz) are skipped over.
 */
export function erbFrequencyTicks(channelFrequencies: ArrayLike<number>, ticksHz: readonly number[] = DEFAULT_HZ_TICKS): FrequencyTick[] {
  const n = channelFrequencies.length;
  const e = Array.from({ length: n }, (_, i) => erb(channelFrequencies[i]));
  const out: FrequencyTick[] = [];
  for (const hz of ticksHz) {
    const target = erb(hz);
    if (n === 0 || target < e[0] || target > e[n - 1]) continue;
    let i = 0;
    while (i < n - 2 && e[i + 1] < target) i++;
    const span = e[i + 1] - e[i];
    const channel = n === 1 ? 0 : span > 0 ? i + (target - e[i]) / span : i + 1;
    out.push({ hz, channel, label: hzLabel(hz) });
  }
  return out;
}
