/**
 * Recording a 2-s reference from the microphone: a 3-2-1 countdown, then raw samples at the
 * audio context's rate collected into a fixed-length buffer, then the model's clip
 * (prepareClip: mono, resampled to 20 kHz, mean removed, RMS 0.1, zeros if a little short).
 * The browser (getUserMedia, AudioContext) sits behind MediaSeam so that the sequence, the
 * chunk collection and the error messages are tested in Node with a fake.
 * Also the pure arithmetic of the adjustable window's slider (offset <-> slider value).
 */
import { prepareClip, type PreparedClip } from '../audio/clip.ts';

/** An error to show the user as it is (its message says what to do). */
export class MicError extends Error {
  override name = 'MicError';
}

export const PERMISSION_DENIED_MESSAGE =
  "Microphone permission was denied: allow it in the browser's site settings, or open a file instead";
export const NO_MICROPHONE_MESSAGE = 'No microphone was found: connect one, or open a file instead';

/** The user-facing message for a getUserMedia rejection (DOMException names per the Media Capture spec). */
export function micErrorMessage(err: unknown): string {
  const name = (err as { name?: unknown } | null)?.name;
  const detail = err instanceof Error && err.message ? ` (${err.message})` : '';
  switch (name) {
    case 'NotAllowedError':
    case 'PermissionDeniedError': // older Chromium
    case 'SecurityError':
      return PERMISSION_DENIED_MESSAGE;
    case 'NotFoundError':
    case 'DevicesNotFoundError':
    case 'OverconstrainedError':
      return NO_MICROPHONE_MESSAGE;
    case 'NotReadableError':
    case 'AbortError':
      return `The microphone could not be opened (another application may be using it)${detail}; try again, or open a file instead`;
    default:
      return `The microphone could not be used${detail}; open a file instead`;
  }
}

/** The labels shown before recording, one per interval: [from, ..., 1]. */
export function countdownLabels(from = 3): number[] {
  if (!Number.isInteger(from) || from < 0) throw new RangeError(`countdown must be a whole number >= 0, got ${from}`);
  return Array.from({ length: from }, (_, i) => from - i);
}

/**
 * Collects audio chunks of any size into a buffer of exactly `length` samples; samples beyond
 * the end are dropped. Chunks are copied (the browser reuses its chunk buffers).
 */
export class SampleCollector {
  readonly buffer: Float32Array;
  private filled = 0;

  constructor(readonly length: number) {
    if (!Number.isInteger(length) || length <= 0) throw new RangeError(`length must be a positive integer, got ${length}`);
    this.buffer = new Float32Array(length);
  }

  /** Adds a chunk; true once the buffer is full. */
  push(chunk: ArrayLike<number>): boolean {
    const take = Math.min(chunk.length, this.length - this.filled);
    for (let i = 0; i < take; i++) this.buffer[this.filled + i] = chunk[i];
    this.filled += take;
    return this.full;
  }

  get count(): number {
    return this.filled;
  }

  get full(): boolean {
    return this.filled >= this.length;
  }

  /** Fraction collected, 0..1. */
  get progress(): number {
    return this.filled / this.length;
  }

  /** The samples collected so far (all of them once full). */
  samples(): Float32Array {
    return this.buffer.slice(0, this.filled);
  }
}

/** The part of a MediaStream the recorder uses: its tracks are stopped afterwards. */
export interface MediaStreamLike {
  getTracks(): { stop(): void }[];
}

/** A running capture of a stream: chunks arrive through the callback given to MediaSeam.capture. */
export interface Capture {
  sampleRate: number;
  stop(): void | Promise<void>;
}

/** The browser behind the recorder (a fake in tests). */
export interface MediaSeam {
  getUserMedia(): Promise<MediaStreamLike>;
  /** Starts delivering the stream's samples (mono, at the returned rate) to onChunk. */
  capture(stream: MediaStreamLike, onChunk: (chunk: Float32Array) => void): Promise<Capture>;
  sleep(ms: number): Promise<void>;
}

export type RecorderPhase = { phase: 'waiting' } | { phase: 'countdown'; remaining: number } | { phase: 'recording'; progress: number };

export interface RecordOptions {
  durationS?: number;
  countdownFrom?: number;
  countdownStepMs?: number;
  onPhase?: (p: RecorderPhase) => void;
  /** Give up if the microphone delivers nothing for this long after recording should end (ms). */
  stallMs?: number;
}

export interface Recording {
  samples: Float32Array;
  sampleRate: number;
}

/**
 * Asks for the microphone, counts down, records `durationS` seconds, and stops the tracks and
 * the capture whatever happens. Errors are MicErrors with the user-facing message.
 */
export async function recordClip(seam: MediaSeam, options: RecordOptions = {}): Promise<Recording> {
  const durationS = options.durationS ?? 2;
  const stepMs = options.countdownStepMs ?? 1000;
  const onPhase = options.onPhase ?? (() => {});
  onPhase({ phase: 'waiting' });
  let stream: MediaStreamLike;
  try {
    stream = await seam.getUserMedia();
  } catch (err) {
    throw err instanceof MicError ? err : new MicError(micErrorMessage(err), { cause: err });
  }
  let capture: Capture | undefined;
  try {
    for (const remaining of countdownLabels(options.countdownFrom ?? 3)) {
      onPhase({ phase: 'countdown', remaining });
      await seam.sleep(stepMs);
    }
    onPhase({ phase: 'recording', progress: 0 });
    let collector: SampleCollector | undefined;
    let done: () => void = () => {};
    const finished = new Promise<void>((resolve) => (done = resolve));
    const pending: Float32Array[] = [];
    const take = (chunk: Float32Array) => {
      if (!collector) {
        pending.push(chunk.slice()); // before the rate is known
        return;
      }
      if (collector.full) return;
      if (collector.push(chunk)) done();
      onPhase({ phase: 'recording', progress: collector.progress });
    };
    capture = await seam.capture(stream, take);
    collector = new SampleCollector(Math.round(durationS * capture.sampleRate));
    for (const chunk of pending.splice(0)) take(chunk);
    const stalled = seam.sleep(durationS * 1000 + (options.stallMs ?? 3000)).then(() => 'stalled' as const);
    if ((await Promise.race([finished.then(() => 'ok' as const), stalled])) === 'stalled') {
      if (collector.count === 0) throw new MicError('The microphone delivered no audio; check the input device, or open a file instead');
    }
    // A capture that stalled a little short keeps what it has: prepareClip pads the rest with zeros.
    return { samples: collector.samples(), sampleRate: capture.sampleRate };
  } finally {
    for (const track of stream.getTracks()) track.stop();
    await capture?.stop();
  }
}

/** The model's clip from a recording: a short recording is padded with zeros; silence is refused. */
export function prepareRecording(recording: Recording, target: { length: number; sampleRate: number }): PreparedClip {
  return prepareClip(recording.samples, recording.sampleRate, {
    targetRate: target.sampleRate,
    durationS: target.length / target.sampleRate,
    offsetS: 0,
    pad: 'zeros',
  });
}

/** The browser's microphone: getUserMedia and a ScriptProcessor (mono downmix) on an AudioContext. */
export function browserMediaSeam(): MediaSeam {
  return {
    async getUserMedia() {
      const media = (globalThis.navigator as Navigator | undefined)?.mediaDevices;
      if (!media?.getUserMedia) {
        throw new MicError('This page has no microphone access (it needs https or localhost); open a file instead');
      }
      return media.getUserMedia({ audio: true });
    },
    async capture(stream, onChunk) {
      const context = new AudioContext();
      await context.resume();
      const source = context.createMediaStreamSource(stream as MediaStream);
      // One input channel with 'explicit' mode: the browser downmixes stereo to mono for us.
      // ScriptProcessor is deprecated but needs no separate worklet module, and 2 s is short.
      const processor = context.createScriptProcessor(4096, 1, 1);
      processor.onaudioprocess = (e) => onChunk(e.inputBuffer.getChannelData(0));
      source.connect(processor);
      processor.connect(context.destination); // it only runs when connected; its output is silence
      return {
        sampleRate: context.sampleRate,
        async stop() {
          processor.onaudioprocess = null;
          source.disconnect();
          processor.disconnect();
          await context.close();
        },
      };
    },
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
}

/**
 * The slider's value for a window offset: rounded to the slider's step and clamped to the
 * valid range [lo, hi] (the ends themselves are kept exactly, even off the step grid).
 */
export function offsetToSlider(offsetS: number, range: readonly [number, number], step = 0.01): number {
  const [lo, hi] = range;
  if (!Number.isFinite(offsetS)) return lo;
  const snapped = Math.round(offsetS / step) * step;
  return clampOffset(Number(snapped.toFixed(6)), range);
}

/** A slider value as an offset prepareClip accepts: clamped into [lo, hi]. */
export function clampOffset(value: number, range: readonly [number, number]): number {
  const [lo, hi] = range;
  if (!Number.isFinite(value)) return lo;
  return Math.min(hi, Math.max(lo, value));
}
