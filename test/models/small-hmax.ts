/** A small HMAX (2 bands, tiny patches, 28x28 input) for exact tests on the cpu backend. */
import { Rng } from '../../src/engine/random.ts';
import type { InputSpec } from '../../src/engine/types.ts';
import { prototypeCount, type HmaxParams } from '../../src/models/hmax/hmax-layout.ts';

export const SMALL_PARAMS: HmaxParams = {
  scales: 4,
  orientationsDeg: [0, 45, 90, 135],
  poolSizes: [8, 10],
  s1Normalize: true,
  s1NormEpsilon: 1,
  patchSizes: [2, 3],
  prototypesPerSize: 3,
  s2Sigma: 0.5,
  prototypes: 'prototypes.bin',
  natural: [],
};

export function smallSpec(size = 28): InputSpec {
  return { modality: 'image', shape: [size, size, 1], range: [0, 255], init: { mean: 127.5, std: 10 } };
}

export function smallPrototypes(seed = 3): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: prototypeCount(SMALL_PARAMS) }, () => 0.3 * rng.uniform());
}

/** Random image in 0..255 (float64 for the reference, float32 copy for tfjs). */
export function randomImage(size: number, seed = 11): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: size * size }, () => Math.round(255 * rng.uniform()));
}
