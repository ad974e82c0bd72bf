/**
 * The anti-aliasing low-pass used to downsample the envelopes (spec section 5): taps at
 * t = k - (taps - 1)/2 - 0.5 (t = -500.5 .. 499.5 for 1001 taps), h(t) = sinc(t / D) / D times a
 * Kaiser window, D = sampleRate / envSampleRate (a cut-off at half the envelope rate).
 */
import { cochleagramShape, validateCochleagramConfig, type CochleagramConfig } from './cochleagram-config.ts';

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = Math.PI * x;
  return Math.sin(px) / px;
}

/** Modified Bessel function of the first kind, order 0 (power series; converges for all x). */
export function besselI0(x: number): number {
  const q = (x * x) / 4;
  let term = 1;
  let sum = 1;
  for (let k = 1; k < 500; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

/** numpy.kaiser(length, beta): I0(beta sqrt(1 - (2n/(M-1) - 1)^2)) / I0(beta). */
export function kaiserWindow(length: number, beta: number): Float64Array {
  if (length === 1) return Float64Array.of(1);
  const denom = besselI0(beta);
  return Float64Array.from({ length }, (_, n) => {
    const r = (2 * n) / (length - 1) - 1;
    return besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / denom;
  });
}

export function kaiserSincTaps(partial: Partial<CochleagramConfig> = {}): Float64Array {
  const config = validateCochleagramConfig(partial);
  const { downsampleFactor } = cochleagramShape(config);
  const taps = config.downsampleTaps;
  const window = kaiserWindow(taps, config.kaiserBeta);
  return Float64Array.from({ length: taps }, (_, k) => {
    const t = k - (taps - 1) / 2 - 0.5;
    return (sinc(t / downsampleFactor) / downsampleFactor) * window[k];
  });
}
