/**
 * Decoding a user's audio file in the browser. WAV is read by decodeWav first: it is exact
 * and keeps the file's own sample rate, whereas decodeAudioData always resamples to its
 * context's rate. Everything else (MP3, OGG/Vorbis/Opus, FLAC, M4A/AAC where the browser has
 * it), and WAV encodings decodeWav refuses (ADPCM, mu-law, ...), goes to the Web Audio
 * decoder. The decoding context is a parameter so that tests can pass a fake.
 */
import { AudioDecodeError, UnsupportedWavEncodingError, decodeWav, inspectWav, type WavInfo } from './wav.ts';

/** The part of an AudioBuffer this module reads. */
export interface AudioBufferLike {
  sampleRate: number;
  length: number;
  numberOfChannels: number;
  getChannelData(channel: number): Float32Array;
}

/** The part of a BaseAudioContext this module uses. */
export interface AudioDecoderContext {
  decodeAudioData(data: ArrayBuffer): Promise<AudioBufferLike>;
}

export interface DecodeOptions {
  /** The Web Audio context to decode with (default: an OfflineAudioContext at decodeRate). */
  context?: AudioDecoderContext;
  /** Rate of the default context, Hz: the browser resamples compressed files to it (default 48000). */
  decodeRate?: number;
  /** Longer files are refused (default 600 s = 10 min). */
  maxDurationS?: number;
}

export interface DecodedFile {
  sampleRate: number;
  channels: Float32Array[];
  durationS: number;
  /** The container, from the file's first bytes ('unknown' if not recognised). */
  container: 'wav' | 'mp3' | 'ogg' | 'flac' | 'mp4' | 'webm' | 'aiff' | 'unknown';
  /** Which decoder produced the samples. */
  decoder: 'wav' | 'web-audio';
}

const DEFAULT_MAX_S = 600;
/**
 * Files larger than this are refused before they are read (10 minutes of 8-channel 96 kHz
 * 24-bit WAV is ~1.4 GB; 10 minutes of ordinary audio is far less).
 */
export const MAX_AUDIO_FILE_BYTES = 512 * 1024 * 1024;

/** Guesses the container from magic bytes, for the choice of decoder and clearer messages. */
export function sniffContainer(bytes: Uint8Array): DecodedFile['container'] {
  const text = (at: number, len: number) => String.fromCharCode(...bytes.subarray(at, at + len));
  if (bytes.length >= 12 && text(0, 4) === 'RIFF' && text(8, 4) === 'WAVE') return 'wav';
  if (bytes.length >= 4 && (text(0, 4) === 'RIFX' || text(0, 4) === 'RF64')) return 'wav';
  if (bytes.length >= 3 && text(0, 3) === 'ID3') return 'mp3';
  if (bytes.length >= 2 && bytes[0] === 0xff && (bytes[1] & 0xe0) === 0xe0 && (bytes[1] & 0x06) !== 0) return 'mp3';
  if (bytes.length >= 4 && text(0, 4) === 'OggS') return 'ogg';
  if (bytes.length >= 4 && text(0, 4) === 'fLaC') return 'flac';
  if (bytes.length >= 8 && text(4, 4) === 'ftyp') return 'mp4';
  if (bytes.length >= 4 && bytes[0] === 0x1a && bytes[1] === 0x45 && bytes[2] === 0xdf && bytes[3] === 0xa3) return 'webm';
  if (bytes.length >= 12 && text(0, 4) === 'FORM' && (text(8, 4) === 'AIFF' || text(8, 4) === 'AIFC')) return 'aiff';
  return 'unknown';
}

function fileName(file: Blob): string {
  const name = (file as { name?: unknown }).name;
  return typeof name === 'string' && name ? `"${name}"` : 'The file';
}

function tooLong(name: string, durationS: number, maxS: number): AudioDecodeError {
  return new AudioDecodeError(
    `${name} is ${(durationS / 60).toFixed(1)} min long; files over ${(maxS / 60).toFixed(0)} min are not accepted (cut out the part you want first)`,
  );
}

function defaultContext(rate: number): AudioDecoderContext {
  const Offline = (globalThis as { OfflineAudioContext?: typeof OfflineAudioContext }).OfflineAudioContext;
  if (!Offline) throw new AudioDecodeError('This browser has no Web Audio decoder (OfflineAudioContext); use a PCM WAV file');
  return new Offline({ numberOfChannels: 1, length: 1, sampleRate: rate });
}

async function decodeWithWebAudio(bytes: Uint8Array, options: DecodeOptions): Promise<AudioBufferLike> {
  const context = options.context ?? defaultContext(options.decodeRate ?? 48000);
  // decodeAudioData detaches the buffer it is given: hand it a copy.
  return context.decodeAudioData(bytes.slice().buffer);
}

/** Decodes an audio file (a File or Blob) into channels at a known sample rate. */
export async function decodeAudioFile(file: Blob, options: DecodeOptions = {}): Promise<DecodedFile> {
  const name = fileName(file);
  const maxS = options.maxDurationS ?? DEFAULT_MAX_S;
  if (file.size === 0) throw new AudioDecodeError(`${name} is empty (0 bytes)`);
  if (file.size > MAX_AUDIO_FILE_BYTES) {
    throw new AudioDecodeError(`${name} is ${(file.size / 2 ** 20).toFixed(0)} MB; audio files up to ${MAX_AUDIO_FILE_BYTES / 2 ** 20} MB can be used (cut out the part you want first)`);
  }
  const bytes = new Uint8Array(await file.arrayBuffer());
  const container = sniffContainer(bytes);

  let wavError: AudioDecodeError | undefined;
  if (container === 'wav') {
    let info: WavInfo | undefined;
    try {
      info = inspectWav(bytes); // the header only: long files are refused before decoding
    } catch (e) {
      // An encoding the browser may know (ADPCM, mu-law): try it below. A truncated or
      // inconsistent WAV is refused here: the browser's decoder would read what is there.
      if (!(e instanceof UnsupportedWavEncodingError)) throw e instanceof AudioDecodeError ? new AudioDecodeError(`${name}: ${e.message}`) : e;
      wavError = e;
    }
    if (info) {
      if (info.durationS > maxS) throw tooLong(name, info.durationS, maxS);
      const { sampleRate, channels } = decodeWav(bytes, { name });
      return { sampleRate, channels, durationS: info.durationS, container, decoder: 'wav' };
    }
  }

  let buffer: AudioBufferLike;
  try {
    buffer = await decodeWithWebAudio(bytes, options);
  } catch (e) {
    if (wavError) throw new AudioDecodeError(`${name}: ${wavError.message}`);
    const reason = e instanceof Error && e.message ? ` (${e.message})` : '';
    const kind = container === 'unknown' ? 'not a recognised audio format' : `looks like ${container.toUpperCase()}`;
    throw new AudioDecodeError(
      `${name} could not be decoded: ${kind}, and the browser's decoder refused it${reason}. Use WAV, MP3, OGG or FLAC; the file may be corrupt`,
    );
  }
  if (buffer.numberOfChannels === 0 || buffer.length === 0) throw new AudioDecodeError(`${name} decoded to no audio (0 samples)`);
  const durationS = buffer.length / buffer.sampleRate;
  if (durationS > maxS) throw tooLong(name, durationS, maxS);
  const channels = Array.from({ length: buffer.numberOfChannels }, (_, c) => buffer.getChannelData(c).slice());
  return { sampleRate: buffer.sampleRate, channels, durationS, container, decoder: 'web-audio' };
}
