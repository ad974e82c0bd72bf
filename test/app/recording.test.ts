/**
 * The microphone recorder's pure parts against a fake browser (MediaSeam): the countdown's
 * sequence and timing, chunk collection into a fixed 2-s buffer across chunk boundaries, the
 * tracks always stopped, the user-facing error messages; the recorded clip's preparation; and
 * the window slider's offset <-> value clamping, checked against what prepareClip accepts.
 */
import { describe, expect, it } from 'vitest';
import {
  clampOffset, countdownLabels, MicError, micErrorMessage, NO_MICROPHONE_MESSAGE, offsetToSlider, PERMISSION_DENIED_MESSAGE,
  prepareRecording, recordClip, SampleCollector, type Capture, type MediaSeam, type RecorderPhase,
} from '../../src/app/recording.ts';
import { clipAsWavFile, cutWindow, windowRange, type WindowSource } from '../../src/app/audio-reference.ts';
import { prepareClip } from '../../src/audio/clip.ts';
import { decodeWav } from '../../src/audio/wav.ts';

/** A deterministic, non-repeating test signal: sample i is recognisable. */
const signal = (i: number) => Math.sin(i * 0.37) * 0.5 + ((i % 7) - 3) * 0.01;

interface FakeOptions {
  rate?: number;
  /** Chunk sizes delivered, in order (the last one repeats). */
  chunks?: number[];
  /** Stop delivering after this many samples (a stalled device). */
  deliverAtMost?: number;
  deny?: unknown;
  captureFails?: Error;
}

/** A fake microphone: logs every call; chunks arrive asynchronously, like the browser's. */
function fakeSeam(options: FakeOptions = {}) {
  const log: string[] = [];
  const rate = options.rate ?? 1000;
  let releaseStall: () => void = () => {};
  let delivered = 0;
  const seam: MediaSeam = {
    async getUserMedia() {
      log.push('getUserMedia');
      if (options.deny) throw options.deny;
      return { getTracks: () => [{ stop: () => log.push('track.stop') }, { stop: () => log.push('track.stop') }] };
    },
    async capture(_stream, onChunk): Promise<Capture> {
      log.push('capture');
      if (options.captureFails) throw options.captureFails;
      let stopped = false;
      let sent = 0;
      const sizes = options.chunks ?? [128];
      const limit = options.deliverAtMost ?? Infinity;
      void (async () => {
        for (let k = 0; !stopped && sent < limit; k++) {
          await new Promise((r) => setTimeout(r, 0));
          if (stopped) break;
          const n = Math.min(sizes[Math.min(k, sizes.length - 1)], limit - sent);
          const chunk = Float32Array.from({ length: n }, (_, j) => signal(sent + j));
          sent += n;
          delivered = sent;
          onChunk(chunk);
          chunk.fill(99); // the browser reuses its buffers: the recorder must have copied
        }
      })();
      return { sampleRate: rate, stop: () => { stopped = true; log.push('capture.stop'); } };
    },
    sleep(ms) {
      log.push(`sleep ${ms}`);
      // The countdown's steps pass at once; the stall guard waits until the test releases it.
      if (ms < 2000) return Promise.resolve();
      return new Promise((r) => (releaseStall = r));
    },
  };
  return { seam, log, releaseStall: () => releaseStall(), delivered: () => delivered };
}

describe('countdownLabels', () => {
  it('counts down to 1', () => {
    expect(countdownLabels()).toEqual([3, 2, 1]);
    expect(countdownLabels(5)).toEqual([5, 4, 3, 2, 1]);
    expect(countdownLabels(0)).toEqual([]);
    expect(() => countdownLabels(-1)).toThrow(RangeError);
    expect(() => countdownLabels(1.5)).toThrow(RangeError);
  });
});

describe('SampleCollector', () => {
  it('fills a fixed buffer across chunk boundaries, copies chunks and drops the overflow', () => {
    const c = new SampleCollector(10);
    const a = Float32Array.from([0, 1, 2, 3]);
    expect(c.push(a)).toBe(false);
    a.fill(-1);
    expect(c.count).toBe(4);
    expect(c.progress).toBeCloseTo(0.4, 12);
    expect(Array.from(c.samples())).toEqual([0, 1, 2, 3]);
    expect(c.push([])).toBe(false);
    expect(c.push([4, 5, 6])).toBe(false);
    expect(c.push([7, 8, 9, 10, 11])).toBe(true);
    expect(c.push([12])).toBe(true);
    expect(c.count).toBe(10);
    expect(Array.from(c.samples())).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(() => new SampleCollector(0)).toThrow(RangeError);
  });
});

describe('recordClip', () => {
  it('asks for the microphone, counts 3-2-1 one second apart, then records exactly 2 s across chunk boundaries', async () => {
    const rate = 1000; // 2000 samples
    const { seam, log } = fakeSeam({ rate, chunks: [300, 1, 777, 512] });
    const phases: RecorderPhase[] = [];
    const recording = await recordClip(seam, { onPhase: (p) => { phases.push(p); log.push(`phase ${JSON.stringify(p)}`); } });

    expect(recording.sampleRate).toBe(rate);
    expect(recording.samples.length).toBe(2000);
    const expected = Float32Array.from({ length: 2000 }, (_, i) => signal(i));
    expect(recording.samples).toEqual(expected);

    // The sequence: permission, 3 (1 s), 2 (1 s), 1 (1 s), recording, capture; the tracks and the capture stopped at the end.
    const head = log.slice(0, 10);
    expect(head).toEqual([
      'phase {"phase":"waiting"}', 'getUserMedia',
      'phase {"phase":"countdown","remaining":3}', 'sleep 1000',
      'phase {"phase":"countdown","remaining":2}', 'sleep 1000',
      'phase {"phase":"countdown","remaining":1}', 'sleep 1000',
      'phase {"phase":"recording","progress":0}', 'capture',
    ]);
    expect(log.slice(-3)).toEqual(['track.stop', 'track.stop', 'capture.stop']);
    // Progress after each chunk: cumulative sizes 300, 301, 1078, 1590, 2000 (clipped) of 2000.
    const progress = phases.filter((p) => p.phase === 'recording').map((p) => (p as { progress: number }).progress);
    expect(progress).toEqual([0, 300 / 2000, 301 / 2000, 1078 / 2000, 1590 / 2000, 1]);
  });

  it('a denied permission or a missing microphone gives the user-facing message and records nothing', async () => {
    for (const [deny, message] of [
      [new DOMException('Permission denied', 'NotAllowedError'), PERMISSION_DENIED_MESSAGE],
      [new DOMException('Requested device not found', 'NotFoundError'), NO_MICROPHONE_MESSAGE],
    ] as const) {
      const { seam, log } = fakeSeam({ deny });
      const err = await recordClip(seam).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MicError);
      expect((err as Error).message).toBe(message);
      expect(log).toEqual(['getUserMedia']);
    }
    expect(PERMISSION_DENIED_MESSAGE).toBe("Microphone permission was denied: allow it in the browser's site settings, or open a file instead");
  });

  it('stops the tracks when the capture fails, and when the device delivers nothing', async () => {
    const failing = fakeSeam({ captureFails: new Error('no AudioContext') });
    await expect(recordClip(failing.seam)).rejects.toThrow('no AudioContext');
    expect(failing.log.slice(-2)).toEqual(['track.stop', 'track.stop']);

    const silent = fakeSeam({ deliverAtMost: 0 });
    const pending = recordClip(silent.seam);
    await new Promise((r) => setTimeout(r, 20));
    expect(silent.log).toContain('sleep 5000'); // 2 s + the 3-s stall allowance
    silent.releaseStall();
    const err = await pending.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MicError);
    expect((err as Error).message).toMatch(/delivered no audio/);
    expect(silent.log.slice(-3)).toEqual(['track.stop', 'track.stop', 'capture.stop']);
  });

  it('keeps a recording that stalls a little short; prepareRecording pads it with zeros', async () => {
    const short = fakeSeam({ rate: 20000, chunks: [4096], deliverAtMost: 39000 });
    const pending = recordClip(short.seam);
    // Release the stall only once the capture delivered all it will (a fixed wait is flaky under load).
    while (short.delivered() < 39000) await new Promise((r) => setTimeout(r, 5));
    short.releaseStall();
    const recording = await pending;
    expect(recording.samples.length).toBe(39000);
    const { samples, info } = prepareRecording(recording, { length: 40000, sampleRate: 20000 });
    expect(samples.length).toBe(40000);
    expect(info.padded).toBe(true);
    expect(info.padAfter).toBe(1000);
    // The zeros were added before the mean was removed: the padding is one constant, -mean * gain.
    let mean = 0;
    for (let i = 0; i < 39000; i++) mean += signal(i);
    mean /= 40000;
    expect(Array.from(samples.subarray(39000)).every((v) => v === samples[39000])).toBe(true);
    expect(samples[39000]).toBeCloseTo(-mean * info.gain, 6);
  });
});

describe('micErrorMessage', () => {
  it('maps the getUserMedia errors', () => {
    expect(micErrorMessage({ name: 'SecurityError' })).toBe(PERMISSION_DENIED_MESSAGE);
    expect(micErrorMessage({ name: 'OverconstrainedError' })).toBe(NO_MICROPHONE_MESSAGE);
    expect(micErrorMessage(new DOMException('Could not start audio source', 'NotReadableError'))).toMatch(/another application.*Could not start audio source/);
    expect(micErrorMessage(new Error('weird'))).toMatch(/could not be used \(weird\)/);
  });
});

describe('prepareRecording', () => {
  it('resamples 48 kHz to 40000 samples at 20 kHz, mean 0, RMS 0.1 (float64 check); silence is refused', () => {
    const rate = 48000;
    const x = Float32Array.from({ length: 2 * rate }, (_, i) => 0.05 + 0.3 * Math.sin((2 * Math.PI * 440 * i) / rate));
    const { samples, info } = prepareRecording({ samples: x, sampleRate: rate }, { length: 40000, sampleRate: 20000 });
    expect(samples.length).toBe(40000);
    expect(info.resampled).toBe(true);
    expect(info.padded).toBe(false);
    let mean = 0;
    for (const v of samples) mean += v;
    mean /= samples.length;
    let power = 0;
    for (const v of samples) power += (v - mean) ** 2;
    expect(Math.abs(mean)).toBeLessThan(1e-6);
    expect(Math.sqrt(power / samples.length)).toBeCloseTo(0.1, 5);
    expect(() => prepareRecording({ samples: new Float32Array(2 * rate), sampleRate: rate }, { length: 40000, sampleRate: 20000 }))
      .toThrow(/silent \(RMS 0\)/);
  });
});

describe('window slider', () => {
  it('offsetToSlider rounds to the step and clamps; clampOffset clamps', () => {
    const range: [number, number] = [0, 2.5];
    expect(offsetToSlider(1.234, range)).toBe(1.23);
    expect(offsetToSlider(1.235001, range)).toBe(1.24);
    expect(offsetToSlider(-0.3, range)).toBe(0);
    expect(offsetToSlider(9, range)).toBe(2.5);
    expect(offsetToSlider(Number.NaN, range)).toBe(0);
    expect(offsetToSlider(0.3, [0, 0.2573])).toBe(0.2573); // the end off the grid is kept exactly
    expect(clampOffset(3, range)).toBe(2.5);
    expect(clampOffset(-1, range)).toBe(0);
    expect(clampOffset(1.7, range)).toBe(1.7);
    expect(clampOffset(Number.POSITIVE_INFINITY, range)).toBe(0);
  });

  it('every clamped slider value is an offset prepareClip accepts, and the window starts there', () => {
    const rate = 44100;
    const source: WindowSource = {
      name: 'tones.wav', sampleRate: rate, durationS: 3.3,
      mono: Float32Array.from({ length: Math.round(3.3 * rate) }, (_, i) => Math.sin((2 * Math.PI * (i < 2 * rate ? 300 : 3000) * i) / rate)),
    };
    const target = { length: 40000, sampleRate: 20000 };
    const range = windowRange(source, target);
    expect(range[0]).toBe(0);
    expect(range[1]).toBeCloseTo(1.3, 4);
    // The same range prepareClip reports.
    expect(prepareClip(source.mono, rate, { targetRate: 20000, durationS: 2 }).info.offsetRangeS).toEqual(range);
    for (const v of [-1, 0, 0.01, 0.5, 1.29, range[1], 1.31, 5]) {
      const offset = offsetToSlider(v, range);
      const clip = cutWindow(source, target, offset);
      expect(clip.info.windowStartS).toBeCloseTo(Math.min(Math.max(v, 0), range[1]), 2);
      expect(clip.name).toBe(`tones.wav @ ${offset.toFixed(2)} s`);
    }
    // Past the window: prepareClip refuses an unclamped offset.
    expect(() => cutWindow(source, target, range[1] + 0.1)).toThrow(/outside the audio/);
  });

  it('clipAsWavFile round-trips the prepared clip exactly (float WAV at 20 kHz)', async () => {
    const rate = 20000;
    const source: WindowSource = {
      name: 'x.wav', sampleRate: rate, durationS: 3,
      mono: Float32Array.from({ length: 3 * rate }, (_, i) => signal(i)),
    };
    const clip = cutWindow(source, { length: 40000, sampleRate: rate }, 0.5);
    // Without resampling, the window is the source's samples 10000..50000, mean removed, scaled.
    const window = source.mono.subarray(10000, 50000);
    let mean = 0;
    for (const v of window) mean += v;
    mean /= window.length;
    let power = 0;
    for (const v of window) power += (v - mean) ** 2;
    const gain = 0.1 / Math.sqrt(power / window.length);
    for (const i of [0, 1, 12345, 39999]) expect(clip.samples[i]).toBeCloseTo((window[i] - mean) * gain, 5);

    const file = clipAsWavFile(clip);
    expect(file.name).toBe('x.wav @ 0.50 s');
    const decoded = decodeWav(new Uint8Array(await file.arrayBuffer()));
    expect(decoded.sampleRate).toBe(rate);
    expect(decoded.channels[0]).toEqual(clip.samples);
  });
});
