import { describe, expect, it } from 'vitest';
import jpeg from 'jpeg-js';
import type { StepRecord } from '../../src/engine/types.ts';
import {
  PREPARED_SET_SCHEMA, base64ToBytes, bytesToBase64, downsampleRecords, indexEntry, parsePreparedSet, pickFrames, type PreparedSet,
} from '../../src/export/prepared-run.ts';
import { decodeCochleagram, decodeStimulus, encodeAudio, encodeCochleagram, encodeImage } from '../../src/export/prepared-codec.ts';
import { Rng } from '../../src/engine/random.ts';

function records(n: number, passes: number): StepRecord[] {
  const per = n / passes;
  return Array.from({ length: n }, (_, step) => ({ step, loss: 1 / (step + 1), eta: 2 ** -Math.floor(step / per), gradNorm: 1 }));
}

describe('downsampleRecords', () => {
  it('keeps short histories whole', () => {
    const r = records(50, 2);
    expect(downsampleRecords(r, 100)).toEqual(r);
  });

  it('keeps the ends and both sides of every step-size change, in order, within the limit', () => {
    const r = records(24000, 8);
    const d = downsampleRecords(r, 240);
    expect(d.length).toBeLessThanOrEqual(240);
    expect(d.length).toBeGreaterThan(200);
    expect(d[0].step).toBe(0);
    expect(d.at(-1)!.step).toBe(23999);
    for (let p = 1; p < 8; p++) {
      expect(d.some((x) => x.step === p * 3000 - 1)).toBe(true);
      expect(d.some((x) => x.step === p * 3000)).toBe(true);
    }
    for (let i = 1; i < d.length; i++) expect(d[i].step).toBeGreaterThan(d[i - 1].step);
  });
});

describe('pickFrames', () => {
  it('keeps the first and last snapshots and spaces the rest in log(step + 1)', () => {
    const steps = Array.from({ length: 101 }, (_, i) => i * 20); // 0..2000
    const picked = pickFrames(steps, 5).map((i) => steps[i]);
    expect(picked[0]).toBe(0);
    expect(picked.at(-1)).toBe(2000);
    expect(picked).toHaveLength(5);
    // log-spaced targets expm1(k/4 * log 2001): 5.7, 43.7, 333.8 -> nearest multiples of 20
    // targets expm1(k/4 * ln 2001) = 5.7, 43.7, 298: the nearest snapshots not yet kept
    expect(picked).toEqual([0, 20, 40, 300, 2000]);
  });

  it('keeps everything when there are fewer snapshots than wanted', () => {
    expect(pickFrames([0, 1, 2], 4)).toEqual([0, 1, 2]);
  });
});

describe('base64', () => {
  it('round-trips every byte value and long arrays', () => {
    const bytes = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7919) & 255);
    expect(base64ToBytes(bytesToBase64(bytes))).toEqual(bytes);
    expect(bytesToBase64(Uint8Array.of(0, 255, 1))).toBe(Buffer.from([0, 255, 1]).toString('base64'));
  });
});

describe('stimulus codecs', () => {
  const rng = new Rng(3);
  it('PNG images come back within half a grey level of their range', async () => {
    const shape = [7, 5, 3];
    const data = Float32Array.from({ length: 105 }, () => rng.uniform() * 255);
    const back = await decodeStimulus(encodeImage(data, shape, [0, 255]));
    expect(back.shape).toEqual(shape);
    for (let i = 0; i < data.length; i++) expect(Math.abs(back.data[i] - data[i])).toBeLessThanOrEqual(0.5 + 1e-4);
  });

  it('JPEG images decode through the given decoder to the right shape and roughly the right values', async () => {
    const shape = [16, 16, 1];
    const data = Float32Array.from({ length: 256 }, (_, i) => (i % 16) / 15);
    const enc = encodeImage(data, shape, [0, 1], {
      quality: 90,
      encode: (p) => {
        const rgba = new Uint8Array(p.width * p.height * 4).map((_, j) => (j % 4 === 3 ? 255 : p.data[Math.floor(j / 4)]));
        return new Uint8Array(jpeg.encode({ width: p.width, height: p.height, data: rgba }, 90).data);
      },
    });
    expect(enc.format).toBe('jpeg');
    await expect(decodeStimulus(enc)).rejects.toThrow(/JPEG/);
    const back = await decodeStimulus(enc, (bytes) => {
      const img = jpeg.decode(bytes, { useTArray: true });
      return { width: img.width, height: img.height, channels: 4, data: img.data };
    });
    expect(back.shape).toEqual(shape);
    let err = 0;
    for (let i = 0; i < 256; i++) err = Math.max(err, Math.abs(back.data[i] - data[i]));
    expect(err).toBeLessThan(0.1);
  });

  it('mu-law audio keeps ~38 dB SNR of a speech-like clip, scaled by its peak', async () => {
    const n = 4000;
    const x = Float32Array.from({ length: n }, (_, i) => 0.3 * Math.sin(i / 7) * Math.exp(-i / 2000) + 0.01 * rng.normal());
    const e = encodeAudio(x, 20000);
    expect(base64ToBytes(e.base64)).toHaveLength(n);
    const back = (await decodeStimulus(e)).data;
    let s = 0;
    let noise = 0;
    for (let i = 0; i < n; i++) {
      s += x[i] ** 2;
      noise += (back[i] - x[i]) ** 2;
    }
    expect(10 * Math.log10(s / noise)).toBeGreaterThan(30);
  });

  it('cochleagrams come back within one 8-bit level of their value range', () => {
    const data = Float32Array.from({ length: 6 * 9 }, () => rng.uniform() * 3 - 1);
    const image = { shape: [6, 9], data, frequencies: [1, 2, 3, 4, 5, 6], frameRate: 200, startS: 0.01 };
    const back = decodeCochleagram(encodeCochleagram(image));
    const lo = Math.min(...data);
    const hi = Math.max(...data);
    expect(back.shape).toEqual([6, 9]);
    for (let i = 0; i < data.length; i++) expect(Math.abs(back.data[i] - data[i])).toBeLessThanOrEqual((hi - lo) / 255 / 2 + 1e-6);
  });
});

describe('parsePreparedSet', () => {
  const good = {
    schema: PREPARED_SET_SCHEMA, id: 'x', title: 't', model: { id: 'm', name: 'M', modality: 'image' }, stages: ['a'],
    reference: { label: 'r', index: 0 }, budget: { passes: 1, itersPerPass: 2, steps: 2, label: 'short', note: '' }, createdAt: '',
    runs: [{ record: { schema: 'metamer-run-export/1', stage: 'a', verdict: { stage: 'a', pass: true, criteria: [] } }, frames: [{}], reference: { stimulus: {} } }],
  };

  it('accepts a set and lists it in the index with its verdicts', () => {
    const set = parsePreparedSet(structuredClone(good), 'x.json') as PreparedSet;
    expect(indexEntry(set, 'x.json', 10)).toMatchObject({ id: 'x', model: 'm', stages: ['a'], verdicts: { a: true }, bytes: 10 });
  });

  it('names the file and the problem in one line', () => {
    expect(() => parsePreparedSet([], 'a.json')).toThrow('a.json: not a prepared set (expected a JSON object)');
    expect(() => parsePreparedSet({ schema: 'metamer-run-export/1' }, 'b.json')).toThrow('b.json: not a prepared set (schema "metamer-run-export/1", expected "metamer-prepared-set/1")');
    expect(() => parsePreparedSet({ ...good, runs: [] }, 'c.json')).toThrow('c.json: the set holds no runs');
    expect(() => parsePreparedSet({ ...good, runs: [{ ...good.runs[0], frames: [] }] }, 'd.json')).toThrow('d.json: run 1 (a) has no snapshots');
  });
});
