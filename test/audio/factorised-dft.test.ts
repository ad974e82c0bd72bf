import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../src/platform/tf-node.ts';
import { FactorisedDft, balancedFactor } from '../../src/audio/factorised-dft.ts';
import { Rng } from '../../src/engine/random.ts';
import { readFixture, relativeL2 } from './fixtures.ts';

/** Plain O(N^2) float64 DFT with sign -1 (forward) or +1 and scale (1/N for the inverse). */
function directDft(re: Float64Array, im: Float64Array, sign: 1 | -1, scale: number): { re: Float64Array; im: Float64Array } {
  const n = re.length;
  const outRe = new Float64Array(n);
  const outIm = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let sr = 0;
    let si = 0;
    for (let t = 0; t < n; t++) {
      const angle = (sign * 2 * Math.PI * ((k * t) % n)) / n;
      const c = Math.cos(angle);
      const s = Math.sin(angle);
      sr += re[t] * c - im[t] * s;
      si += re[t] * s + im[t] * c;
    }
    outRe[k] = sr * scale;
    outIm[k] = si * scale;
  }
  return { re: outRe, im: outIm };
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

beforeAll(async () => {
  await useNodeBackend('cpu');
});

describe('FactorisedDft (cpu backend)', () => {
  it('picks the most balanced split', () => {
    expect(balancedFactor(40000)).toBe(200);
    expect(balancedFactor(60)).toBe(6);
    expect(balancedFactor(14)).toBe(2);
  });

  // P != Q and N/2 not a multiple of P exercise the index maps and the half-spectrum mask.
  for (const [n, rows] of [[60, 6], [60, 10], [24, 4], [4000, 50]] as const) {
    it(`real forward DFT, N = ${n} = ${rows} x ${n / rows}, matches a float64 O(N^2) DFT`, () => {
      const rng = new Rng(n);
      const x = Float64Array.from(rng.normalArray(n, 0, 1));
      const ref = directDft(x, new Float64Array(n), -1, 1);
      const dft = new FactorisedDft(n, rows);
      const before = tf.memory().numTensors;
      const { re, im } = dft.realForward(tf.tensor1d(Float32Array.from(x)));
      const binTensors = [dft.halfSpectrumToBins(re), dft.halfSpectrumToBins(im)];
      const [binsRe, binsIm] = binTensors.map((t) => t.dataSync());
      const half = n / 2 + 1;
      expect(binsRe.length).toBe(half);
      const scale = maxAbs(ref.re);
      expect(maxAbsDiff(binsRe, ref.re.subarray(0, half)) / scale).toBeLessThan(2e-6);
      expect(maxAbsDiff(binsIm, ref.im.subarray(0, half)) / scale).toBeLessThan(2e-6);
      // Slots above N/2 in the [A, P] layout are zero.
      const all = re.dataSync();
      for (let k = half; k < all.length; k++) expect(Math.abs(all[k])).toBe(0);
      tf.dispose([re, im, ...binTensors]);
      expect(tf.memory().numTensors).toBe(before + 1); // only the input tensor remains
      dft.dispose();
    });
  }

  for (const [n, rows] of [[60, 6], [24, 4]] as const) {
    it(`half-spectrum inverse, N = ${n}, batch 3, matches a float64 O(N^2) inverse DFT`, () => {
      const rng = new Rng(100 + n);
      const dft = new FactorisedDft(n, rows);
      const half = n / 2 + 1;
      const batch = 3;
      const specRe = Array.from({ length: batch }, () => Float64Array.from(rng.normalArray(half, 0, 1)));
      const specIm = Array.from({ length: batch }, () => Float64Array.from(rng.normalArray(half, 0, 1)));
      const shape: [number, number, number] = [dft.halfRows, batch, dft.rows];
      const out = dft.halfSpectrumInverse(tf.tensor3d(dft.layoutHalfSpectra(specRe), shape), tf.tensor3d(dft.layoutHalfSpectra(specIm), shape));
      const gotRe = dft.toSignalOrder(out.re).dataSync();
      const gotIm = dft.toSignalOrder(out.im).dataSync();
      for (let b = 0; b < batch; b++) {
        const fullRe = new Float64Array(n);
        const fullIm = new Float64Array(n);
        fullRe.set(specRe[b]);
        fullIm.set(specIm[b]);
        const ref = directDft(fullRe, fullIm, 1, 1 / n);
        const scale = Math.max(maxAbs(ref.re), maxAbs(ref.im));
        expect(maxAbsDiff(gotRe.subarray(b * n, (b + 1) * n), ref.re) / scale).toBeLessThan(2e-6);
        expect(maxAbsDiff(gotIm.subarray(b * n, (b + 1) * n), ref.im) / scale).toBeLessThan(2e-6);
      }
      dft.dispose();
    });
  }

  it('halfSpectrumInverseAdjoint is the adjoint: <L s, g> = <s, L^H g> (float64 sums)', () => {
    const n = 60;
    const dft = new FactorisedDft(n, 6);
    const rng = new Rng(11);
    const batch = 2;
    const inShape: [number, number, number] = [dft.halfRows, batch, dft.rows];
    const outShape: [number, number, number] = [dft.cols, batch, dft.rows];
    const rand = (shape: [number, number, number]) => tf.tensor3d(Float32Array.from(rng.normalArray(shape[0] * shape[1] * shape[2], 0, 1)), shape);
    const [sRe, sIm, gRe, gIm] = [rand(inShape), rand(inShape), rand(outShape), rand(outShape)];
    const ls = dft.halfSpectrumInverse(sRe, sIm);
    const lhg = dft.halfSpectrumInverseAdjoint(gRe, gIm);
    const dot = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => {
      const [ar, ai, br, bi] = [a, b, c, d].map((t) => t.dataSync());
      let sum = 0;
      for (let i = 0; i < ar.length; i++) sum += ar[i] * br[i] + ai[i] * bi[i];
      return sum;
    };
    const left = dot(ls.re, ls.im, gRe, gIm);
    const right = dot(sRe, sIm, lhg.re, lhg.im);
    expect(Math.abs(left - right)).toBeLessThan(1e-5 * Math.max(1, Math.abs(left)));
    expect(Math.abs(left)).toBeGreaterThan(1e-3);
    dft.dispose();
  });

  it('gradient of a linear functional of the spectrum equals the closed form', () => {
    const n = 60;
    const half = n / 2 + 1;
    const rng = new Rng(7);
    const dft = new FactorisedDft(n, 6);
    const wRe = Float64Array.from(rng.normalArray(half, 0, 1));
    const wIm = Float64Array.from(rng.normalArray(half, 0, 1));
    const wReT = tf.tensor1d(Float32Array.from(wRe));
    const wImT = tf.tensor1d(Float32Array.from(wIm));
    const x = tf.tensor1d(Float32Array.from(rng.normalArray(n, 0, 1)));
    const g = tf
      .grad((s: tf.Tensor) => {
        const { re, im } = dft.realForward(s);
        return tf.add(tf.sum(tf.mul(dft.halfSpectrumToBins(re), wReT)), tf.sum(tf.mul(dft.halfSpectrumToBins(im), wImT)));
      })(x)
      .dataSync();
    // X[k] = sum_t x[t] e^{-2 pi i k t / N}: dRe/dx[t] = cos, dIm/dx[t] = -sin.
    const expected = Float64Array.from({ length: n }, (_, t) => {
      let s = 0;
      for (let k = 0; k < half; k++) {
        const angle = (2 * Math.PI * ((k * t) % n)) / n;
        s += wRe[k] * Math.cos(angle) - wIm[k] * Math.sin(angle);
      }
      return s;
    });
    expect(maxAbsDiff(g, expected) / maxAbs(expected)).toBeLessThan(2e-6);
    dft.dispose();
  });

  it('N = 40000 = 200 x 200 real DFT matches numpy.fft.rfft (float64 fixture)', () => {
    const x = readFixture('paper', 'signal').data;
    const spec = readFixture('paper', 'spectrum').data; // real parts then imaginary parts
    const half = 20001;
    const dft = new FactorisedDft(40000);
    expect([dft.rows, dft.cols, dft.halfRows]).toEqual([200, 200, 101]);
    const { re, im } = dft.realForward(tf.tensor1d(Float32Array.from(x)));
    const gotRe = dft.halfSpectrumToBins(re).dataSync();
    const gotIm = dft.halfSpectrumToBins(im).dataSync();
    const got = new Float64Array(2 * half);
    got.set(gotRe);
    got.set(gotIm, half);
    expect(relativeL2(got, spec)).toBeLessThan(1e-5);
    dft.dispose();
  });

  it('N = 40000 inverse of the kept half spectrum has real part x/2 + (X0 + (-1)^n X_{N/2}) / 2N', () => {
    const x = readFixture('paper', 'signal').data;
    const n = 40000;
    const dft = new FactorisedDft(n);
    const { re, im } = dft.realForward(tf.tensor1d(Float32Array.from(x)));
    const [x0, xNyq] = [re.dataSync()[0], re.dataSync()[n / 2]];
    const out = dft.halfSpectrumInverse(tf.expandDims(re, 1), tf.expandDims(im, 1));
    const got = dft.toSignalOrder(out.re).dataSync();
    const expected = Float64Array.from(x, (v, t) => v / 2 + (x0 + (t % 2 === 0 ? 1 : -1) * xNyq) / (2 * n));
    expect(relativeL2(got, expected)).toBeLessThan(1e-5);
    dft.dispose();
  });
});
