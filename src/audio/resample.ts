/**
 * Band-limited sample-rate conversion: Kaiser-windowed sinc interpolation, evaluated as a
 * polyphase filter when the rate ratio is a small rational L/M (every common audio rate to
 * 20 kHz: 44100 -> 200/441, 48000 -> 5/12, 16000 -> 5/4), else tap by tap.
 *
 * Output sample m sits at input time t = m * from / to and is sum_k x[k] h(t - k), with
 *   h(tau) = 2 fc sinc(2 fc tau) kaiser(tau / W),  fc = CUTOFF * min(1, to/from) / 2,
 * i.e. a low-pass at 95% of the lower Nyquist, so the same kernel anti-aliases (downsampling)
 * and interpolates (upsampling) with unit gain at DC. The window spans HALF_WIDTH samples of
 * the lower rate on each side, with beta for ~80 dB stop-band attenuation: the pass band is
 * flat to 1e-4 up to ~91% of the lower Nyquist and the stop band starts at ~99%.
 * Samples outside the signal are zero, so the first and last ~HALF_WIDTH output samples
 * see the edges.
 */
import { besselI0 } from './kaiser-sinc.ts';

/** Cut-off as a fraction of the lower of the two Nyquist frequencies. */
const CUTOFF = 0.95;
/** Half-length of the window, in samples at the lower of the two rates. */
const HALF_WIDTH = 64;
/** Kaiser beta for A = 80 dB: 0.1102 (A - 8.7). */
const BETA = 0.1102 * (80 - 8.7);
/** Above this many table entries (L phases x taps), taps are computed on the fly instead. */
const MAX_TABLE = 1 << 22;

function checkRate(rate: number, name: string): void {
  if (!Number.isFinite(rate) || rate <= 0) throw new RangeError(`${name} must be a positive number of Hz, got ${rate}`);
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Length of x resampled from fromRate to toRate: round(n * to / from). */
export function resampledLength(n: number, fromRate: number, toRate: number): number {
  return Math.round((n * toRate) / fromRate);
}

interface Kernel {
  /** Half-width of the window in input samples. */
  width: number;
  /** The interpolation kernel at offset tau (input samples) from an output sample's position. */
  at(tau: number): number;
}

function kernel(fromRate: number, toRate: number): Kernel {
  const ratio = Math.min(1, toRate / fromRate);
  const twoFc = CUTOFF * ratio;
  const width = HALF_WIDTH / ratio;
  const i0Beta = besselI0(BETA);
  return {
    width,
    at(tau) {
      const u = tau / width;
      if (u <= -1 || u >= 1) return 0;
      const arg = Math.PI * twoFc * tau;
      const sinc = arg === 0 ? 1 : Math.sin(arg) / arg;
      return twoFc * sinc * (besselI0(BETA * Math.sqrt(1 - u * u)) / i0Beta);
    },
  };
}

/**
 * Output samples start .. start + count - 1 of resample(x, fromRate, toRate), computed
 * without the rest (exactly the same values), so that a window of a long file is cheap.
 */
export function resampleRange(x: Float32Array, fromRate: number, toRate: number, start: number, count: number): Float32Array {
  checkRate(fromRate, 'fromRate');
  checkRate(toRate, 'toRate');
  if (!Number.isInteger(start) || !Number.isInteger(count) || count < 0) throw new RangeError(`bad output range start=${start} count=${count}`);
  if (fromRate === toRate) {
    const out = new Float32Array(count);
    for (let m = 0; m < count; m++) {
      const k = start + m;
      out[m] = k >= 0 && k < x.length ? x[k] : 0;
    }
    return out;
  }
  const h = kernel(fromRate, toRate);
  const reach = Math.ceil(h.width);
  const taps = 2 * reach + 1; // offsets j = -reach .. reach from floor(t)
  const n = x.length;
  const out = new Float32Array(count);
  const rational = Number.isInteger(fromRate) && Number.isInteger(toRate);
  const g = rational ? gcd(fromRate, toRate) : 1;
  const up = toRate / g; // L
  const down = fromRate / g; // M
  if (rational && up * taps <= MAX_TABLE) {
    // Polyphase: t = m M / L = base + p / L; the kernel for phase p is tabulated once.
    const table = new Float64Array(up * taps);
    for (let p = 0; p < up; p++) {
      for (let j = -reach; j <= reach; j++) table[p * taps + j + reach] = h.at(p / up - j);
    }
    for (let i = 0; i < count; i++) {
      const m = start + i;
      const num = m * down;
      const base = Math.floor(num / up);
      const phase = num - base * up;
      const row = phase * taps;
      const lo = Math.max(-reach, -base);
      const hi = Math.min(reach, n - 1 - base);
      let acc = 0;
      for (let j = lo; j <= hi; j++) acc += x[base + j] * table[row + j + reach];
      out[i] = acc;
    }
    return out;
  }
  for (let i = 0; i < count; i++) {
    const t = ((start + i) * fromRate) / toRate;
    const base = Math.floor(t);
    const lo = Math.max(-reach, -base);
    const hi = Math.min(reach, n - 1 - base);
    let acc = 0;
    for (let j = lo; j <= hi; j++) acc += x[base + j] * h.at(t - base - j);
    out[i] = acc;
  }
  return out;
}

/**
 * x resampled from fromRate to toRate (Hz), round(n * to / from) samples; a copy of x when
 * the rates are equal.
 */
export function resample(x: Float32Array, fromRate: number, toRate: number): Float32Array {
  checkRate(fromRate, 'fromRate');
  checkRate(toRate, 'toRate');
  if (fromRate === toRate) return x.slice();
  return resampleRange(x, fromRate, toRate, 0, resampledLength(x.length, fromRate, toRate));
}
