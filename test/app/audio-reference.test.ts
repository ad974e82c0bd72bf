import { describe, expect, it } from 'vitest';
import { loadReferenceClip } from '../../src/app/audio-reference.ts';
import { encodeWav } from '../../src/audio/wav.ts';

const target = { length: 40000, sampleRate: 20000, padWithZeros: false };

function wavFile(name: string, samples: Float32Array, rate: number): File {
  return new File([encodeWav(samples, rate, { format: 'float' })], name, { type: 'audio/wav' });
}

function rms64(x: Float32Array): number {
  let ss = 0;
  for (const v of x) ss += v * v;
  return Math.sqrt(ss / x.length);
}

describe('the user\'s reference file (main thread)', () => {
  it('cuts the centred 2 s of a longer 20 kHz stereo file, mono, RMS 0.1', async () => {
    const n = 60000;
    const left = Float32Array.from({ length: n }, (_, i) => 0.5 * Math.sin(i * 0.01) + 0.05);
    const right = Float32Array.from({ length: n }, (_, i) => 0.5 * Math.sin(i * 0.01) - 0.05);
    const file = new File([encodeWav([left, right], 20000, { format: 'float' })], 'long.wav');
    const clip = await loadReferenceClip(file, target);
    expect(clip.name).toBe('long.wav');
    expect(clip.samples.length).toBe(40000);
    expect(clip.info.windowStartS).toBe(0.5);
    expect(rms64(clip.samples)).toBeCloseTo(0.1, 5);
    // The mono mix of the two channels is the sine alone; the window starts at 10000, its mean is removed.
    const sine = (i: number) => 0.5 * Math.sin((10000 + i) * 0.01);
    let mean = 0;
    for (let i = 0; i < 40000; i++) mean += sine(i) / 40000;
    const gain = clip.info.gain;
    for (const i of [0, 123, 39999]) expect(clip.samples[i]).toBeCloseTo(gain * (sine(i) - mean), 5);
  });

  it('refuses a short file unless padding with zeros is chosen', async () => {
    const short = wavFile('short.wav', Float32Array.from({ length: 20000 }, (_, i) => Math.sin(i)), 20000);
    await expect(loadReferenceClip(short, target)).rejects.toThrow(/^"short.wav": .*shorter/);
    const padded = await loadReferenceClip(short, { ...target, padWithZeros: true });
    expect(padded.samples.length).toBe(40000);
    expect(padded.info.padBefore + padded.info.padAfter).toBe(20000);
    // The padding is constant (zeros, shifted by the removed mean), on both sides.
    const { padBefore, padAfter } = padded.info;
    const pad = padded.samples[0];
    expect(Math.abs(pad)).toBeLessThan(1e-3);
    expect(padded.samples.subarray(0, padBefore).every((v) => v === pad)).toBe(true);
    expect(padded.samples.subarray(40000 - padAfter).every((v) => v === pad)).toBe(true);
  });

  it('reports silence and a file that is not audio with the decoder\'s message', async () => {
    await expect(loadReferenceClip(wavFile('quiet.wav', new Float32Array(50000), 20000), target)).rejects.toThrow(/"quiet.wav": .*silent/);
    await expect(loadReferenceClip(new File([new Uint8Array(0)], 'empty.wav'), target)).rejects.toThrow(/"empty.wav" is empty/);
  });
});
