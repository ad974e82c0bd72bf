/**
 * From decoded audio to the audio models' reference input (spec section 2): mono, 20 kHz,
 * a 2-s window (40000 samples), mean removed, RMS set to 0.1, clamped to [-1, 1].
 * Only the chosen window is resampled (resampleRange gives exactly the samples a full
 * resample would), so long files stay cheap.
 */
import { AudioDecodeError } from './wav.ts';
import { resampledLength, resampleRange } from './resample.ts';

/** A clip that cannot be used as it is; the message says what to do instead. */
export class ClipError extends Error {
  override name = 'ClipError';
}

/** The average of the channels (equal lengths required). */
export function mixToMono(channels: readonly Float32Array[]): Float32Array {
  if (channels.length === 0) throw new AudioDecodeError('The audio has no channels');
  const n = channels[0].length;
  if (channels.some((c) => c.length !== n)) throw new AudioDecodeError('The channels have different lengths');
  if (channels.length === 1) return channels[0].slice();
  const out = new Float32Array(n);
  const scale = 1 / channels.length;
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (const c of channels) sum += c[i];
    out[i] = sum * scale;
  }
  return out;
}

/** Throws a ClipError naming the first NaN/Infinity, if any. */
export function assertFinite(samples: Float32Array, what = 'The audio'): void {
  let bad = 0;
  let first = -1;
  for (let i = 0; i < samples.length; i++) {
    if (!Number.isFinite(samples[i])) {
      if (first < 0) first = i;
      bad++;
    }
  }
  if (bad > 0) throw new ClipError(`${what} contains ${bad} non-finite sample(s) (NaN or Infinity), the first at sample ${first}`);
}

export interface ClipOptions {
  /** Rate of the returned clip, Hz (default 20000). */
  targetRate?: number;
  /** Length of the returned clip, seconds (default 2). */
  durationS?: number;
  /**
   * Start of the window in the source, seconds. Default: centred. For a file shorter than the
   * window padded with zeros it is <= 0 (the clip starts -offsetS seconds into the window).
   */
  offsetS?: number;
  /** What to do with a file shorter than the window: refuse (default) or pad with zeros. */
  pad?: 'error' | 'zeros';
  /** RMS of the returned clip before clamping (default 0.1). */
  rms?: number;
}

export interface ClipInfo {
  sampleRate: number;
  /** Window start in the source, seconds (negative: zeros before the audio). */
  windowStartS: number;
  windowDurationS: number;
  /** The source's length, seconds, and its rate. */
  originalDurationS: number;
  originalRate: number;
  resampled: boolean;
  padded: boolean;
  /** Zero samples added before / after the audio (0 unless padded). */
  padBefore: number;
  padAfter: number;
  /** Gain applied after removing the mean (target RMS / RMS of the window). */
  gain: number;
  /** Samples that the final clamp to [-1, 1] changed (peaks above 10x the RMS). */
  clampedSamples: number;
  /** Valid offsetS range for this source and window, seconds. */
  offsetRangeS: [number, number];
}

export interface PreparedClip {
  samples: Float32Array;
  info: ClipInfo;
}

function seconds(n: number, rate: number): string {
  return `${(n / rate).toFixed(3).replace(/\.?0+$/, '')} s`;
}

/** Resample, pick the window, remove the mean, set the RMS, clamp (in that order). */
export function prepareClip(samples: Float32Array, sampleRate: number, options: ClipOptions = {}): PreparedClip {
  const targetRate = options.targetRate ?? 20000;
  const durationS = options.durationS ?? 2;
  const pad = options.pad ?? 'error';
  const targetRms = options.rms ?? 0.1;
  if (!Number.isFinite(sampleRate) || sampleRate <= 0) throw new ClipError(`invalid sample rate ${sampleRate}`);
  if (!Number.isFinite(targetRate) || targetRate <= 0) throw new ClipError(`invalid target rate ${targetRate}`);
  const length = Math.round(durationS * targetRate);
  if (!(length > 0)) throw new ClipError(`invalid clip duration ${durationS} s`);
  if (samples.length === 0) throw new ClipError('The audio is empty (0 samples)');
  assertFinite(samples);

  const available = resampledLength(samples.length, sampleRate, targetRate);
  const slack = available - length; // >= 0: choices of start; < 0: zeros needed
  if (slack < 0 && pad === 'error') {
    throw new ClipError(
      `The audio is ${seconds(samples.length, sampleRate)} long, shorter than the ${seconds(length, targetRate)} clip the model needs; ` +
        'pad it with zeros (pad: "zeros") or choose a longer file',
    );
  }
  const range: [number, number] = [Math.min(0, slack) / targetRate, Math.max(0, slack) / targetRate];
  let start: number;
  if (options.offsetS === undefined) start = Math.floor(slack / 2);
  else {
    if (!Number.isFinite(options.offsetS)) throw new ClipError(`invalid window offset ${options.offsetS}`);
    start = Math.round(options.offsetS * targetRate);
    if (start < Math.min(0, slack) || start > Math.max(0, slack)) {
      throw new ClipError(`The window offset ${options.offsetS} s is outside the audio: choose an offset from ${range[0]} s to ${range[1]} s`);
    }
  }
  const clip = resampleRange(samples, sampleRate, targetRate, start, length);
  // resampleRange writes zeros where the window lies outside the audio; the kernel's tails are
  // kept off the padding so that "padded with zeros" means exactly zero there.
  const padBefore = Math.max(0, -start);
  const padAfter = Math.max(0, start + length - available);
  clip.fill(0, 0, padBefore);
  clip.fill(0, length - padAfter);

  let mean = 0;
  for (let i = 0; i < length; i++) mean += clip[i];
  mean /= length;
  let power = 0;
  for (let i = 0; i < length; i++) power += (clip[i] - mean) ** 2;
  const rms = Math.sqrt(power / length);
  // Float32 audio cannot carry a meaningful signal below ~1e-9 full scale.
  if (!(rms > 1e-9)) throw new ClipError('The clip is silent (RMS 0); choose another window or file');
  const gain = targetRms / rms;
  let clampedSamples = 0;
  for (let i = 0; i < length; i++) {
    const y = (clip[i] - mean) * gain;
    if (y > 1 || y < -1) clampedSamples++;
    clip[i] = Math.max(-1, Math.min(1, y));
  }
  return {
    samples: clip,
    info: {
      sampleRate: targetRate,
      windowStartS: start / targetRate,
      windowDurationS: length / targetRate,
      originalDurationS: samples.length / sampleRate,
      originalRate: sampleRate,
      resampled: sampleRate !== targetRate,
      padded: padBefore + padAfter > 0,
      padBefore,
      padAfter,
      gain,
      clampedSamples,
      offsetRangeS: range,
    },
  };
}
