import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AudioDecodeError, decodeWav, encodeWav, inspectWav } from '../../src/audio/wav.ts';
import { parseNpy } from '../../src/io/npy.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'wav');
const fixture = (name: string) => new Uint8Array(readFileSync(join(FIXTURES, name)));

/** A WAV assembled chunk by chunk here, independently of encodeWav, for the error paths. */
function riff(chunks: Array<[string, Uint8Array]>, { form = 'WAVE', magic = 'RIFF' } = {}): Uint8Array {
  const parts: number[] = [];
  const ascii = (s: string) => [...s].forEach((c) => parts.push(c.charCodeAt(0)));
  const u32 = (v: number) => parts.push(v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff);
  ascii(magic);
  u32(0); // patched below
  ascii(form);
  for (const [id, payload] of chunks) {
    ascii(id);
    u32(payload.length);
    parts.push(...payload);
    if (payload.length & 1) parts.push(0);
  }
  const out = Uint8Array.from(parts);
  new DataView(out.buffer).setUint32(4, out.length - 8, true);
  return out;
}

function fmtChunk(tag: number, channels: number, rate: number, bits: number, blockAlign = (channels * bits) / 8): Uint8Array {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setUint16(0, tag, true);
  v.setUint16(2, channels, true);
  v.setUint32(4, rate, true);
  v.setUint32(8, rate * blockAlign, true);
  v.setUint16(12, blockAlign, true);
  v.setUint16(14, bits, true);
  return b;
}

const pcm16Data = (codes: number[]) => {
  const b = new Uint8Array(codes.length * 2);
  codes.forEach((c, i) => new DataView(b.buffer).setInt16(2 * i, c, true));
  return b;
};

function expectDecodeError(bytes: Uint8Array | ArrayBuffer, message: RegExp): void {
  let caught: unknown;
  try {
    decodeWav(bytes);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(AudioDecodeError);
  expect((caught as Error).message).toMatch(message);
}

describe('decodeWav on fixtures from independent encoders (python wave, scipy, hand-packed)', () => {
  const cases: Array<[string, number, number, string, number]> = [
    // name, rate, channels, encoding, bits
    ['pcm8_mono', 8000, 1, 'pcm', 8],
    ['pcm16_stereo', 8000, 2, 'pcm', 16],
    ['pcm24_mono', 8000, 1, 'pcm', 24],
    ['pcm32_stereo', 8000, 2, 'pcm', 32],
    ['float32_mono', 8000, 1, 'float', 32],
    ['float64_stereo', 8000, 2, 'float', 64],
    ['extensible24_stereo', 11025, 2, 'pcm', 24],
    ['chunky16_mono', 16000, 1, 'pcm', 16],
    ['odd8_mono', 8000, 1, 'pcm', 8],
  ];
  for (const [name, rate, channels, encoding, bits] of cases) {
    it(`${name}: every sample equals the encoder's value`, () => {
      const bytes = fixture(`${name}.wav`);
      const expected = parseNpy(fixture(`${name}.npy`)); // float64 -> float32 on read
      const decoded = decodeWav(bytes);
      expect(decoded.sampleRate).toBe(rate);
      expect(decoded.channels.length).toBe(channels);
      expect(expected.shape[0]).toBe(channels);
      const frames = expected.shape[1];
      const info = inspectWav(bytes);
      expect(info).toMatchObject({ encoding, bitsPerSample: bits, channelCount: channels, sampleRate: rate, frameCount: frames });
      expect(info.extensible).toBe(name.startsWith('extensible'));
      for (let c = 0; c < channels; c++) {
        const got = decoded.channels[c];
        expect(got.length).toBe(frames);
        const want = expected.data.subarray(c * frames, (c + 1) * frames);
        let worst = 0;
        for (let i = 0; i < frames; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
        expect(worst).toBe(0);
      }
    });
  }

  it('integer full scale: -1 is exact, +1 saturates one code below', () => {
    const d = decodeWav(fixture('pcm16_stereo.wav')).channels[0];
    expect(d[4]).toBe(-1);
    expect(d[3]).toBe(32767 / 32768);
    const d8 = decodeWav(fixture('pcm8_mono.wav')).channels[0];
    expect(d8[4]).toBe(-1);
    expect(d8[3]).toBe(127 / 128);
  });

  it('float WAV above full scale is not clipped', () => {
    expect(decodeWav(fixture('float32_mono.wav')).channels[0][5]).toBe(1.5);
  });

  it('accepts an ArrayBuffer and a Uint8Array view at an offset', () => {
    const bytes = fixture('pcm16_stereo.wav');
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    const a = decodeWav(bytes.slice().buffer);
    const b = decodeWav(shifted.subarray(3));
    expect(b.channels[1]).toEqual(a.channels[1]);
  });
});

describe('encodeWav -> decodeWav round trips', () => {
  const rng = (() => {
    let s = 12345;
    return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  })();
  const noise = (n: number) => Float32Array.from({ length: n }, rng);

  for (const bits of [8, 16, 24, 32] as const) {
    it(`${bits}-bit PCM: values on the integer grid survive exactly, others within half a step`, () => {
      const scale = 2 ** (bits - 1);
      const codes = [-scale, -1, 0, 1, scale - 1, Math.round(scale / 3)];
      // Float32 holds integers up to 2^24 exactly: for 32 bits use codes that are multiples of 2^8.
      const onGrid = Float32Array.from(codes.map((c) => (bits === 32 ? Math.round(c / 256) * 256 + 0 : c) / scale));
      const back = decodeWav(encodeWav(onGrid, 22050, { bitDepth: bits })).channels[0];
      expect(Array.from(back)).toEqual(Array.from(onGrid));
      const x = noise(1001); // odd length: 8-bit data gets a pad byte
      const y = decodeWav(encodeWav([x, x.map((v) => -v)], 44100, { bitDepth: bits }));
      expect(y.sampleRate).toBe(44100);
      expect(y.channels.length).toBe(2);
      for (let c = 0; c < 2; c++) {
        for (let i = 0; i < x.length; i++) {
          // the top code is (scale - 1) / scale: values above it saturate there
          const want = Math.min(c === 0 ? x[i] : -x[i], (scale - 1) / scale);
          // half a quantisation step (+ float32 rounding of the decoded value for 32 bits)
          expect(Math.abs(y.channels[c][i] - want)).toBeLessThanOrEqual(0.5 / scale + 1e-7);
        }
      }
    });
  }

  it('16-bit clamps out-of-range values to full scale', () => {
    const y = decodeWav(encodeWav(Float32Array.of(2, -3, 1, -1), 8000)).channels[0];
    expect(Array.from(y)).toEqual([32767 / 32768, -1, 32767 / 32768, -1]);
  });

  for (const bits of [32, 64] as const) {
    it(`${bits}-bit float is bit exact, including values beyond +-1`, () => {
      const x = Float32Array.from([...noise(300), 1.5, -2.25, 1e-30, 0]);
      const y = decodeWav(encodeWav(x, 48000, { format: 'float', bitDepth: bits }));
      expect(y.channels[0]).toEqual(x);
      expect(inspectWav(encodeWav(x, 48000, { format: 'float', bitDepth: bits }))).toMatchObject({ encoding: 'float', bitsPerSample: bits });
    });
  }

  it('default float depth is 32 and the header is 44 bytes', () => {
    const bytes = encodeWav(new Float32Array(10), 16000, { format: 'float' });
    expect(bytes.length).toBe(44 + 40);
  });

  it('refuses non-finite samples and impossible formats', () => {
    expect(() => encodeWav(Float32Array.of(0, NaN), 8000)).toThrow(/sample 1 of channel 0 is NaN/);
    expect(() => encodeWav(new Float32Array(2), 8000, { bitDepth: 64 })).toThrow(/PCM WAV needs/);
    expect(() => encodeWav(new Float32Array(2), 8000, { format: 'float', bitDepth: 16 })).toThrow(/float WAV needs/);
    expect(() => encodeWav([new Float32Array(2), new Float32Array(3)], 8000)).toThrow(/same length/);
    expect(() => encodeWav(new Float32Array(2), 44100.5)).toThrow(/positive integer/);
  });
});

describe('decodeWav errors', () => {
  const fmt16 = fmtChunk(1, 1, 8000, 16);
  it('empty file', () => expectDecodeError(new Uint8Array(0), /empty \(0 bytes\)/));
  it('not RIFF/WAVE', () => {
    expectDecodeError(new TextEncoder().encode('ID3\x04 this is an mp3 really'), /Not a WAV file/);
    expectDecodeError(riff([['fmt ', fmt16]], { form: 'AVI ' }), /Not a WAV file/);
    expectDecodeError(riff([['fmt ', fmt16]], { magic: 'RIFX' }), /Big-endian WAV \(RIFX\)/);
  });
  it('truncated header', () => {
    expectDecodeError(new TextEncoder().encode('RIFF\x10\0'), /Truncated WAV header/);
    expectDecodeError(riff([]), /Truncated WAV header/);
    const whole = riff([['fmt ', fmt16], ['data', pcm16Data([1, 2])]]);
    expectDecodeError(whole.subarray(0, 12 + 8 + 10), /Truncated WAV header: the fmt chunk is incomplete/);
  });
  it('missing fmt or data chunk', () => {
    expectDecodeError(riff([['data', pcm16Data([1, 2])]]), /no fmt chunk/);
    expectDecodeError(riff([['fmt ', fmt16], ['LIST', new Uint8Array(3)]]), /no data chunk/);
  });
  it('unsupported encodings are named', () => {
    expectDecodeError(riff([['fmt ', fmtChunk(2, 1, 8000, 4, 256)], ['data', new Uint8Array(256)]]), /WAV encoding 0x0002 \(Microsoft ADPCM\) is not supported; use PCM or float/);
    expectDecodeError(riff([['fmt ', fmtChunk(7, 1, 8000, 8)], ['data', new Uint8Array(4)]]), /0x0007 \(mu-law\)/);
    expectDecodeError(riff([['fmt ', fmtChunk(0x1234, 1, 8000, 8)], ['data', new Uint8Array(4)]]), /WAV encoding 0x1234 is not supported/);
    expectDecodeError(riff([['fmt ', fmtChunk(1, 1, 8000, 12, 2)], ['data', new Uint8Array(4)]]), /12-bit integer PCM WAV is not supported/);
    expectDecodeError(riff([['fmt ', fmtChunk(3, 1, 8000, 16)], ['data', new Uint8Array(4)]]), /16-bit float WAV is not supported/);
  });
  it('extensible with a non-PCM sub-format is named by its sub-format', () => {
    const ext = new Uint8Array(40);
    ext.set(fmtChunk(0xfffe, 1, 8000, 8));
    const v = new DataView(ext.buffer);
    v.setUint16(16, 22, true);
    v.setUint16(18, 8, true);
    v.setUint16(24, 0x0006, true); // A-law sub-format GUID
    expectDecodeError(riff([['fmt ', ext], ['data', new Uint8Array(4)]]), /0x0006 \(A-law\)/);
    expectDecodeError(riff([['fmt ', ext.subarray(0, 20)], ['data', new Uint8Array(4)]]), /EXTENSIBLE fmt chunk is incomplete/);
  });
  it('zero channels, zero rate, inconsistent block align', () => {
    expectDecodeError(riff([['fmt ', fmtChunk(1, 0, 8000, 16, 0)], ['data', new Uint8Array(4)]]), /0 channels/);
    expectDecodeError(riff([['fmt ', fmtChunk(1, 1, 0, 16)], ['data', new Uint8Array(4)]]), /sample rate of 0 Hz/);
    expectDecodeError(riff([['fmt ', fmtChunk(1, 2, 8000, 16, 2)], ['data', new Uint8Array(4)]]), /block align is 2 bytes/);
  });
  it('data chunk shorter than declared is "truncated", not decoded in part', () => {
    const whole = riff([['fmt ', fmt16], ['data', pcm16Data([1, 2, 3, 4, 5])]]);
    expect(decodeWav(whole).channels[0].length).toBe(5);
    expectDecodeError(whole.subarray(0, whole.length - 3), /Truncated WAV file: the data chunk declares 10 bytes but only 7 are present/);
    expectDecodeError(riff([['fmt ', fmt16], ['data', new Uint8Array(5)]]), /not a whole number of 2-byte frames/);
  });
  it('unknown chunks (odd sized, before and after fmt) are skipped', () => {
    const bytes = riff([
      ['junk', new Uint8Array(7).fill(0xaa)],
      ['fmt ', fmt16],
      ['LIST', new Uint8Array(1).fill(0xbb)],
      ['data', pcm16Data([-32768, 16384, 32767])],
      ['id3 ', new Uint8Array(3)],
    ]);
    expect(Array.from(decodeWav(bytes).channels[0])).toEqual([-1, 0.5, 32767 / 32768]);
  });
});
