/**
 * Envelope downsampling (spec section 5): cross-correlation of each envelope with the
 * Kaiser-windowed sinc at stride D, no padding ("valid").
 *
 * Written as one small matMul plus shifted slices rather than conv1d, whose input gradient is a
 * slow kernel on the wasm backend (~1 s per 211 x 40000 backward pass, 10x the forward): cut
 * each envelope into blocks of D samples and the taps into K = ceil(taps / D) blocks; then
 * frame m = sum_j <envelope block m + j, tap block j>. One [channels * blocks, D] x [D, K] product
 * gives every <block, tap block> pair; summing the K shifted diagonals gives the frames.
 */
import * as tf from '@tensorflow/tfjs';
import { constMatrix, matMulConstRight, type ConstMatrix } from './const-matmul.ts';
import { fastGradients } from '../engine/fast-gradients.ts';

export class EnvelopeDownsampler {
  readonly stride: number;
  readonly frames: number;
  private readonly tapBlocks: number;
  private readonly signalLength: number;
  private readonly blocks: number;
  /** [D, K]: tapMatrix[r, j] = taps[j D + r] (zero past the last tap). */
  private readonly tapMatrix: ConstMatrix;

  constructor(taps: Float64Array, stride: number, signalLength: number) {
    if (!Number.isInteger(stride) || stride < 1) throw new Error(`stride must be a positive integer, got ${stride}`);
    if (taps.length > signalLength) throw new Error('more taps than samples');
    this.stride = stride;
    this.signalLength = signalLength;
    this.frames = Math.floor((signalLength - taps.length) / stride) + 1;
    this.tapBlocks = Math.ceil(taps.length / stride);
    this.blocks = Math.ceil(signalLength / stride);
    const k = this.tapBlocks;
    const values = new Float32Array(stride * k);
    for (let j = 0; j < k; j++) {
      for (let r = 0; r < stride; r++) {
        const t = j * stride + r;
        values[r * k + j] = t < taps.length ? taps[t] : 0;
      }
    }
    this.tapMatrix = constMatrix(values, stride, k);
  }

  /** envelopes [channels, signalLength] -> [channels, frames]. */
  apply(envelopes: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const [channels, samples] = envelopes.shape;
      if (samples !== this.signalLength) throw new Error(`expected ${this.signalLength} samples, got ${samples}`);
      const d = this.stride;
      const k = this.tapBlocks;
      const padded = this.blocks * d === samples ? envelopes : tf.pad(envelopes, [[0, 0], [0, this.blocks * d - samples]]);
      const blockRows = tf.reshape(padded, [channels * this.blocks, d]) as tf.Tensor2D;
      const products = tf.reshape(matMulConstRight(blockRows, this.tapMatrix), [channels, this.blocks, k]);
      // frame m = sum_j products[:, m + j, j]; every m + j < blocks (the frames are "valid").
      // Tap block j first ([k, channels, blocks]): each diagonal is then a slice of whole runs of
      // `frames` values (wasm's Slice copies one innermost run at a time; with j last, one value).
      if (!fastGradients()) {
        // The plain formulation (bench --speedup's "before"): one slice per diagonal with j last.
        const slices = Array.from({ length: k }, (_, j) => tf.slice(products, [0, j, j], [channels, this.frames, 1]));
        return tf.reshape(tf.addN(slices), [channels, this.frames]) as tf.Tensor2D;
      }
      const byTap = tf.transpose(products, [2, 0, 1]);
      const diagonals = Array.from({ length: k }, (_, j) => tf.reshape(tf.slice(byTap, [j, 0, j], [1, channels, this.frames]), [channels, this.frames]));
      return tf.addN(diagonals) as tf.Tensor2D;
    });
  }

  dispose(): void {
    this.tapMatrix.value.dispose();
    this.tapMatrix.transposed.dispose();
  }
}
