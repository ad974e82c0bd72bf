/**
 * The cochleagram (spec section 5), the audio models' fixed front end, as one differentiable
 * float32 tfjs graph: real DFT -> 211 zero-phase ERB filters -> analytic signals (negative bins
 * zero) -> inverse DFT -> magnitude (Hilbert envelope) -> Kaiser-sinc downsampling to 200 Hz ->
 * clipped-gradient power compression. Output [1, channels, frames] = [1, 211, 390] by default.
 *
 * All channels are processed as one batch, so a forward pass is a dozen large matMuls plus a few
 * small ones, and so is the backward pass (the envelope stage is one custom-gradient op whose
 * backward pass is the inverse DFT's adjoint; peak memory ~0.5 GB forward, ~0.7 GB forward +
 * backward at the paper's size). Constant tensors (filters, DFT matrices, taps) are built once;
 * call dispose() when done.
 */
import * as tf from '@tensorflow/tfjs';
import {
  cochleagramShape,
  validateCochleagramConfig,
  type CochleagramConfig,
  type CochleagramShape,
} from './cochleagram-config.ts';
import { makeCompression } from './compress.ts';
import { EnvelopeDownsampler } from './downsample.ts';
import { hilbertEnvelopes } from './envelope.ts';
import { FactorisedDft } from './factorised-dft.ts';
import { makeFilterbank } from './filterbank.ts';
import { kaiserSincTaps } from './kaiser-sinc.ts';

export class Cochleagram {
  readonly config: Readonly<CochleagramConfig>;
  readonly shape: Readonly<CochleagramShape>;
  /** Nominal frequency (Hz) of each output channel, low to high. */
  readonly channelFrequencies: Float64Array;
  private readonly dft: FactorisedDft;
  /** Real filter gains in the DFT's half-spectrum layout [A, channels, P]. */
  private readonly filters: tf.Tensor3D;
  private readonly downsampler: EnvelopeDownsampler;
  private readonly compress: (x: tf.Tensor) => tf.Tensor;
  private disposed = false;

  constructor(config: Partial<CochleagramConfig> = {}) {
    this.config = Object.freeze(validateCochleagramConfig(config));
    this.shape = Object.freeze(cochleagramShape(this.config));
    const bank = makeFilterbank(this.config);
    this.channelFrequencies = bank.centres;
    this.dft = new FactorisedDft(this.config.signalLength);
    const { halfRows, rows } = this.dft;
    this.filters = tf.tensor3d(this.dft.layoutHalfSpectra(bank.filters), [halfRows, bank.filters.length, rows]);
    this.downsampler = new EnvelopeDownsampler(kaiserSincTaps(this.config), this.shape.downsampleFactor, this.config.signalLength);
    this.compress = makeCompression({
      power: this.config.compressionPower,
      offset: this.config.compressionOffset,
      gradientClip: this.config.gradientClip,
    });
  }

  /** x: [signalLength] or [1, signalLength] float32 -> [1, channels, frames]. */
  apply(x: tf.Tensor): tf.Tensor3D {
    if (this.disposed) throw new Error('Cochleagram used after dispose()');
    const n = this.config.signalLength;
    if (x.size !== n || (x.rank === 2 && x.shape[0] !== 1) || x.rank > 2) {
      throw new Error(`Cochleagram expects [${n}] or [1, ${n}], got [${x.shape}]`);
    }
    return tf.tidy(() => {
      const envelopes = this.envelopes(x);
      const down = this.downsampler.apply(envelopes);
      return tf.expandDims(this.compress(down), 0) as tf.Tensor3D;
    });
  }

  /** Hilbert envelopes at the input rate, [channels, signalLength] (before downsampling). */
  envelopes(x: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => {
      const spectrum = this.dft.realForward(x); // [A, P]
      return hilbertEnvelopes(this.dft, this.filters, spectrum.re, spectrum.im);
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.dft.dispose();
    this.filters.dispose();
    this.downsampler.dispose();
  }
}

export { DEFAULT_COCHLEAGRAM_CONFIG, validateCochleagramConfig, type CochleagramConfig } from './cochleagram-config.ts';
export { erb, erbToHz } from './erb.ts';
export { makeFilterbank } from './filterbank.ts';
export { kaiserSincTaps } from './kaiser-sinc.ts';
