/**
 * Applies the 110 Spectemp modulation filters to a cochleagram as a differentiable tfjs graph of
 * real matrix products (tfjs has no FFT gradient). The operators are the zero-padded DFT filtering
 * of spectemp-filters.ts folded into channels x channels and frames x frames matrices, so the
 * result equals pad -> 2-D DFT -> x H -> inverse DFT -> crop exactly (up to float32 rounding).
 *
 * Work per forward pass (paper sizes 211 x 390): [7*211, 211] @ [211, 390] and [6*211, 211] @
 * [211, 390] along frequency, then [1477, 390] @ [390, 3510] and [1266, 390] @ [390, 3120] along
 * time: about 3.6 GMAC, versus ~34 GMAC for running complex 422 x 1190 DFTs per filter.
 */
import * as tf from '@tensorflow/tfjs';
import { constMatrix, matMulConstLeft, matMulConstRight, type ConstMatrix } from '../../audio/const-matmul.ts';
import {
  DEFAULT_CENTRES,
  factorisedFilterbank,
  modulationFilters,
  type FilterCentres,
  type ModulationFilter,
  type SpectempGeometry,
} from './spectemp-filters.ts';

/** Stacks float64 [n x n] blocks vertically into one float32 [blocks * n, n] matrix. */
function stackRows(blocks: Float64Array[], n: number): ConstMatrix {
  const out = new Float32Array(blocks.length * n * n);
  blocks.forEach((b, i) => out.set(b, i * n * n));
  return constMatrix(out, blocks.length * n, n);
}

/** [T, blocks * T]: the transposes of the blocks side by side (right-multiplication X Q^T). */
function stackTransposedColumns(blocks: Float64Array[], n: number): ConstMatrix {
  const cols = blocks.length * n;
  const out = new Float32Array(n * cols);
  blocks.forEach((b, q) => {
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[j * cols + q * n + i] = b[i * n + j];
  });
  return constMatrix(out, n, cols);
}

export class SpectempFilterbank {
  readonly filters: ModulationFilter[];
  private readonly specEven: ConstMatrix; // [(S+1) C, C]
  private readonly specOdd: ConstMatrix; // [S C, C]
  private readonly tempEven: ConstMatrix; // [T, (R+1) T]
  private readonly tempOdd: ConstMatrix; // [T, R T]
  private disposed = false;

  constructor(
    readonly geometry: SpectempGeometry,
    readonly centres: FilterCentres = DEFAULT_CENTRES,
  ) {
    const ops = factorisedFilterbank(geometry, centres);
    this.filters = modulationFilters(centres);
    const { channels: C, frames: T } = geometry;
    this.specEven = stackRows(ops.spectralEven, C);
    this.specOdd = stackRows(ops.spectralOdd, C);
    this.tempEven = stackTransposedColumns(ops.temporalEven, T);
    this.tempOdd = stackTransposedColumns(ops.temporalOdd, T);
  }

  get filterCount(): number {
    return this.filters.length;
  }

  /** cochleagram [C, T] or [1, C, T] -> filtered signal [filters, C, T] (real). */
  apply(cochleagram: tf.Tensor): tf.Tensor3D {
    if (this.disposed) throw new Error('SpectempFilterbank used after dispose()');
    const { channels: C, frames: T } = this.geometry;
    if (cochleagram.size !== C * T || cochleagram.shape[cochleagram.rank - 1] !== T) {
      throw new Error(`SpectempFilterbank expects [${C}, ${T}] or [1, ${C}, ${T}], got [${cochleagram.shape}]`);
    }
    const S = this.centres.scales.length;
    const R = this.centres.rates.length;
    return tf.tidy(() => {
      const x = tf.reshape(cochleagram, [C, T]) as tf.Tensor2D;
      // Frequency axis first (cheaper: C x C operators), then time.
      const even = matMulConstRight(matMulConstLeft(this.specEven, x), this.tempEven); // [(S+1)C, (R+1)T]
      const odd = matMulConstRight(matMulConstLeft(this.specOdd, x), this.tempOdd); // [S C, R T]
      // -> [spectral op, temporal op, C, T]
      const e = tf.transpose(tf.reshape(even, [S + 1, C, R + 1, T]), [0, 2, 1, 3]);
      const o = tf.transpose(tf.reshape(odd, [S, C, R, T]), [0, 2, 1, 3]);
      const separable = tf.slice(e, [0, 0, 0, 0], [S, R, C, T]);
      const up = tf.mul(tf.add(separable, o), 0.5);
      const down = tf.mul(tf.sub(separable, o), 0.5);
      // Up filters then down filters (not interleaved): concatenating along the outermost axis keeps
      // the backward pass a contiguous split; interleaving (stack / inner-axis concat) made the
      // wasm backward pass ~20 s slower.
      const directional = tf.concat([tf.reshape(up, [S * R, C, T]), tf.reshape(down, [S * R, C, T])], 0);
      const spectral = tf.reshape(tf.slice(e, [0, R, 0, 0], [S, 1, C, T]), [S, C, T]);
      const temporal = tf.reshape(tf.slice(e, [S, 0, 0, 0], [1, R, C, T]), [R, C, T]);
      return tf.concat([directional, spectral, temporal], 0) as tf.Tensor3D;
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const m of [this.specEven, this.specOdd, this.tempEven, this.tempOdd]) {
      m.value.dispose();
      m.transposed.dispose();
    }
  }
}
