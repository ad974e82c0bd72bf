import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeAudioFile, sniffContainer, type AudioBufferLike, type AudioDecoderContext } from '../../src/audio/decode.browser.ts';
import { AudioDecodeError, encodeWav } from '../../src/audio/wav.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'wav');

/** A stand-in for BaseAudioContext: records calls, returns a fixed buffer or fails. */
function fakeContext(result: AudioBufferLike | Error): AudioDecoderContext & { calls: ArrayBuffer[] } {
  const calls: ArrayBuffer[] = [];
  return {
    calls,
    async decodeAudioData(data: ArrayBuffer) {
      calls.push(data);
      if (result instanceof Error) throw result;
      return result;
    },
  };
}

function fakeBuffer(channels: Float32Array[], sampleRate: number): AudioBufferLike {
  return { sampleRate, length: channels[0]?.length ?? 0, numberOfChannels: channels.length, getChannelData: (c) => channels[c] };
}

const named = (parts: BlobPart[], name: string) => new File(parts, name);
const mp3Bytes = Uint8Array.from([0x49, 0x44, 0x33, 4, 0, 0, 0, 0, 0, 0, 0xff, 0xfb, 0x90, 0x64]);

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

describe('decodeAudioFile', () => {
  it('decodes PCM WAV itself at the file rate, without the browser decoder', async () => {
    const ctx = fakeContext(new Error('must not be called'));
    const wav = readFileSync(join(FIXTURES, 'pcm16_stereo.wav'));
    const d = await decodeAudioFile(named([wav], 'a.wav'), { context: ctx });
    expect(ctx.calls.length).toBe(0);
    expect(d).toMatchObject({ sampleRate: 8000, decoder: 'wav', container: 'wav', durationS: 400 / 8000 });
    expect(d.channels.length).toBe(2);
  });

  it('hands other formats to the Web Audio decoder, with a copy of the bytes', async () => {
    const left = Float32Array.of(0.1, 0.2, 0.3);
    const right = Float32Array.of(-0.1, -0.2, -0.3);
    const ctx = fakeContext(fakeBuffer([left, right], 48000));
    const d = await decodeAudioFile(named([mp3Bytes], 'song.mp3'), { context: ctx });
    expect(d).toMatchObject({ sampleRate: 48000, decoder: 'web-audio', container: 'mp3', durationS: 3 / 48000 });
    expect(d.channels[1]).toEqual(right);
    expect(d.channels[1]).not.toBe(right); // copies: the AudioBuffer may be reused
    expect(new Uint8Array(ctx.calls[0])).toEqual(mp3Bytes);
  });

  it('tries the browser for WAV encodings decodeWav refuses (e.g. mu-law)', async () => {
    const wav = encodeWav(new Float32Array(8), 8000);
    new DataView(wav.buffer).setUint16(20, 7, true); // format tag -> mu-law
    const ok = fakeContext(fakeBuffer([new Float32Array(16).fill(0.5)], 8000));
    const d = await decodeAudioFile(named([wav], 'ulaw.wav'), { context: ok });
    expect(d.decoder).toBe('web-audio');
    expect(ok.calls.length).toBe(1);
    // ...and if the browser cannot either, the WAV decoder's message says what the file is
    const e = await rejection(decodeAudioFile(named([wav], 'ulaw.wav'), { context: fakeContext(new Error('EncodingError')) }));
    expect(e).toBeInstanceOf(AudioDecodeError);
    expect(e.message).toBe('"ulaw.wav": WAV encoding 0x0007 (mu-law) is not supported; use PCM or float');
  });

  it('a corrupt or unsupported file gives a clear error naming the file and the guessed format', async () => {
    const ctx = fakeContext(new Error('Unable to decode audio data'));
    const e1 = await rejection(decodeAudioFile(named([mp3Bytes], 'bad.mp3'), { context: ctx }));
    expect(e1).toBeInstanceOf(AudioDecodeError);
    expect(e1.message).toMatch(/^"bad\.mp3" could not be decoded: looks like MP3, and the browser's decoder refused it \(Unable to decode audio data\)\. Use WAV, MP3, OGG or FLAC/);
    const e2 = await rejection(decodeAudioFile(new Blob(['hello, not audio']), { context: ctx }));
    expect(e2.message).toMatch(/^The file could not be decoded: not a recognised audio format/);
  });

  it('a truncated PCM WAV is reported as truncated', async () => {
    const wav = encodeWav(new Float32Array(100), 8000);
    const e = await rejection(decodeAudioFile(named([wav.subarray(0, 150)], 'cut.wav'), { context: fakeContext(new Error('x')) }));
    expect(e.message).toMatch(/"cut\.wav": Truncated WAV file/);
  });

  it('empty files and empty decodes are refused', async () => {
    const ctx = fakeContext(fakeBuffer([new Float32Array(0)], 44100));
    expect((await rejection(decodeAudioFile(named([], 'x.ogg'), { context: ctx }))).message).toBe('"x.ogg" is empty (0 bytes)');
    expect((await rejection(decodeAudioFile(named([mp3Bytes], 'x.mp3'), { context: ctx }))).message).toMatch(/decoded to no audio/);
  });

  it('files over 10 minutes are refused: WAV from its header (never decoded), others after decoding', async () => {
    // A WAV header claiming 11 min of 8 kHz mono 8-bit: 5.28 MB of data, all present.
    const frames = 8000 * 660;
    const big = encodeWav(new Float32Array(frames), 8000, { bitDepth: 8 });
    const e = await rejection(decodeAudioFile(named([big], 'long.wav'), { context: fakeContext(new Error('must not be called')) }));
    expect(e.message).toMatch(/"long\.wav" is 11\.0 min long; files over 10 min are not accepted/);
    const longBuffer = { sampleRate: 8000, length: 8000 * 601, numberOfChannels: 1, getChannelData: () => { throw new Error('must not copy'); } };
    const e2 = await rejection(decodeAudioFile(named([mp3Bytes], 'long.mp3'), { context: fakeContext(longBuffer) }));
    expect(e2.message).toMatch(/10\.0 min long/);
    // the limit is adjustable
    const ok = await decodeAudioFile(named([big], 'long.wav'), { maxDurationS: 700 });
    expect(ok.channels[0].length).toBe(frames);
  });

  it('without a context in a runtime with no Web Audio, non-WAV files get a clear error', async () => {
    const e = await rejection(decodeAudioFile(named([mp3Bytes], 'a.mp3')));
    expect(e.message).toMatch(/could not be decoded.*no Web Audio decoder/);
  });
});

describe('sniffContainer', () => {
  const b = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
  it('recognises the common containers by their magic bytes', () => {
    expect(sniffContainer(b('RIFF\0\0\0\0WAVEfmt '))).toBe('wav');
    expect(sniffContainer(mp3Bytes)).toBe('mp3');
    expect(sniffContainer(Uint8Array.of(0xff, 0xfb, 0x90))).toBe('mp3');
    expect(sniffContainer(b('OggS\0\x02'))).toBe('ogg');
    expect(sniffContainer(b('fLaC\0\0\0\x22'))).toBe('flac');
    expect(sniffContainer(b('\0\0\0\x20ftypM4A '))).toBe('mp4');
    expect(sniffContainer(Uint8Array.of(0x1a, 0x45, 0xdf, 0xa3))).toBe('webm');
    expect(sniffContainer(b('FORM\0\0\0\0AIFF'))).toBe('aiff');
    expect(sniffContainer(b('RIFF\0\0\0\0AVI '))).toBe('unknown');
    expect(sniffContainer(new Uint8Array(0))).toBe('unknown');
  });
});
