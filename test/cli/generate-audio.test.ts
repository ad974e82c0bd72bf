import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliSpawn, REPO } from './run-cli.ts';
import { parseNpy } from '../../src/io/npy.ts';
import { decodeWav } from '../../src/audio/wav.ts';

/** float64 mean and RMS, written out here rather than taken from the code under test. */
function meanAndRms(x: ArrayLike<number>): { mean: number; rms: number } {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  const mean = s / x.length;
  let q = 0;
  for (let i = 0; i < x.length; i++) q += (x[i] - mean) ** 2;
  return { mean, rms: Math.sqrt(q / x.length) };
}

describe('metamer generate with a WAV reference (Spectemp, 1 step)', () => {
  it('prepares the clip as the paper does and writes the metamer and reference as WAV', () => {
    const out = mkdtempSync(join(tmpdir(), 'metamer-gen-audio-'));
    const input = join(REPO, 'test', 'fixtures', 'wav', 'clip2s_20k.wav');
    const r = cliSpawn(['generate', '--model', 'spectemp', '--stage', 'cochleagram', '--input', input,
      '--steps', '1', '--seed', '3', '--measure', 'stage', '--out', out], 300_000);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/mean removed, RMS 0\.1/);

    // The reference is the file's 2 s with the mean removed and RMS 0.1 (spec section 2).
    const ref = parseNpy(readFileSync(join(out, 'reference.npy')));
    expect(ref.shape).toEqual([40000]);
    const { mean, rms } = meanAndRms(ref.data);
    expect(Math.abs(mean)).toBeLessThan(1e-6);
    expect(rms).toBeCloseTo(0.1, 5);
    // ... and it is an affine image of the file's samples (same waveform, new level).
    const src = decodeWav(readFileSync(input)).channels[0];
    const srcStats = meanAndRms(src);
    for (const i of [0, 1234, 20000, 39999]) {
      expect(ref.data[i]).toBeCloseTo(((src[i] - srcStats.mean) / srcStats.rms) * 0.1, 5);
    }

    // The WAV files hold the .npy samples at 20 kHz, mono: the reference exactly (float), the
    // metamer as the page exports it (16-bit PCM, within half a quantisation step).
    for (const name of ['reference', 'metamer']) {
      const wav = decodeWav(readFileSync(join(out, `${name}.wav`)));
      const npy = parseNpy(readFileSync(join(out, `${name}.npy`)));
      expect(wav.sampleRate).toBe(20000);
      expect(wav.channels.length).toBe(1);
      if (name === 'reference') expect(Array.from(wav.channels[0])).toEqual(Array.from(npy.data));
      else for (let i = 0; i < npy.data.length; i += 101) expect(Math.abs(wav.channels[0][i] - npy.data[i])).toBeLessThanOrEqual(0.5 / 32767 + 1e-7);
    }
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    expect(Object.keys(run.metricHistory.at(-1).stages)).toEqual(['cochleagram']);
  }, 320_000);

  it('refuses an image for an audio model with one clear line', () => {
    const r = cliSpawn(['generate', '--model', 'spectemp', '--stage', 'cochleagram',
      '--input', join(REPO, 'models', 'hmax', 'references', 'cat.png'), '--steps', '1', '--out', tmpdir()], 120_000);
    expect(r.code).toBe(1);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/audio model takes a \.wav/);
  });
});
