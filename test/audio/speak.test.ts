/**
 * Typed words to speech: the eSpeak NG command line (validation, no option injection), and a
 * real synthesis under Node checked independently: format, duration, loudness, and that a
 * higher pitch setting gives a higher fundamental (autocorrelation estimate written here).
 */
import { describe, expect, it } from 'vitest';
import { SPEAK_DEFAULTS, SPEAK_VOICES, SpeakError, normaliseSpeakText, speakArguments, spokenClipName, type SpeakRequest } from '../../src/audio/speak.ts';
import { synthesiseSpeech } from '../../src/audio/speak.browser.ts';
import { decodeWav } from '../../src/audio/wav.ts';

const request = (over: Partial<SpeakRequest> = {}): SpeakRequest => ({ text: 'hello', ...SPEAK_DEFAULTS, ...over });

describe('speakArguments', () => {
  it('writes a WAV with the voice, pitch and speed, and puts the text after "--"', () => {
    expect(speakArguments(request({ text: '  metamer  ', voice: 'en-gb-scotland', pitch: 7, speed: 200 }), 'x.wav'))
      .toEqual(['-w', 'x.wav', '-v', 'en-gb-scotland', '-p', '7', '-s', '200', '--', 'metamer']);
  });

  it('keeps a leading dash as text, after the end-of-options marker', () => {
    const args = speakArguments(request({ text: '--help -w /etc/x' }));
    expect(args.indexOf('--')).toBe(args.length - 2);
    expect(args.at(-1)).toBe('--help -w /etc/x');
  });

  it('collapses whitespace and control characters', () => {
    expect(normaliseSpeakText('a\n\tb\u0000  c ')).toBe('a b c');
  });

  it('refuses empty, too long, unknown voices and out-of-range pitch or speed', () => {
    expect(() => speakArguments(request({ text: '   ' }))).toThrow(SpeakError);
    expect(() => speakArguments(request({ text: 'a'.repeat(201) }))).toThrow(/201 characters; at most 200/);
    expect(() => speakArguments(request({ text: 'a'.repeat(200) }))).not.toThrow();
    expect(() => speakArguments(request({ voice: 'de' as never }))).toThrow(/Unknown voice/);
    expect(() => speakArguments(request({ voice: '-v en' as never }))).toThrow(/Unknown voice/);
    for (const pitch of [-1, 100, 50.5, Number.NaN]) expect(() => speakArguments(request({ pitch }))).toThrow(/pitch/);
    for (const speed of [79, 261, Number.POSITIVE_INFINITY]) expect(() => speakArguments(request({ speed }))).toThrow(/speed/);
    expect(speakArguments(request({ pitch: 0, speed: 80 }))).toContain('80');
    expect(speakArguments(request({ pitch: 99, speed: 260 }))).toContain('99');
  });

  it('names the clip after the text and voice', () => {
    expect(spokenClipName({ text: ' metamer ', voice: 'en-029' })).toBe('spoken "metamer" (en-029)');
  });
});

function rms(x: Float32Array): number {
  let s = 0;
  for (const v of x) s += v * v;
  return Math.sqrt(s / x.length);
}

/**
 * Fundamental (Hz) of the loudest 40% of the signal's frames: each 40 ms frame's normalised
 * autocorrelation peak over lags for 70..400 Hz, median over the frames that are clearly voiced.
 */
function estimateF0(x: Float32Array, rate: number): number {
  const frame = Math.round(0.04 * rate);
  const hop = Math.round(0.01 * rate);
  const frames: { start: number; energy: number }[] = [];
  for (let start = 0; start + frame <= x.length; start += hop) frames.push({ start, energy: rms(x.subarray(start, start + frame)) });
  const loud = [...frames].sort((a, b) => b.energy - a.energy).slice(0, Math.max(1, Math.round(frames.length * 0.4)));
  const minLag = Math.floor(rate / 400);
  const maxLag = Math.ceil(rate / 70);
  const f0s: number[] = [];
  for (const { start } of loud) {
    const seg = x.subarray(start, start + frame);
    let bestLag = 0;
    let best = -Infinity;
    for (let lag = minLag; lag <= maxLag && lag < frame; lag++) {
      let num = 0;
      let e0 = 0;
      let e1 = 0;
      for (let i = 0; i + lag < frame; i++) {
        num += seg[i] * seg[i + lag];
        e0 += seg[i] * seg[i];
        e1 += seg[i + lag] * seg[i + lag];
      }
      const r = num / Math.sqrt(e0 * e1 + 1e-20);
      if (r > best) { best = r; bestLag = lag; }
    }
    if (best > 0.5) f0s.push(rate / bestLag);
  }
  expect(f0s.length).toBeGreaterThan(3);
  f0s.sort((a, b) => a - b);
  return f0s[Math.floor(f0s.length / 2)];
}

describe('synthesiseSpeech (eSpeak NG WASM under Node)', () => {
  it('speaks "hello" as 22050 Hz mono, 0.3..2 s, not silent', async () => {
    const audio = decodeWav(await synthesiseSpeech(request({ text: 'hello', voice: 'en-us' })));
    expect(audio.sampleRate).toBe(22050);
    expect(audio.channels).toHaveLength(1);
    const duration = audio.channels[0].length / audio.sampleRate;
    expect(duration).toBeGreaterThan(0.3);
    expect(duration).toBeLessThan(2);
    expect(rms(audio.channels[0])).toBeGreaterThan(0.01);
  }, 30_000);

  it('a higher pitch setting gives a higher fundamental', async () => {
    const speak = async (pitch: number) => {
      const audio = decodeWav(await synthesiseSpeech(request({ text: 'hello', voice: 'en-us', pitch })));
      return estimateF0(audio.channels[0], audio.sampleRate);
    };
    const low = await speak(10);
    const high = await speak(90);
    expect(low).toBeGreaterThan(70);
    expect(high).toBeLessThan(400);
    expect(high).toBeGreaterThan(low * 1.2);
  }, 30_000);

  it('every listed voice speaks', async () => {
    for (const { id } of SPEAK_VOICES) {
      const audio = decodeWav(await synthesiseSpeech(request({ text: 'yes', voice: id })));
      expect(rms(audio.channels[0]), id).toBeGreaterThan(0.005);
    }
  }, 60_000);
});
