/**
 * The user's own audio reference, on the main thread: decode the file (decodeAudioFile: exact
 * WAV, else the browser's decoder), then fitClipToInput (shared with the CLI: mono, a centred
 * window, resampled, mean removed, RMS 0.1). Errors carry the decoder's message.
 */
import { decodeAudioFile } from '../audio/decode.browser.ts';
import { mixToMono, type ClipInfo } from '../audio/clip.ts';
import { fitClipToInput } from '../audio/fit-clip.ts';
import { resampledLength } from '../audio/resample.ts';
import { encodeWav } from '../audio/wav.ts';

export interface ReferenceClip {
  name: string;
  samples: Float32Array;
  info: ClipInfo;
}

export interface ClipTarget {
  /** Samples the model takes, and their rate. */
  length: number;
  sampleRate: number;
  /** Pad a shorter file with zeros instead of refusing it. */
  padWithZeros: boolean;
}

export async function loadReferenceClip(file: File, target: ClipTarget): Promise<ReferenceClip> {
  const decoded = await decodeAudioFile(file);
  try {
    const { samples, info } = fitClipToInput(decoded.channels, decoded.sampleRate, { shape: [target.length], sampleRate: target.sampleRate },
      { pad: target.padWithZeros ? 'zeros' : 'error' });
    return { name: file.name, samples, info };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`"${file.name}": ${message}`, { cause: err });
  }
}

/** A decoded file kept whole (mono) so that the user can choose which 2 s to use. */
export interface WindowSource {
  name: string;
  mono: Float32Array;
  sampleRate: number;
  durationS: number;
}

export async function loadWindowSource(file: File): Promise<WindowSource> {
  const decoded = await decodeAudioFile(file);
  const mono = mixToMono(decoded.channels);
  return { name: file.name, mono, sampleRate: decoded.sampleRate, durationS: mono.length / decoded.sampleRate };
}

/** The valid window starts (seconds) for a source and target: [0, 0] for a source no longer than the window. */
export function windowRange(source: WindowSource, target: Omit<ClipTarget, 'padWithZeros'>): [number, number] {
  const available = resampledLength(source.mono.length, source.sampleRate, target.sampleRate);
  return [0, Math.max(0, available - target.length) / target.sampleRate];
}

/** The model's clip from the window starting at offsetS (prepareClip: resampled, mean removed, RMS 0.1). */
export function cutWindow(source: WindowSource, target: Omit<ClipTarget, 'padWithZeros'>, offsetS: number): ReferenceClip {
  const { samples, info } = fitClipToInput([source.mono], source.sampleRate, { shape: [target.length], sampleRate: target.sampleRate }, { offsetS });
  return { name: `${source.name} @ ${offsetS.toFixed(2)} s`, samples, info };
}

/**
 * A prepared clip as a 32-bit float WAV file, so that it can take the same path as a picked
 * file (decodeWav is exact for float WAV, and prepareClip leaves a clip that is already
 * 2 s at 20 kHz with mean 0 and RMS 0.1 as it is, up to rounding).
 */
export function clipAsWavFile(clip: ReferenceClip): File {
  return new File([encodeWav(clip.samples, clip.info.sampleRate, { format: 'float' })], clip.name, { type: 'audio/wav' });
}
