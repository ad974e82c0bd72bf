/**
 * The half-cosine ERB filterbank of spec section 5, in float64 on the host.
 *
 * s (n + 1) - 1 band-pass filters, equally spaced in ERB with spacing d, each a half period of a
 * cosine 2 s d wide on the ERB axis, plus s low-pass and s high-pass filters that complete the
 * squared responses at the edges; everything divided by sqrt(s), so that the squared responses of
 * all channels sum to exactly 1 in every bin (the filterbank is a tight frame: no energy is lost).
 * Filters are real, zero-phase gains on the real-FFT bins f_k = k * sampleRate / N, k = 0..N/2.
 */
import { cochleagramShape, validateCochleagramConfig, type CochleagramConfig } from './cochleagram-config.ts';
import { erb, erbToHz } from './erb.ts';

export interface Filterbank {
  /** channelCount rows (low to high) of binCount real gains. */
  filters: Float64Array[];
  /** Nominal frequency of each channel in Hz, increasing (see channelCentresErb). */
  centres: Float64Array;
}

/** Frequencies of the real-FFT bins 0..N/2. */
export function binFrequencies(config: CochleagramConfig): Float64Array {
  const { binCount } = cochleagramShape(config);
  const binHz = config.sampleRate / config.signalLength;
  return Float64Array.from({ length: binCount }, (_, k) => k * binHz);
}

/**
 * The 203 (for the defaults) band-pass centres on the ERB axis and their spacing d: s(n+1)+1
 * points equally spaced from erb(low) to erb(high), end points dropped.
 */
export function bandPassCentresErb(config: CochleagramConfig): { centres: Float64Array; spacing: number } {
  const { bandPassCount } = cochleagramShape(config);
  const lo = erb(config.lowHz);
  const hi = erb(config.highHz);
  const spacing = (hi - lo) / (bandPassCount + 1);
  const centres = Float64Array.from({ length: bandPassCount }, (_, i) => lo + (i + 1) * spacing);
  return { centres, spacing };
}

/**
 * ERB position of every channel, low to high. Band-pass channels: their centre. Low-pass j and
 * high-pass j have no centre; they get the equally spaced grid continued past the ends
 * (c_j - s d and c_{last-j} + s d), which keeps the list increasing and in ERB steps of d.
 */
export function channelCentresErb(config: CochleagramConfig): Float64Array {
  const s = config.sampleFactor;
  const { centres, spacing } = bandPassCentresErb(config);
  const last = centres.length - 1;
  const lows = Array.from({ length: s }, (_, j) => centres[j] - s * spacing);
  const highs = Array.from({ length: s }, (_, i) => centres[last - (s - 1 - i)] + s * spacing);
  return Float64Array.from([...lows, ...centres, ...highs]);
}

export function makeFilterbank(partial: Partial<CochleagramConfig> = {}): Filterbank {
  const config = validateCochleagramConfig(partial);
  const s = config.sampleFactor;
  const { binCount } = cochleagramShape(config);
  const freqs = binFrequencies(config);
  const freqsErb = freqs.map(erb);
  const { centres, spacing } = bandPassCentresErb(config);
  const halfWidth = s * spacing;

  const bandPass = Array.from(centres, (c) => {
    const gains = new Float64Array(binCount);
    for (let k = 0; k < binCount; k++) {
      const e = freqsErb[k];
      // Open interval: the cosine is exactly zero at both ends anyway.
      if (e > c - halfWidth && e < c + halfWidth) gains[k] = Math.cos(((e - c) / (2 * halfWidth)) * Math.PI);
    }
    return gains;
  });

  const last = centres.length - 1;
  const complement = (bp: Float64Array, keep: (k: number) => boolean) => {
    const gains = new Float64Array(binCount);
    for (let k = 0; k < binCount; k++) if (keep(k)) gains[k] = Math.sqrt(1 - bp[k] * bp[k]);
    return gains;
  };
  // Low-pass j: every bin strictly below the Hz centre of band-pass j.
  const lowPass = Array.from({ length: s }, (_, j) => {
    const edgeHz = erbToHz(centres[j]);
    return complement(bandPass[j], (k) => freqs[k] < edgeHz);
  });
  // High-pass j: every bin strictly above the Hz centre of band-pass last - j.
  const highPass = Array.from({ length: s }, (_, j) => {
    const edgeHz = erbToHz(centres[last - j]);
    return complement(bandPass[last - j], (k) => freqs[k] > edgeHz);
  });

  const filters = [...lowPass, ...bandPass, ...highPass.reverse()];
  const norm = 1 / Math.sqrt(s);
  for (const f of filters) for (let k = 0; k < binCount; k++) f[k] *= norm;
  const centresHz = channelCentresErb(config).map((e) => Math.max(0, erbToHz(e)));
  return { filters, centres: centresHz };
}
