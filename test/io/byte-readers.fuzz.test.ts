/**
 * Fuzzing the byte readers: .npy (parseNpy / parseNpy64), PNG/JPEG (decodeImageBytes), WAV
 * (decodeWav). Corpora of valid files in every supported variant, truncated at random points,
 * with bytes flipped, header words set to extreme values, bytes inserted and garbage appended;
 * plus hand-made oversized headers. Each outcome is a valid result or a one-line error naming
 * the file (fuzz-kit.ts).
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode as encodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import { parseNpy, parseNpy64, writeNpy } from '../../src/io/npy.ts';
import { decodeImageBytes } from '../../src/io/png-node.ts';
import { decodeWav, encodeWav } from '../../src/audio/wav.ts';
import { Rng, extremeWord, mutants, outcome, tally } from './fuzz-kit.ts';

const NPY_DIR = join(import.meta.dirname, '..', 'fixtures', 'npy');

describe('fuzz: .npy reader', () => {
  const seeds: Uint8Array[] = readdirSync(NPY_DIR).filter((f) => f.startsWith('dtype_') || f.startsWith('version')).map((f) => new Uint8Array(readFileSync(join(NPY_DIR, f))));
  seeds.push(writeNpy(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]));

  it('500 mutants: valid arrays or one-line errors naming the file', async () => {
    const results = [];
    for (const [i, bytes] of mutants(seeds, 500, 1301).entries()) {
      for (const read of [parseNpy, parseNpy64]) {
        results.push(await outcome('mutant.npy', `npy mutant ${i}`, () => read(bytes, { name: 'mutant.npy' }), (arr) => {
          expect(arr.data.length).toBe(arr.shape.reduce((a, b) => a * b, 1));
          for (const v of arr.data) expect(Number.isFinite(v)).toBe(true);
        }));
      }
    }
    const t = tally(results);
    expect(t.accepted).toBeGreaterThan(20);
    expect(t.refused).toBeGreaterThan(200);
  });

  it('oversized, lying and unrepresentable headers are refused before allocating', () => {
    const header = (dict: string, dataBytes = 0) => {
      const text = `${dict}${' '.repeat(Math.max(0, 117 - dict.length))}\n`;
      const out = new Uint8Array(10 + text.length + dataBytes);
      out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
      new DataView(out.buffer).setUint16(8, text.length, true);
      for (let i = 0; i < text.length; i++) out[10 + i] = text.charCodeAt(i);
      return out;
    };
    const cases: [Uint8Array, RegExp][] = [
      [header("{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000), }"), /huge\.npy: shape \[100000,100000\] has 10000000000 elements; at most/],
      [header("{'descr': '<f4', 'fortran_order': False, 'shape': (10,), }", 8), /huge\.npy: truncated data: shape \[10\] needs 40 bytes, file has 8/],
      [header("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", 8), /huge\.npy: 4 bytes after the data/],
      [header("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }"), /huge\.npy: bad shape entry "-1"/],
    ];
    for (const [bytes, message] of cases) expect(() => parseNpy(bytes, { name: 'huge.npy' })).toThrow(message);
    // int64 above float32's exact integers, and above 2^53 even for float64.
    const i8 = header("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", 16);
    const view = new DataView(i8.buffer);
    view.setBigInt64(i8.length - 16, 16777217n, true);
    expect(() => parseNpy(i8, { name: 'big.npy' })).toThrow(/big\.npy: element 0 is 16777217, which float32 cannot hold exactly/);
    expect(Array.from(parseNpy64(i8, { name: 'big.npy' }).data)).toEqual([16777217, 0]);
    view.setBigInt64(i8.length - 8, 2n ** 53n + 1n, true);
    expect(() => parseNpy64(i8, { name: 'big.npy' })).toThrow(/big\.npy: element 1 is 9007199254740993, beyond 2\^53/);
    // NaN and Infinity anywhere.
    const nan = writeNpy(Float32Array.from([0, NaN, 1]), [3]);
    expect(() => parseNpy(nan, { name: 'nan.npy' })).toThrow(/nan\.npy: element 1 \(of shape \[3\]\) is NaN; NaN and Infinity are not accepted/);
    expect(parseNpy(nan, { name: 'nan.npy', allowNonFinite: true }).data[1]).toBeNaN();
  });
});

function pngSeeds(rng: Rng): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const [channels, depth] of [[1, 1], [1, 2], [1, 4], [1, 8], [1, 16], [2, 8], [3, 8], [4, 8], [3, 16]] as const) {
    const width = 3 + rng.int(5);
    const height = 2 + rng.int(4);
    const n = depth < 8 ? Math.ceil((width * depth) / 8) * height : width * height * channels;
    const data = depth === 16 ? Uint16Array.from({ length: n }, () => rng.int(65536)) : Uint8Array.from({ length: n }, () => rng.int(256));
    out.push(encodePng({ width, height, data, channels, depth }));
  }
  const rgba = Buffer.from(Uint8Array.from({ length: 6 * 5 * 4 }, () => rng.int(256)));
  out.push(new Uint8Array(jpeg.encode({ width: 6, height: 5, data: rgba }, 80).data));
  return out;
}

describe('fuzz: PNG / JPEG reader', () => {
  const seeds = pngSeeds(new Rng(7));

  it('every seed decodes exactly (1-, 2-, 4-bit grey included)', () => {
    for (const bytes of seeds) {
      const img = decodeImageBytes(bytes, 'seed.png');
      expect(img.data.length).toBe(img.width * img.height * img.channels);
    }
    // A 1-bit grey PNG: 4x2 pixels 1111 / 0101.
    const bits = decodeImageBytes(encodePng({ width: 4, height: 2, data: new Uint8Array([0xf0, 0x50]), channels: 1, depth: 1 }), 'bits.png');
    expect(Array.from(bits.data)).toEqual([1, 1, 1, 1, 0, 1, 0, 1]);
  });

  it('400 mutants: images in [0, 1] of the declared size, or one-line errors naming the file', async () => {
    const results = [];
    for (const [i, bytes] of mutants(seeds, 400, 2203, [extremeWord(40), ...[0, 1, 2, 3].map(() => (b: Uint8Array, r: Rng) => mutants([b], 1, r.nextUint32())[0])]).entries()) {
      results.push(await outcome('photo.png', `image mutant ${i}`, () => decodeImageBytes(bytes, 'photo.png'), (img) => {
        expect(img.width).toBeGreaterThan(0);
        expect(img.height).toBeGreaterThan(0);
        expect(img.data.length).toBe(img.width * img.height * img.channels);
        for (const v of img.data) expect(v >= 0 && v <= 1).toBe(true);
      }));
    }
    const t = tally(results);
    expect(t.refused).toBeGreaterThan(100);
    expect(t.accepted).toBeGreaterThan(5);
  });

  it('headers declaring 0x0, 16000x16000 or 50000x50000 pixels are refused before decoding', () => {
    const png = encodePng({ width: 2, height: 2, data: new Uint8Array(4), channels: 1, depth: 8 });
    for (const [w, h, message] of [[0, 0, /has no pixels \(0x0\)/], [16000, 16000, /is 16000x16000 pixels \(256 megapixels\)/], [50000, 50000, /is 50000x50000 pixels/]] as const) {
      const b = png.slice();
      new DataView(b.buffer).setUint32(16, w);
      new DataView(b.buffer).setUint32(20, h);
      expect(() => decodeImageBytes(b, 'declared.png')).toThrow(new RegExp(`^declared\\.png: the header says the image ${message.source}`));
    }
  });
});

describe('fuzz: WAV reader', () => {
  const rng = new Rng(5);
  const clip = Float32Array.from({ length: 64 }, () => rng.uniform() * 2 - 1);
  const seeds = [
    ...([8, 16, 24, 32] as const).map((bitDepth) => encodeWav(clip, 16000, { bitDepth })),
    encodeWav([clip, clip.map((v) => -v)], 22050, { bitDepth: 16 }),
    encodeWav(clip, 20000, { format: 'float', bitDepth: 32 }),
    encodeWav(clip, 20000, { format: 'float', bitDepth: 64 }),
  ];

  it('500 mutants: finite equal-length channels, or one-line errors naming the file', async () => {
    const results = [];
    for (const [i, bytes] of mutants(seeds, 500, 3307, [extremeWord(44), ...[0, 1].map(() => (b: Uint8Array, r: Rng) => mutants([b], 1, r.nextUint32())[0])]).entries()) {
      results.push(await outcome('take.wav', `wav mutant ${i}`, () => decodeWav(bytes, { name: 'take.wav' }), (a) => {
        expect(a.sampleRate).toBeGreaterThan(0);
        expect(a.channels.length).toBeGreaterThan(0);
        for (const c of a.channels) {
          expect(c.length).toBe(a.channels[0].length);
          for (const v of c) expect(Number.isFinite(v)).toBe(true);
        }
      }));
    }
    const t = tally(results);
    expect(t.refused).toBeGreaterThan(100);
    expect(t.accepted).toBeGreaterThan(20);
  });

  it('refuses NaN samples, absurd rates and sample counts over the limit', () => {
    const f = encodeWav(clip, 20000, { format: 'float' });
    new DataView(f.buffer).setFloat32(44 + 4 * 3, NaN, true);
    expect(() => decodeWav(f, { name: 'nan.wav' })).toThrow(/^nan\.wav: sample 3 of channel 0 is NaN/);
    const r = encodeWav(clip, 20000);
    new DataView(r.buffer).setUint32(24, 4_000_000_000, true);
    expect(() => decodeWav(r, { name: 'rate.wav' })).toThrow(/^rate\.wav: WAV header declares a sample rate of 4000000000 Hz/);
    expect(() => decodeWav(encodeWav(clip, 20000), { name: 'long.wav', maxSamples: 10 })).toThrow(/^long\.wav: WAV file holds 64 samples .* at most 10/);
  });
});
