/**
 * Parameters of the cochleagram (spec section 5). The defaults are the paper's:
 * 2 s at 20 kHz, n = 50 filters oversampled 4x between 50 Hz and 10 kHz (211 channels),
 * Hilbert envelopes downsampled to 200 Hz with a 1001-tap Kaiser-windowed sinc (390 frames),
 * and (x + 1e-8)^0.3 compression whose gradient is clipped to [-5, 5].
 */
export interface CochleagramConfig {
  /** Input samples per second. */
  sampleRate: number;
  /** Input length in samples; must be even (bins 0..N/2 of the real spectrum are used). */
  signalLength: number;
  /** n: the number of filters before oversampling. */
  nFilters: number;
  /** s: the oversampling factor of the filterbank. */
  sampleFactor: number;
  lowHz: number;
  highHz: number;
  /** Envelope rate after downsampling; sampleRate / envSampleRate must be an integer. */
  envSampleRate: number;
  /** Length of the Kaiser-windowed sinc low-pass used to downsample the envelopes. */
  downsampleTaps: number;
  kaiserBeta: number;
  compressionPower: number;
  compressionOffset: number;
  /** The compression's derivative is clipped to [-gradientClip, gradientClip] in the backward pass. */
  gradientClip: number;
}

export const DEFAULT_COCHLEAGRAM_CONFIG: Readonly<CochleagramConfig> = Object.freeze({
  sampleRate: 20000,
  signalLength: 40000,
  nFilters: 50,
  sampleFactor: 4,
  lowHz: 50,
  highHz: 10000,
  envSampleRate: 200,
  downsampleTaps: 1001,
  kaiserBeta: 5,
  compressionPower: 0.3,
  compressionOffset: 1e-8,
  gradientClip: 5,
});

/** Derived sizes every part of the pipeline agrees on. */
export interface CochleagramShape {
  /** s (n + 1) - 1 cosine band-pass filters. */
  bandPassCount: number;
  /** Band-pass filters plus s low-pass and s high-pass filters. */
  channelCount: number;
  /** Real-spectrum bins 0..N/2. */
  binCount: number;
  /** Envelope samples per output frame (the stride of the downsampling). */
  downsampleFactor: number;
  /** Output frames of the "valid" strided cross-correlation. */
  frameCount: number;
}

export function cochleagramShape(config: CochleagramConfig): CochleagramShape {
  const bandPassCount = config.sampleFactor * (config.nFilters + 1) - 1;
  const downsampleFactor = Math.round(config.sampleRate / config.envSampleRate);
  return {
    bandPassCount,
    channelCount: bandPassCount + 2 * config.sampleFactor,
    binCount: config.signalLength / 2 + 1,
    downsampleFactor,
    frameCount: Math.floor((config.signalLength - config.downsampleTaps) / downsampleFactor) + 1,
  };
}

/** Fills defaults and throws an Error naming the first invalid parameter. */
export function validateCochleagramConfig(partial: Partial<CochleagramConfig> = {}): CochleagramConfig {
  const config: CochleagramConfig = { ...DEFAULT_COCHLEAGRAM_CONFIG, ...partial };
  const fail = (why: string): never => {
    throw new Error(`invalid cochleagram config: ${why}`);
  };
  for (const [key, value] of Object.entries(config)) {
    if (typeof value !== 'number' || !Number.isFinite(value)) fail(`${key} must be a finite number`);
  }
  const isPositiveInt = (v: number) => Number.isInteger(v) && v > 0;
  if (!(config.sampleRate > 0)) fail('sampleRate must be positive');
  if (!isPositiveInt(config.signalLength) || config.signalLength % 2 !== 0 || config.signalLength < 4) {
    fail('signalLength must be an even integer >= 4');
  }
  if (!isPositiveInt(config.nFilters)) fail('nFilters must be a positive integer');
  if (!isPositiveInt(config.sampleFactor)) fail('sampleFactor must be a positive integer');
  if (!(config.lowHz > 0 && config.lowHz < config.highHz && config.highHz <= config.sampleRate / 2)) {
    fail('need 0 < lowHz < highHz <= sampleRate / 2');
  }
  const factor = config.sampleRate / config.envSampleRate;
  if (!(config.envSampleRate > 0) || Math.abs(factor - Math.round(factor)) > 1e-9 || Math.round(factor) < 1) {
    fail('sampleRate / envSampleRate must be a positive integer');
  }
  if (!isPositiveInt(config.downsampleTaps) || config.downsampleTaps > config.signalLength) {
    fail('downsampleTaps must be a positive integer no longer than the signal');
  }
  if (!(config.kaiserBeta >= 0)) fail('kaiserBeta must be >= 0');
  if (!(config.compressionPower > 0 && config.compressionPower <= 1)) fail('compressionPower must be in (0, 1]');
  if (!(config.compressionOffset > 0)) fail('compressionOffset must be positive');
  if (!(config.gradientClip > 0)) fail('gradientClip must be positive');
  // Every band-pass centre must have a spectrum bin below it (its low-pass partner) and above it.
  const binHz = config.sampleRate / config.signalLength;
  if (config.lowHz <= binHz) fail('lowHz must be above the first non-zero bin frequency');
  return config;
}
