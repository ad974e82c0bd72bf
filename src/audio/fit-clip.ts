/**
 * Fitting a decoded sound to an audio model's input, one function for the page and the CLI:
 * mono mix, resampled to the model's rate, the centred window of the model's length (or the
 * window at offsetS), mean removed, RMS 0.1, clamped (prepareClip, the paper's audio reference).
 */
import { mixToMono, prepareClip, type PreparedClip } from './clip.ts';

export interface ClipSpec {
  /** [samples] of the model's input. */
  shape: readonly number[];
  sampleRate?: number;
}

export interface FitClipOptions {
  /** A file shorter than the window: refuse ('error', the page's default) or pad with zeros. */
  pad?: 'error' | 'zeros';
  /** Window start in the source, seconds (default: centred). */
  offsetS?: number;
}

export function fitClipToInput(channels: readonly Float32Array[], sampleRate: number, spec: ClipSpec, options: FitClipOptions = {}): PreparedClip {
  const rate = spec.sampleRate ?? 20000;
  const length = spec.shape.reduce((a, b) => a * b, 1);
  return prepareClip(mixToMono(channels), sampleRate, { targetRate: rate, durationS: length / rate, pad: options.pad, offsetS: options.offsetS });
}
