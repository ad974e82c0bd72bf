import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Cochleagram } from '../../src/audio/cochleagram.ts';
import { resample } from '../../src/audio/resample.ts';
import { encodeWav } from '../../src/audio/wav.ts';
import { cochleagramInput, wavCochleagram } from '../../src/cli/commands/cochleagram.ts';
import { parseNpy } from '../../src/io/npy.ts';
import { useNodeBackend } from '../../src/platform/tf-node.ts';
import { cliInProcess, cliSpawn, REPO } from './run-cli.ts';

const CLIP = join(REPO, 'test', 'fixtures', 'wav', 'clip2s_20k.wav');
let dir: string;
let coch: Cochleagram;

/** Cochleagram.apply on samples given here (not through the WAV decoder), as [211 * 390]. */
async function direct(samples: Float32Array): Promise<Float32Array> {
  const out = tf.tidy(() => coch.apply(tf.tensor1d(samples)));
  const data = (await out.data()) as Float32Array;
  out.dispose();
  return data;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

function tone(n: number, rate: number, amp: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => amp * Math.sin((2 * Math.PI * 700 * i) / rate) * (1 + 0.5 * Math.sin((2 * Math.PI * 5 * i) / rate)));
}

beforeAll(async () => {
  await useNodeBackend('wasm');
  coch = new Cochleagram();
  dir = mkdtempSync(join(tmpdir(), 'coch-cli-'));
});

afterAll(() => {
  coch?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('metamer cochleagram', () => {
  it('bin/metamer.js writes the same [211, 390] array as Cochleagram.apply on the samples', async () => {
    const out = join(dir, 'spawned.npy');
    const r = cliSpawn(['cochleagram', CLIP, '--out', out]);
    expect(r.err).toMatch(/wrote .*spawned\.npy \[211, 390\] float32/);
    expect(r.code).toBe(0);
    const got = parseNpy(readFileSync(out));
    expect(got.shape).toEqual([211, 390]);
    expect(got.dtype).toBe('<f4');
    // The samples from the fixture writer's own int16 codes, not from decodeWav.
    const codes = parseNpy(readFileSync(join(REPO, 'test', 'fixtures', 'wav', 'clip2s_20k.codes.npy')));
    const want = await direct(codes.data.map((c) => c / 32768));
    expect(maxAbsDiff(got.data, want)).toBeLessThanOrEqual(1e-6);
    // and not a trivial array: the 500 Hz tone dominates its channel
    expect(Math.max(...got.data)).toBeGreaterThan(Math.min(...got.data) * 2);
  });

  it('uses the samples as they are: a quieter file gives a different cochleagram (no normalisation)', async () => {
    const x = tone(40000, 20000, 0.2);
    const loud = await wavCochleagram(encodeWav(x, 20000, { format: 'float' }));
    const tensorsBefore = tf.memory().numTensors;
    const quiet = await wavCochleagram(encodeWav(x.map((v) => v / 4), 20000, { format: 'float' }));
    expect(tf.memory().numTensors).toBe(tensorsBefore); // each call builds and disposes its Cochleagram
    expect(maxAbsDiff(loud.data, await direct(x))).toBe(0);
    expect(maxAbsDiff(quiet.data, await direct(x.map((v) => v / 4)))).toBe(0);
    expect(maxAbsDiff(loud.data, quiet.data)).toBeGreaterThan(0.05);
  });

  it('mixes stereo to mono and resamples other rates to 20 kHz', async () => {
    const left = tone(32000, 16000, 0.3);
    const right = Float32Array.from(left, (v, i) => 0.5 * v + 0.01 * Math.cos(i));
    const path = join(dir, 'stereo16k.wav');
    writeFileSync(path, encodeWav([left, right], 16000, { format: 'float' }));
    const out = join(dir, 'stereo.npy');
    const r = await cliInProcess(['cochleagram', path, '--out', out, '--backend', 'wasm']);
    expect(r.code).toBe(0);
    const mono = Float32Array.from(left, (v, i) => (v + right[i]) / 2);
    const want = await direct(resample(mono, 16000, 20000));
    expect(maxAbsDiff(parseNpy(readFileSync(out)).data, want)).toBeLessThanOrEqual(1e-6);
  });

  it('a file that is not 2 s long is an error explaining the length', async () => {
    const path = join(dir, 'short.wav');
    writeFileSync(path, encodeWav(tone(30000, 20000, 0.1), 20000));
    const r = await cliInProcess(['cochleagram', path, '--out', join(dir, 'x.npy')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/short\.wav has 30000 samples at 20000 Hz, 1\.500 s; the cochleagram needs exactly 40000 \(2 s at 20000 Hz\): cut a 2-s clip first/);
    // 44000 samples at 22050 Hz resample to round(44000 * 20000 / 22050) = 39909
    expect(() => cochleagramInput(encodeWav(tone(44000, 22050, 0.1), 22050))).toThrow(/has 39909 samples at 20000 Hz \(44000 at 22050 Hz, resampled\)/);
    expect(cochleagramInput(encodeWav(tone(44100, 22050, 0.1), 22050)).samples.length).toBe(40000);
  });

  it('usage and file errors', async () => {
    const noOut = await cliInProcess(['cochleagram', CLIP]);
    expect(noOut.code).toBe(2);
    expect(noOut.err).toMatch(/missing required option --out/);
    const two = await cliInProcess(['cochleagram', CLIP, CLIP, '--out', 'x.npy']);
    expect(two.code).toBe(2);
    const missing = await cliInProcess(['cochleagram', join(dir, 'nope.wav'), '--out', join(dir, 'x.npy')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/cannot read .*nope\.wav: ENOENT/);
    const notWav = join(dir, 'not.wav');
    writeFileSync(notWav, 'plain text');
    const bad = await cliInProcess(['cochleagram', notWav, '--out', join(dir, 'x.npy')]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/not\.wav: Not a WAV file/);
    const help = await cliInProcess(['cochleagram', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/Usage: metamer cochleagram IN\.wav --out OUT\.npy/);
  });
});
