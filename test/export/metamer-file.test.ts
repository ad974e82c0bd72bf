import { execFileSync } from 'node:child_process';
import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/engine/random.ts';
import { metamerFile, runJsonFile } from '../../src/export/metamer-file.ts';
import { runJsonText } from '../../src/export/run-json.ts';
import { diskManifest, sampleRun } from '../store/sample-run.ts';

/** Python's wave module + numpy read a 16-bit PCM WAV: [channels, sampwidth, rate, samples...]. */
function readWavWithPython(bytes: Uint8Array): { channels: number; width: number; rate: number; samples: number[] } {
  const script = `
import io, json, sys, wave, numpy as np
with wave.open(io.BytesIO(sys.stdin.buffer.read())) as w:
    frames = w.readframes(w.getnframes())
    print(json.dumps({'channels': w.getnchannels(), 'width': w.getsampwidth(), 'rate': w.getframerate(),
                      'samples': np.frombuffer(frames, dtype='<i2').astype(int).tolist()}))
`;
  return JSON.parse(execFileSync('python3', ['-c', script], { input: bytes, encoding: 'utf8', maxBuffer: 1 << 26 }));
}

describe('metamerFile', () => {
  it('exports an image metamer as a PNG over the model input range', () => {
    const rng = new Rng(9);
    const shape = [250, 250, 1];
    const data = Float32Array.from({ length: 250 * 250 }, () => rng.normal() * 60 + 127.5);
    const run = sampleRun({ snapshot: { step: 7, shape, data } });
    const file = metamerFile(run, diskManifest('hmax'))!;
    expect(file.name).toBe('metamer-hmax-C1-run-a.png');
    expect(file.mime).toBe('image/png');
    const png = decode(file.bytes);
    expect([png.width, png.height, png.channels]).toEqual([250, 250, 1]);
    // Range [0, 255]: the pixel is the value clamped and rounded to the nearest integer.
    const expected = Array.from(data, (x) => Math.min(255, Math.max(0, Math.floor(x + 0.5))));
    expect(Array.from(png.data)).toEqual(expected);
    expect(png.text.Comment).toMatch(/model hmax, stage C1, step 7, seed 1234, run run-a/);
  });

  it('exports an audio metamer as 16-bit PCM WAV at the model sample rate (read back by Python)', () => {
    const rng = new Rng(4);
    const data = Float32Array.from({ length: 40000 }, () => rng.normal() * 0.3);
    data[0] = 1.7; // beyond full scale: clipped
    data[1] = -1;
    const run = sampleRun({ modelId: 'spectemp', stage: 'power', snapshot: { step: 3, shape: [40000], data } });
    const file = metamerFile(run, diskManifest('spectemp'))!;
    expect(file.name).toBe('metamer-spectemp-power-run-a.wav');
    expect(file.mime).toBe('audio/wav');
    const wav = readWavWithPython(file.bytes);
    expect([wav.channels, wav.width, wav.rate, wav.samples.length]).toEqual([1, 2, 20000, 40000]);
    const expected = Array.from(data, (x) => Math.min(32767, Math.max(-32768, Math.round(Math.min(1, Math.max(-1, x)) * 32768))));
    expect(wav.samples).toEqual(expected);
    expect(wav.samples.slice(0, 2)).toEqual([32767, -32768]);
  });

  it('returns null before the first snapshot and refuses another model\'s manifest', () => {
    expect(metamerFile(sampleRun({ snapshot: null }), diskManifest('hmax'))).toBeNull();
    expect(() => metamerFile(sampleRun(), diskManifest('spectemp'))).toThrow(/belongs to model "hmax"/);
  });

  it('runJsonFile holds the run JSON as UTF-8', () => {
    const now = new Date('2026-03-04T05:06:07Z');
    const file = runJsonFile(sampleRun(), diskManifest('hmax'), { now });
    expect(file.name).toBe('metamer-hmax-C1-run-a.json');
    expect(file.mime).toBe('application/json');
    expect(new TextDecoder().decode(file.bytes)).toBe(runJsonText(sampleRun(), diskManifest('hmax'), { now }));
  });
});
