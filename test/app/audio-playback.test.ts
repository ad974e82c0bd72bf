import { describe, expect, it } from 'vitest';
import { matchLoudness, PLAYBACK_RMS, rms } from '../../src/app/audio-playback.ts';
import { Rng } from '../../src/engine/random.ts';

function rms64(x: ArrayLike<number>): number {
  let ss = 0;
  for (let i = 0; i < x.length; i++) ss += Number(x[i]) ** 2;
  return Math.sqrt(ss / x.length);
}

describe('loudness matching', () => {
  it('brings a quiet and a loud clip to the same RMS (0.1)', () => {
    const rng = new Rng(3);
    const quiet = Float32Array.from(rng.normalArray(40000, 0, 1e-4));
    const loud = Float32Array.from({ length: 40000 }, (_, i) => 0.8 * Math.sin(i * 0.05));
    const a = matchLoudness(quiet);
    const b = matchLoudness(loud);
    expect(rms64(a)).toBeCloseTo(PLAYBACK_RMS, 6);
    expect(rms64(b)).toBeCloseTo(PLAYBACK_RMS, 6);
    // Only the gain changes: the waveform's shape is kept.
    expect(b[100] / b[37]).toBeCloseTo(loud[100] / loud[37], 4);
  });

  it('computes RMS like a float64 loop and leaves silence silent', () => {
    const x = Float32Array.from([0.3, -0.4, 0.5, 0]);
    expect(rms(x)).toBeCloseTo(rms64(x), 12);
    expect(Array.from(matchLoudness(new Float32Array(8)))).toEqual(new Array(8).fill(0));
    expect(rms(new Float32Array(0))).toBe(0);
  });
});
