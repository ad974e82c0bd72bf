/**
 * RIFF/WAVE reading and writing, without the Web Audio API: the CLI has none, and the
 * browser's decoder resamples to its context's rate, whereas this one returns the file's
 * own samples at the file's own rate.
 *
 * Read: integer PCM 8 (unsigned), 16, 24, 32 bit and IEEE float 32/64 bit, plain or
 * WAVE_FORMAT_EXTENSIBLE, any number of channels; unknown chunks (LIST, fact, cue, ...) are
 * skipped, honouring the pad byte after odd-sized chunks. Integers are scaled by 1 / 2^(bits-1)
 * (so full scale is [-1, 1)), the convention of numpy/soundfile/Web Audio. Anything else is
 * refused with an AudioDecodeError that says what was found and what would work.
 *
 * Validation happens on the header, before the samples are allocated: the data chunk must be
 * all there, the sample rate within 1 Hz..MAX_WAV_RATE, at most MAX_WAV_CHANNELS channels and
 * MAX_WAV_SAMPLES samples in all (about 10 minutes of 8-channel 48 kHz audio). Float files
 * holding NaN or +-Infinity are refused with the first bad sample's position. Given a file
 * name, every message starts with it.
 */

export class AudioDecodeError extends Error {
  override name = 'AudioDecodeError';
}

/** A well-formed WAV in an encoding this decoder does not read (ADPCM, mu-law, ...): another decoder may. */
export class UnsupportedWavEncodingError extends AudioDecodeError {
  override name = 'UnsupportedWavEncodingError';
}

export interface DecodedAudio {
  sampleRate: number;
  /** One array per channel, all the same length, full scale [-1, 1]. */
  channels: Float32Array[];
}

/** What the fmt and data chunks say, found without decoding the samples. */
export interface WavInfo {
  /** 'pcm' = integer samples, 'float' = IEEE float. */
  encoding: 'pcm' | 'float';
  /** Bits per stored sample (the container size: 8, 16, 24, 32 or 64). */
  bitsPerSample: number;
  channelCount: number;
  sampleRate: number;
  frameCount: number;
  durationS: number;
  extensible: boolean;
  /** Byte offset and length of the sample data in the file. */
  dataOffset: number;
  dataBytes: number;
}

/** Limits checked on the header, before decoding. */
export const MAX_WAV_RATE = 768000;
export const MAX_WAV_CHANNELS = 64;
export const MAX_WAV_SAMPLES = 2 ** 28;

export interface WavReadOptions {
  /** The file's name, at the start of every error message. */
  name?: string;
  /** Most samples (frames x channels) accepted; default MAX_WAV_SAMPLES. */
  maxSamples?: number;
}

/** Runs `f`, prefixing the message of an AudioDecodeError with the file's name. */
function named<T>(name: string | undefined, f: () => T): T {
  if (!name) return f();
  try {
    return f();
  } catch (e) {
    if (e instanceof AudioDecodeError && !e.message.startsWith(name)) {
      const Kind = e instanceof UnsupportedWavEncodingError ? UnsupportedWavEncodingError : AudioDecodeError;
      throw new Kind(`${name}: ${e.message}`);
    }
    throw e;
  }
}

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_IEEE_FLOAT = 0x0003;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

/** Names of common format tags, so that a refusal says what the file actually is. */
const FORMAT_NAMES: Record<number, string> = {
  0x0002: 'Microsoft ADPCM',
  0x0006: 'A-law',
  0x0007: 'mu-law',
  0x0011: 'IMA ADPCM',
  0x0031: 'GSM 6.10',
  0x0040: 'G.721 ADPCM',
  0x0050: 'MPEG',
  0x0055: 'MP3',
  0x00ff: 'AAC',
  0x1610: 'HE-AAC',
  0x2000: 'AC-3',
  0xf1ac: 'FLAC',
};

function hex4(tag: number): string {
  return `0x${tag.toString(16).toUpperCase().padStart(4, '0')}`;
}

function fourCC(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
}

function asBytes(input: ArrayBuffer | Uint8Array): Uint8Array {
  return input instanceof Uint8Array ? input : new Uint8Array(input);
}

interface Chunk {
  id: string;
  offset: number;
  size: number;
}

/** The top-level chunks after "RIFF....WAVE"; a final chunk may claim more bytes than exist. */
function listChunks(bytes: Uint8Array, view: DataView): Chunk[] {
  if (bytes.length === 0) throw new AudioDecodeError('The file is empty (0 bytes)');
  const magic = bytes.length >= 4 ? fourCC(bytes, 0) : '';
  if (magic === 'RIFX') throw new AudioDecodeError('Big-endian WAV (RIFX) is not supported; use a standard little-endian WAV');
  if (magic === 'RF64') throw new AudioDecodeError('RF64 (WAV over 4 GB) is not supported');
  if (bytes.length < 12) {
    if (magic === 'RIFF') throw new AudioDecodeError(`Truncated WAV header: the file has only ${bytes.length} bytes`);
    throw new AudioDecodeError('Not a WAV file (no RIFF/WAVE header)');
  }
  if (magic !== 'RIFF' || fourCC(bytes, 8) !== 'WAVE') throw new AudioDecodeError('Not a WAV file (no RIFF/WAVE header)');
  const chunks: Chunk[] = [];
  let at = 12;
  // A trailing fragment shorter than a chunk header (some writers leave one) is ignored.
  while (at + 8 <= bytes.length) {
    const size = view.getUint32(at + 4, true);
    chunks.push({ id: fourCC(bytes, at), offset: at + 8, size });
    at += 8 + size + (size & 1); // RIFF pads odd-sized chunks to an even length
  }
  return chunks;
}

function formatName(tag: number): string {
  const name = FORMAT_NAMES[tag];
  return name ? `${hex4(tag)} (${name})` : hex4(tag);
}

function unsupported(tag: number, bits: number): AudioDecodeError {
  if (tag === WAVE_FORMAT_PCM || tag === WAVE_FORMAT_IEEE_FLOAT) {
    const kind = tag === WAVE_FORMAT_PCM ? 'integer PCM' : 'float';
    return new UnsupportedWavEncodingError(`${bits}-bit ${kind} WAV is not supported; use 8/16/24/32-bit PCM or 32/64-bit float`);
  }
  return new UnsupportedWavEncodingError(`WAV encoding ${formatName(tag)} is not supported; use PCM or float`);
}

/** Reads the header (fmt and data chunks) and checks that the samples are all there. */
export function inspectWav(input: ArrayBuffer | Uint8Array, options: WavReadOptions = {}): WavInfo {
  return named(options.name, () => inspectHeader(asBytes(input), options.maxSamples ?? MAX_WAV_SAMPLES));
}

function inspectHeader(bytes: Uint8Array, maxSamples: number): WavInfo {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunks = listChunks(bytes, view);
  const fmt = chunks.find((c) => c.id === 'fmt ');
  if (!fmt) throw new AudioDecodeError(chunks.length === 0 ? 'Truncated WAV header: no chunks after RIFF/WAVE' : 'WAV file has no fmt chunk');
  if (fmt.size < 16 || fmt.offset + 16 > bytes.length) throw new AudioDecodeError('Truncated WAV header: the fmt chunk is incomplete');
  let tag = view.getUint16(fmt.offset, true);
  const channelCount = view.getUint16(fmt.offset + 2, true);
  const sampleRate = view.getUint32(fmt.offset + 4, true);
  const blockAlign = view.getUint16(fmt.offset + 12, true);
  const bitsPerSample = view.getUint16(fmt.offset + 14, true);
  const extensible = tag === WAVE_FORMAT_EXTENSIBLE;
  if (extensible) {
    // cbSize(2) validBits(2) channelMask(4) then the sub-format GUID, whose first 2 bytes are the tag.
    if (fmt.size < 40 || fmt.offset + 40 > bytes.length) throw new AudioDecodeError('Truncated WAV header: the WAVE_FORMAT_EXTENSIBLE fmt chunk is incomplete');
    tag = view.getUint16(fmt.offset + 24, true);
  }
  const supported =
    (tag === WAVE_FORMAT_PCM && [8, 16, 24, 32].includes(bitsPerSample)) ||
    (tag === WAVE_FORMAT_IEEE_FLOAT && (bitsPerSample === 32 || bitsPerSample === 64));
  if (!supported) throw unsupported(tag, bitsPerSample);
  if (channelCount === 0) throw new AudioDecodeError('WAV header declares 0 channels');
  if (sampleRate === 0) throw new AudioDecodeError('WAV header declares a sample rate of 0 Hz');
  if (sampleRate > MAX_WAV_RATE) throw new AudioDecodeError(`WAV header declares a sample rate of ${sampleRate} Hz (at most ${MAX_WAV_RATE} Hz are accepted)`);
  if (channelCount > MAX_WAV_CHANNELS) throw new AudioDecodeError(`WAV header declares ${channelCount} channels (at most ${MAX_WAV_CHANNELS} are accepted)`);
  const frameBytes = channelCount * (bitsPerSample / 8);
  if (blockAlign !== frameBytes) {
    throw new AudioDecodeError(`Inconsistent WAV header: block align is ${blockAlign} bytes, but ${channelCount} channel(s) of ${bitsPerSample} bits need ${frameBytes}`);
  }
  const data = chunks.find((c) => c.id === 'data');
  if (!data) throw new AudioDecodeError('WAV file has no data chunk');
  const present = Math.max(0, bytes.length - data.offset);
  if (data.size > present) {
    throw new AudioDecodeError(`Truncated WAV file: the data chunk declares ${data.size} bytes but only ${present} are present`);
  }
  if (data.size % frameBytes !== 0) {
    throw new AudioDecodeError(`Truncated WAV data: ${data.size} bytes is not a whole number of ${frameBytes}-byte frames`);
  }
  const frameCount = data.size / frameBytes;
  if (frameCount * channelCount > maxSamples) {
    throw new AudioDecodeError(`WAV file holds ${frameCount * channelCount} samples (${(frameCount / sampleRate).toFixed(1)} s x ${channelCount} channels); at most ${maxSamples} are accepted`);
  }
  return {
    encoding: tag === WAVE_FORMAT_PCM ? 'pcm' : 'float',
    bitsPerSample,
    channelCount,
    sampleRate,
    frameCount,
    durationS: frameCount / sampleRate,
    extensible,
    dataOffset: data.offset,
    dataBytes: data.size,
  };
}

type SampleReader = (view: DataView, at: number) => number;

function sampleReader(info: WavInfo): SampleReader {
  if (info.encoding === 'float') return info.bitsPerSample === 32 ? (v, at) => v.getFloat32(at, true) : (v, at) => v.getFloat64(at, true);
  switch (info.bitsPerSample) {
    case 8:
      return (v, at) => (v.getUint8(at) - 128) / 128; // 8-bit WAV is unsigned, centred on 128
    case 16:
      return (v, at) => v.getInt16(at, true) / 32768;
    case 24:
      return (v, at) => ((v.getUint8(at) | (v.getUint8(at + 1) << 8) | (v.getInt8(at + 2) << 16)) / 8388608);
    default:
      return (v, at) => v.getInt32(at, true) / 2147483648;
  }
}

/** Decodes a WAV file into one Float32Array per channel at the file's sample rate. */
export function decodeWav(input: ArrayBuffer | Uint8Array, options: WavReadOptions = {}): DecodedAudio {
  return named(options.name, () => decodeSamples(asBytes(input), options));
}

function decodeSamples(bytes: Uint8Array, options: WavReadOptions): DecodedAudio {
  const info = inspectHeader(bytes, options.maxSamples ?? MAX_WAV_SAMPLES);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const read = sampleReader(info);
  const step = info.bitsPerSample / 8;
  const frameBytes = step * info.channelCount;
  const channels = Array.from({ length: info.channelCount }, () => new Float32Array(info.frameCount));
  for (let c = 0; c < info.channelCount; c++) {
    const out = channels[c];
    let at = info.dataOffset + c * step;
    for (let i = 0; i < info.frameCount; i++, at += frameBytes) out[i] = read(view, at);
    if (info.encoding === 'float') {
      const bad = out.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw new AudioDecodeError(`sample ${bad} of channel ${c} is ${out[bad]}; NaN and Infinity are not accepted`);
    }
  }
  return { sampleRate: info.sampleRate, channels };
}

export interface WavEncodeOptions {
  /** Bits per sample: 8/16/24/32 for PCM, 32/64 for float. Default 16. */
  bitDepth?: 8 | 16 | 24 | 32 | 64;
  /** 'pcm' (integer, the default) or 'float' (IEEE float). */
  format?: 'pcm' | 'float';
}

/**
 * Encodes one channel (a Float32Array) or several (an array of equal-length Float32Arrays)
 * as a canonical 44-byte-header WAV. PCM clamps to [-1, 1] and rounds x * 2^(bits-1) to the
 * nearest integer (saturating at the top code), so decodeWav(encodeWav(x)) is exact for
 * values on the integer grid; float stores the values as they are.
 */
export function encodeWav(samples: Float32Array | Float32Array[], sampleRate: number, options: WavEncodeOptions = {}): Uint8Array<ArrayBuffer> {
  const channels = samples instanceof Float32Array ? [samples] : samples;
  const format = options.format ?? 'pcm';
  const bits = options.bitDepth ?? (format === 'float' ? 32 : 16);
  if (format === 'pcm' && ![8, 16, 24, 32].includes(bits)) throw new RangeError(`PCM WAV needs 8, 16, 24 or 32 bits, got ${bits}`);
  if (format === 'float' && bits !== 32 && bits !== 64) throw new RangeError(`float WAV needs 32 or 64 bits, got ${bits}`);
  if (channels.length === 0 || channels.length > 65535) throw new RangeError(`WAV needs 1..65535 channels, got ${channels.length}`);
  if (!Number.isInteger(sampleRate) || sampleRate <= 0 || sampleRate > 0xffffffff) throw new RangeError(`WAV sample rate must be a positive integer, got ${sampleRate}`);
  const frames = channels[0].length;
  if (channels.some((c) => c.length !== frames)) throw new RangeError('all channels must have the same length');
  const step = bits / 8;
  const frameBytes = step * channels.length;
  const dataBytes = frames * frameBytes;
  if (44 + dataBytes > 0xffffffff) throw new RangeError('too much audio for one WAV file (4 GB limit)');
  const out = new Uint8Array(44 + dataBytes + (dataBytes & 1));
  const view = new DataView(out.buffer);
  const ascii = (at: number, text: string) => {
    for (let i = 0; i < 4; i++) out[at + i] = text.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  view.setUint32(4, out.length - 8, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, format === 'pcm' ? WAVE_FORMAT_PCM : WAVE_FORMAT_IEEE_FLOAT, true);
  view.setUint16(22, channels.length, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * frameBytes, true);
  view.setUint16(32, frameBytes, true);
  view.setUint16(34, bits, true);
  ascii(36, 'data');
  view.setUint32(40, dataBytes, true);
  const scale = 2 ** (bits - 1);
  const quantise = (x: number) => Math.min(scale - 1, Math.max(-scale, Math.round(Math.min(1, Math.max(-1, x)) * scale)));
  for (let c = 0; c < channels.length; c++) {
    const ch = channels[c];
    let at = 44 + c * step;
    for (let i = 0; i < frames; i++, at += frameBytes) {
      const x = ch[i];
      if (!Number.isFinite(x)) throw new RangeError(`sample ${i} of channel ${c} is ${x}; WAV samples must be finite`);
      if (format === 'float') {
        if (bits === 32) view.setFloat32(at, x, true);
        else view.setFloat64(at, x, true);
        continue;
      }
      const q = quantise(x);
      if (bits === 8) view.setUint8(at, q + 128);
      else if (bits === 16) view.setInt16(at, q, true);
      else if (bits === 24) {
        view.setUint8(at, q & 0xff);
        view.setUint8(at + 1, (q >> 8) & 0xff);
        view.setInt8(at + 2, q >> 16);
      } else view.setInt32(at, q, true);
    }
  }
  return out;
}
