/**
 * The user's own audio reference, on the main thread: decode the file (decodeAudioFile: exact
 * WAV, else the browser's decoder), mix to mono, and cut the model's clip (prepareClip: a
 * centred window, resampled, mean removed, RMS 0.1). Errors carry the decoder's message.
 */
import { decodeAudioFile } from '../audio/decode.browser.ts';
import { mixToMono, prepareClip, type ClipInfo } from '../audio/clip.ts';

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
    const { samples, info } = prepareClip(mixToMono(decoded.channels), decoded.sampleRate, {
      targetRate: target.sampleRate,
      durationS: target.length / target.sampleRate,
      pad: target.padWithZeros ? 'zeros' : 'error',
    });
    return { name: file.name, samples, info };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`"${file.name}": ${message}`, { cause: err });
  }
}
