/**
 * Discrete Fourier transforms of length N = P x Q built only from real, differentiable tfjs ops
 * (matMul, elementwise products, reshape, transpose), so tf.grad flows through them on every
 * backend. tfjs registers no gradient for its complex FFT kernels, and its FFT of a length that is
 * not a power of two is a direct O(N^2) transform; this two-stage Cooley-Tukey factorisation costs
 * O(N (P + Q)) as a few large matrix products, which is what GPUs (and XNNPACK) do fastest.
 * Complex tensors are carried as separate real and imaginary float32 tensors.
 *
 * Half-spectrum layout ("[A, P]"): bin k = P a + b sits at [a, b], a = 0..A-1 with
 * A = floor(N/2 / P) + 1, b = 0..P-1; slots for bins above N/2 hold zeros. A batch of half spectra
 * is [A, batch, P], so that the first inverse stage is one matMul without a transpose.
 * The inverse's output comes as [Q, batch, P] (sample n = c + Q d at [c, :, d]); toSignalOrder()
 * turns it into [batch, N]. Elementwise work (the envelope magnitude) can run before that transpose.
 */
import * as tf from '@tensorflow/tfjs';
import { constMatrix, matMulConstLeft, matMulConstRight, type ConstMatrix } from './const-matmul.ts';

// A type alias (not an interface) so that it is a tf.TensorContainer for tf.tidy.
export type ComplexPair = { re: tf.Tensor; im: tf.Tensor };

/** The largest divisor of n not above sqrt(n): the most balanced two-factor split. */
export function balancedFactor(n: number): number {
  for (let p = Math.floor(Math.sqrt(n)); p >= 1; p--) if (n % p === 0) return p;
  return 1;
}

/**
 * exp(sign * 2 pi i * rowIndex(r) * colIndex(c) / modulus) * scale as float32 [rows, cols];
 * the product is reduced modulo `modulus` in integers first, so phases stay exact for large N.
 */
function phaseMatrix(
  rows: number,
  cols: number,
  modulus: number,
  sign: 1 | -1,
  scale = 1,
): { re: Float32Array; im: Float32Array } {
  const re = new Float32Array(rows * cols);
  const im = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const angle = (sign * 2 * Math.PI * ((r * c) % modulus)) / modulus;
      re[r * cols + c] = Math.cos(angle) * scale;
      im[r * cols + c] = Math.sin(angle) * scale;
    }
  }
  return { re, im };
}

/** A constant complex matrix; `sum` = re + im, for the three-product (Gauss) complex matMul. */
interface ComplexConst {
  re: ConstMatrix;
  im: ConstMatrix;
  sum: ConstMatrix;
}

// Complex products with three real matMuls instead of four (Gauss):
// (xr + i xi)(mr + i mi) = (t1 - t2) + i (t3 - t1 - t2), t1 = xr mr, t2 = xi mi, t3 = (xr + xi)(mr + mi).
// The matMuls dominate the cost, so this saves ~25% of it for a few extra elementwise passes.

/** M @ (xr + i xi) for a constant complex M. */
function complexMatMulLeft(m: ComplexConst, xr: tf.Tensor2D, xi: tf.Tensor2D): { re: tf.Tensor2D; im: tf.Tensor2D } {
  const t1 = matMulConstLeft(m.re, xr);
  const t2 = matMulConstLeft(m.im, xi);
  const t3 = matMulConstLeft(m.sum, tf.add(xr, xi));
  return { re: tf.sub(t1, t2), im: tf.sub(tf.sub(t3, t1), t2) };
}

/** (xr + i xi) @ M for a constant complex M. */
function complexMatMulRight(xr: tf.Tensor2D, xi: tf.Tensor2D, m: ComplexConst): { re: tf.Tensor2D; im: tf.Tensor2D } {
  const t1 = matMulConstRight(xr, m.re);
  const t2 = matMulConstRight(xi, m.im);
  const t3 = matMulConstRight(tf.add(xr, xi), m.sum);
  return { re: tf.sub(t1, t2), im: tf.sub(tf.sub(t3, t1), t2) };
}

/** Runs one stage in a tidy scope, then frees the previous stage's outputs (eager, tape-free). */
function stage<T extends tf.TensorContainer>(previous: tf.Tensor[], f: () => T): T {
  const out = tf.tidy(f);
  tf.dispose(previous);
  return out;
}

function complexMul(ar: tf.Tensor, ai: tf.Tensor, br: tf.Tensor, bi: tf.Tensor): ComplexPair {
  return { re: tf.sub(tf.mul(ar, br), tf.mul(ai, bi)), im: tf.add(tf.mul(ar, bi), tf.mul(ai, br)) };
}

export class FactorisedDft {
  readonly length: number;
  /** P: columns of the half-spectrum layout. */
  readonly rows: number;
  /** Q = N / P. */
  readonly cols: number;
  /** A: rows of the half-spectrum layout (only these carry bins 0..N/2). */
  readonly halfRows: number;
  private readonly tensors: tf.Tensor[] = [];
  // Forward (real input, negative exponent).
  private readonly fwdStage1: ComplexConst;
  private readonly fwdTwiddle: { re: tf.Tensor2D; im: tf.Tensor2D };
  private readonly fwdStage2: ComplexConst;
  private readonly halfMask: tf.Tensor2D;
  // Inverse (positive exponent, 1/N folded into the second stage).
  private readonly invStage1: ComplexConst;
  private readonly invTwiddle: { re: tf.Tensor3D; im: tf.Tensor3D };
  private readonly invStage2: ComplexConst;
  // The inverse's adjoint (its conjugate transpose), for hand-written backward passes.
  private readonly adjStage2: ComplexConst;
  private readonly adjTwiddle: { re: tf.Tensor3D; im: tf.Tensor3D };
  private readonly adjStage1: ComplexConst;

  constructor(length: number, rows = balancedFactor(length)) {
    if (!Number.isInteger(length) || length < 2 || length % 2 !== 0) throw new Error(`DFT length must be an even integer >= 2, got ${length}`);
    if (!Number.isInteger(rows) || rows < 1 || length % rows !== 0) throw new Error(`${rows} does not divide ${length}`);
    const n = length;
    const p = rows;
    const q = n / p;
    const a = Math.floor(n / 2 / p) + 1;
    this.length = n;
    this.rows = p;
    this.cols = q;
    this.halfRows = a;
    const keep = <T extends tf.Tensor>(t: T): T => {
      this.tensors.push(t);
      return t;
    };
    const pair2 = (m: { re: Float32Array; im: Float32Array }, r: number, c: number) => ({
      re: keep(tf.tensor2d(m.re, [r, c])),
      im: keep(tf.tensor2d(m.im, [r, c])),
    });
    const keepConst = (values: Float32Array, r: number, c: number): ConstMatrix => {
      const m = constMatrix(values, r, c);
      keep(m.value);
      keep(m.transposed);
      return m;
    };
    const const2 = (m: { re: Float32Array; im: Float32Array }, r: number, c: number): ComplexConst => ({
      re: keepConst(m.re, r, c),
      im: keepConst(m.im, r, c),
      sum: keepConst(m.re.map((v, i) => v + m.im[i]), r, c),
    });

    // x[Q p + q] -> X[k1 + P k2] = sum_q W_N^{q k1} W_Q^{q k2} sum_p W_P^{p k1} x[p, q].
    this.fwdStage1 = const2(phaseMatrix(p, p, p, -1), p, p); // [k1, p]
    this.fwdTwiddle = pair2(phaseMatrix(p, q, n, -1), p, q); // [k1, q]
    // The first A columns of a [Q, Q] matrix: only k2 < A reaches bins 0..N/2, and only a < A is
    // non-zero in a half spectrum.
    const firstColumns = (m: { re: Float32Array; im: Float32Array }) => {
      const take = (v: Float32Array) => Float32Array.from({ length: q * a }, (_, i) => v[Math.floor(i / a) * q + (i % a)]);
      return { re: take(m.re), im: take(m.im) };
    };
    this.fwdStage2 = const2(firstColumns(phaseMatrix(q, q, q, -1)), q, a); // [q, k2]
    const mask = Float32Array.from({ length: a * p }, (_, i) => (i <= n / 2 ? 1 : 0));
    this.halfMask = keep(tf.tensor2d(mask, [a, p]));

    // X[P a + b] -> x[c + Q d] = 1/N sum_b W_P^{-b d} W_N^{-b c} sum_a W_Q^{-a c} X[a, b].
    this.invStage1 = const2(firstColumns(phaseMatrix(q, q, q, 1)), q, a); // [c, a]
    const tw = phaseMatrix(q, p, n, 1); // [c, b]
    this.invTwiddle = { re: keep(tf.tensor3d(tw.re, [q, 1, p])), im: keep(tf.tensor3d(tw.im, [q, 1, p])) };
    const g2 = phaseMatrix(p, p, p, 1, 1 / n);
    this.invStage2 = const2(g2, p, p); // [b, d]

    // Adjoint: conj(G2) (symmetric), conj(twiddle), conj(G1)^T.
    this.adjStage2 = const2({ re: g2.re, im: g2.im.map((v) => -v) }, p, p);
    this.adjTwiddle = { re: keep(tf.tensor3d(tw.re, [q, 1, p])), im: keep(tf.tensor3d(tw.im.map((v) => -v), [q, 1, p])) };
    const g1 = firstColumns(phaseMatrix(q, q, q, 1));
    const conjTranspose = (v: Float32Array, sign: number) => Float32Array.from({ length: a * q }, (_, i) => sign * v[(i % q) * a + Math.floor(i / q)]);
    this.adjStage1 = const2({ re: conjTranspose(g1.re, 1), im: conjTranspose(g1.im, -1) }, a, q); // [a, c]
  }

  /** Real signal [N] (or [1, N]) -> half spectrum [A, P] (real, imaginary), bins above N/2 zeroed. */
  realForward(x: tf.Tensor): ComplexPair {
    return tf.tidy(() => {
      const p = this.rows;
      const q = this.cols;
      const grid = tf.reshape(x, [p, q]) as tf.Tensor2D; // x[Q p + q] at [p, q]
      const y = { re: matMulConstLeft(this.fwdStage1.re, grid), im: matMulConstLeft(this.fwdStage1.im, grid) };
      const t = complexMul(y.re, y.im, this.fwdTwiddle.re, this.fwdTwiddle.im) as { re: tf.Tensor2D; im: tf.Tensor2D };
      const z = complexMatMulRight(t.re, t.im, this.fwdStage2); // [k1, k2]
      return {
        re: tf.mul(tf.transpose(z.re), this.halfMask),
        im: tf.mul(tf.transpose(z.im), this.halfMask),
      };
    });
  }

  /**
   * Inverse DFT (1/N) of a batch of spectra that are zero outside bins 0..N/2 — the analytic
   * signal when the input is a filtered real spectrum. Input [A, batch, P]; output [Q, batch, P].
   *
   * Not differentiable by tfjs's tape: each stage's intermediates are disposed as soon as the
   * next stage has them, which keeps the peak memory at a few [batch, N] tensors. For gradients
   * use it inside a custom-gradient op with halfSpectrumInverseAdjoint as the backward pass.
   */
  halfSpectrumInverse(re: tf.Tensor, im: tf.Tensor): ComplexPair {
    const [a, batch, p] = re.shape;
    if (a !== this.halfRows || p !== this.rows || im.shape.join() !== re.shape.join()) {
      throw new Error(`expected half spectra [${this.halfRows}, batch, ${this.rows}], got [${re.shape}] / [${im.shape}]`);
    }
    const q = this.cols;
    const y = tf.tidy(() => {
      const flat = (t: tf.Tensor) => tf.reshape(t, [a, batch * p]) as tf.Tensor2D;
      return complexMatMulLeft(this.invStage1, flat(re), flat(im)); // [c, batch*b]
    });
    const t = stage([y.re, y.im], () => {
      const grid = (u: tf.Tensor) => tf.reshape(u, [q, batch, p]);
      return complexMul(grid(y.re), grid(y.im), this.invTwiddle.re, this.invTwiddle.im);
    });
    return stage([t.re, t.im], () => {
      const rowsOf = (u: tf.Tensor) => tf.reshape(u, [q * batch, p]) as tf.Tensor2D;
      const z = complexMatMulRight(rowsOf(t.re), rowsOf(t.im), this.invStage2); // [c*batch, d]
      return { re: tf.reshape(z.re, [q, batch, p]), im: tf.reshape(z.im, [q, batch, p]) };
    });
  }

  /**
   * The adjoint (conjugate transpose) of halfSpectrumInverse: [Q, batch, P] -> [A, batch, P].
   * For a real loss with g = dL/dRe + i dL/dIm at the inverse's output, it returns the same at
   * its input. Disposes intermediates eagerly, like halfSpectrumInverse.
   */
  halfSpectrumInverseAdjoint(re: tf.Tensor, im: tf.Tensor): ComplexPair {
    const [q, batch, p] = re.shape;
    if (q !== this.cols || p !== this.rows || im.shape.join() !== re.shape.join()) {
      throw new Error(`expected [${this.cols}, batch, ${this.rows}], got [${re.shape}] / [${im.shape}]`);
    }
    const a = this.halfRows;
    const z = tf.tidy(() => {
      const rowsOf = (u: tf.Tensor) => tf.reshape(u, [q * batch, p]) as tf.Tensor2D;
      return complexMatMulRight(rowsOf(re), rowsOf(im), this.adjStage2); // [c*batch, b]
    });
    const t = stage([z.re, z.im], () => {
      const grid = (u: tf.Tensor) => tf.reshape(u, [q, batch, p]);
      return complexMul(grid(z.re), grid(z.im), this.adjTwiddle.re, this.adjTwiddle.im);
    });
    return stage([t.re, t.im], () => {
      const flat = (u: tf.Tensor) => tf.reshape(u, [q, batch * p]) as tf.Tensor2D;
      const y = complexMatMulLeft(this.adjStage1, flat(t.re), flat(t.im)); // [a, batch*b]
      return { re: tf.reshape(y.re, [a, batch, p]), im: tf.reshape(y.im, [a, batch, p]) };
    });
  }

  /** [Q, batch, P] inverse output (sample c + Q d at [c, :, d]) -> [batch, N] in time order. */
  toSignalOrder(t: tf.Tensor): tf.Tensor2D {
    const batch = t.shape[1] ?? 1;
    return tf.tidy(() => tf.reshape(tf.transpose(t, [1, 2, 0]), [batch, this.length]));
  }

  /** Inverse of toSignalOrder: [batch, N] -> [Q, batch, P]. */
  fromSignalOrder(t: tf.Tensor): tf.Tensor3D {
    const batch = t.shape[0] ?? 1;
    return tf.tidy(() => tf.transpose(tf.reshape(t, [batch, this.rows, this.cols]), [2, 0, 1]) as tf.Tensor3D);
  }

  /** Half-spectrum layout [A, P] (or [A, batch, P]) -> bins 0..N/2 as [N/2 + 1] (or [batch, N/2 + 1]). */
  halfSpectrumToBins(t: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const bins = this.length / 2 + 1;
      if (t.rank === 2) return tf.slice(tf.reshape(t, [-1]), 0, bins);
      const [a, batch, p] = t.shape;
      return tf.slice(tf.reshape(tf.transpose(t, [1, 0, 2]), [batch, a * p]), [0, 0], [batch, bins]);
    });
  }

  /** Host-side: rows of bins 0..N/2 -> Float32Array in the [A, rows.length, P] layout (zeros above N/2). */
  layoutHalfSpectra(rows: ArrayLike<number>[]): Float32Array {
    const a = this.halfRows;
    const p = this.rows;
    const batch = rows.length;
    const out = new Float32Array(a * batch * p);
    const bins = this.length / 2 + 1;
    rows.forEach((row, ch) => {
      if (row.length !== bins) throw new Error(`expected ${bins} bins, got ${row.length}`);
      for (let k = 0; k < bins; k++) out[(Math.floor(k / p) * batch + ch) * p + (k % p)] = row[k];
    });
    return out;
  }

  dispose(): void {
    for (const t of this.tensors) t.dispose();
    this.tensors.length = 0;
  }
}
