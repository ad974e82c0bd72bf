/**
 * Cochleagrams for the page's audio views, computed in the worker: of the reference, the start
 * noise (x_0) and the metamer. Uses the model's own 'cochleagram' stage when it has one (same
 * parameters as the model sees), else one shared default Cochleagram. Metamer cochleagrams are
 * throttled (at most one per `minIntervalMs`), and the latest skipped one is computed when the
 * run pauses or ends, so the final metamer always gets its cochleagram.
 */
import * as tf from '@tensorflow/tfjs';
import { Cochleagram } from '../audio/cochleagram.ts';
import { validateCochleagramConfig, type CochleagramConfig } from '../audio/cochleagram-config.ts';
import { erbToHz } from '../audio/erb.ts';
import { channelCentresErb } from '../audio/filterbank.ts';
import type { StagedModel } from '../engine/types.ts';
import type { ModelManifest } from '../models/manifest.ts';
import type { CochleagramWhich, WorkerEvent } from './protocol.ts';

export const COCHLEAGRAM_INTERVAL_MS = 3000;

let shared: Cochleagram | null = null;

/** The cochleagram configuration an audio model declares (manifest.params.cochleagram), defaults filled. */
export function cochleagramConfigOf(manifest: ModelManifest): CochleagramConfig {
  const declared = (manifest.params as { cochleagram?: Partial<CochleagramConfig> } | undefined)?.cochleagram;
  return validateCochleagramConfig(declared ?? {});
}

/** Cochleagram.channelFrequencies without building the filterbank (the same formula). */
export function channelFrequencies(config: CochleagramConfig): number[] {
  return Array.from(channelCentresErb(config), (e) => Math.max(0, erbToHz(e)));
}

/** [1, channels, frames] cochleagram of one clip, read back to the host. */
export async function cochleagramOf(model: StagedModel, samples: Float32Array): Promise<{ shape: number[]; data: Float32Array }> {
  const out = tf.tidy(() => {
    const x = tf.tensor2d(samples, [1, samples.length]);
    if (model.stages.includes('cochleagram')) return model.forward(x, ['cochleagram']).cochleagram;
    shared ??= new Cochleagram();
    return shared.apply(x);
  });
  try {
    // Copy: on the cpu backend data() is the tensor's own storage, which a transfer would detach.
    return { shape: out.shape.slice(1), data: Float32Array.from(await out.data()) };
  } finally {
    out.dispose();
  }
}

/** Decides which snapshots get a cochleagram and posts them, one at a time, in order. */
export class CochleagramFeed {
  private lastAt = -Infinity;
  private skipped: { step: number; samples: Float32Array } | null = null;
  private sentStart = false;
  private readonly frequencies: number[];
  private readonly frameRate: number;
  private readonly startS: number;

  constructor(private readonly model: StagedModel, manifest: ModelManifest,
    private readonly post: (event: WorkerEvent) => void, private readonly minIntervalMs = COCHLEAGRAM_INTERVAL_MS,
    private readonly now: () => number = () => performance.now()) {
    const config = cochleagramConfigOf(manifest);
    this.frequencies = channelFrequencies(config);
    this.frameRate = config.envSampleRate;
    // Frame t is the (valid) downsampling window starting at sample t * factor: its centre.
    this.startS = (config.downsampleTaps - 1) / 2 / config.sampleRate;
  }

  async send(which: CochleagramWhich, step: number, samples: Float32Array): Promise<void> {
    const { shape, data } = await cochleagramOf(this.model, samples);
    this.post({ type: 'cochleagram', which, step, shape, data, frequencies: this.frequencies, frameRate: this.frameRate, startS: this.startS });
  }

  /** A new snapshot (its data still untransferred). */
  async snapshot(step: number, samples: Float32Array): Promise<void> {
    const first = !this.sentStart;
    const due = this.now() - this.lastAt >= this.minIntervalMs;
    if (!first && !due) {
      this.skipped = { step, samples: samples.slice() };
      return;
    }
    this.skipped = null;
    this.lastAt = this.now();
    if (first) this.sentStart = true;
    await this.send(first && step === 0 ? 'start' : 'metamer', step, samples);
  }

  /** The run paused or ended: the latest skipped snapshot gets its cochleagram now. */
  async flush(): Promise<void> {
    const skipped = this.skipped;
    this.skipped = null;
    if (!skipped) return;
    this.lastAt = this.now();
    await this.send('metamer', skipped.step, skipped.samples);
  }
}
