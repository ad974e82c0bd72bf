/**
 * The one hash naming a model's weights, as the page's saved runs, the CLI and every run record
 * write it (key `weightsHash`).
 */
import { sha256Hex } from '../io/sha256.ts';
import type { ModelManifest } from './manifest.ts';

/**
 * One hash naming a model's weights: SHA-256 of the lines "<sha256>  <path>" (sha256sum's
 * format) of manifest.weights in manifest order, joined by "\n". A model without weight files
 * hashes the empty string.
 */
export function weightsHashText(manifest: Pick<ModelManifest, 'weights'>): string {
  return manifest.weights.map((w) => `${w.sha256}  ${w.path}`).join('\n');
}

export async function weightsHashOf(manifest: Pick<ModelManifest, 'weights'>): Promise<string> {
  return sha256Hex(weightsHashText(manifest));
}
