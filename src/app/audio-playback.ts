/**
 * Listening to the clips: loudness matching (every clip is played at the same RMS, so an A/B
 * comparison is about content, not level) and a one-voice Web Audio player. The pure parts
 * (rms, matchLoudness) are tested in node. The WAV download is src/export/metamer-file.ts.
 */

/** Playback level of every clip: the reference format's RMS (spec section 2). */
export const PLAYBACK_RMS = 0.1;

/** Root mean square, summed in float64. */
export function rms(x: ArrayLike<number>): number {
  if (x.length === 0) return 0;
  let ss = 0;
  for (let i = 0; i < x.length; i++) ss += x[i] * x[i];
  return Math.sqrt(ss / x.length);
}

/** x scaled to the target RMS (a silent clip stays silent). */
export function matchLoudness(x: Float32Array, targetRms = PLAYBACK_RMS): Float32Array {
  const r = rms(x);
  const gain = r > 0 ? targetRms / r : 0;
  return Float32Array.from(x, (v) => v * gain);
}

/** Plays one clip at a time; starting another stops the first. */
export class ClipPlayer {
  private context: AudioContext | null = null;
  private source: AudioBufferSourceNode | null = null;

  /** Plays `samples` at PLAYBACK_RMS; onEnded runs when it finishes or is stopped. */
  async play(samples: Float32Array, sampleRate: number, onEnded: () => void): Promise<void> {
    this.stop();
    // Created on the first click: browsers only let a context start after a user gesture.
    this.context ??= new AudioContext();
    if (this.context.state === 'suspended') await this.context.resume();
    const buffer = this.context.createBuffer(1, samples.length, sampleRate);
    buffer.copyToChannel(matchLoudness(samples) as Float32Array<ArrayBuffer>, 0);
    const source = this.context.createBufferSource();
    source.buffer = buffer;
    source.connect(this.context.destination);
    source.onended = () => {
      if (this.source === source) this.source = null;
      onEnded();
    };
    this.source = source;
    source.start();
  }

  stop(): void {
    const playing = this.source;
    this.source = null;
    playing?.stop();
  }

  dispose(): void {
    this.stop();
    void this.context?.close();
    this.context = null;
  }
}
