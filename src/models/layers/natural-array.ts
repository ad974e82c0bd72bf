/**
 * Natural stimuli stored as one raw uint8 array (manifest.params.naturalArray), e.g. 256
 * Fashion-MNIST test images: compact, exact (no decoding), and read in one request.
 * Values 0..255 map linearly onto the model's input range.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../engine/random.ts';
import type { ModelManifest, ModelSource } from '../manifest.ts';
import { sha256Hex } from '../../io/sha256.ts';

export interface NaturalArrayParams {
  /** Path relative to models/<id>/ of the raw uint8 file. */
  path: string;
  /** [count, ...inputSpec.shape]. */
  shape: number[];
  /** What the stimuli are (human-readable). */
  description?: string;
  /** SHA-256 (hex) of the file; checked when given and the platform can hash. */
  sha256?: string;
}

export function naturalArrayParams(manifest: ModelManifest): NaturalArrayParams | null {
  const p = manifest.params?.naturalArray as NaturalArrayParams | undefined;
  if (p === undefined) return null;
  const want = manifest.inputSpec.shape;
  if (
    typeof p?.path !== 'string' ||
    !Array.isArray(p.shape) ||
    p.shape.length !== want.length + 1 ||
    want.some((d, i) => p.shape[i + 1] !== d)
  ) {
    throw new Error(`model "${manifest.id}": params.naturalArray must be {path, shape: [count, ${want}]}`);
  }
  return p;
}

/**
 * `count` distinct stimuli drawn (seeded) from the stored array, each [1, ...inputSpec.shape]
 * in the model's raw range. The same seed gives the same stimuli in the same order. Caller disposes.
 */
export async function naturalArrayStimuli(
  manifest: ModelManifest,
  source: ModelSource,
  count: number,
  seed: number,
): Promise<tf.Tensor[]> {
  const p = naturalArrayParams(manifest);
  if (!p) throw new Error(`model "${manifest.id}" has no params.naturalArray`);
  const [n, ...shape] = p.shape;
  const size = shape.reduce((a, b) => a * b, 1);
  const bytes = new Uint8Array(await source.readBinary(`${manifest.id}/${p.path}`));
  if (bytes.length !== n * size) {
    throw new Error(`natural stimuli ${manifest.id}/${p.path} have ${bytes.length} bytes, [${p.shape}] needs ${n * size}`);
  }
  if (p.sha256 !== undefined) {
    const hash = await sha256Hex(bytes);
    if (hash !== p.sha256) {
      throw new Error(`natural stimuli ${manifest.id}/${p.path} fail their SHA-256 check (got ${hash}, manifest says ${p.sha256})`);
    }
  }
  if (!Number.isInteger(count) || count < 1 || count > n) {
    throw new Error(`model "${manifest.id}" has ${n} natural stimuli; cannot draw ${count}`);
  }
  // Partial Fisher-Yates: `count` distinct indices.
  const rng = new Rng(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let k = 0; k < count; k++) {
    const r = k + rng.int(n - k);
    [order[k], order[r]] = [order[r], order[k]];
  }
  const [lo, hi] = manifest.inputSpec.range;
  const scale = (hi - lo) / 255;
  return order.slice(0, count).map((i) => {
    const v = new Float32Array(size);
    for (let j = 0; j < size; j++) v[j] = lo + scale * bytes[i * size + j];
    return tf.tensor(v, [1, ...shape]);
  });
}
