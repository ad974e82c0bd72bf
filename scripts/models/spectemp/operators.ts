/**
 * Writes the Spectemp filterbank's factorised operators (float32 .npy, the matrices the tfjs model
 * multiplies by; spectemp-filterbank.ts) so that spectemp_torch.py computes the same `average`
 * features in torch, ~10x faster than the wasm model, for the readout's training set:
 *
 *   npx tsx scripts/models/spectemp/operators.ts DIR
 *
 * DIR/spectral_even.npy [S+1, C, C], spectral_odd.npy [S, C, C], temporal_even.npy [R+1, T, T],
 * temporal_odd.npy [R, T, T] (row-major blocks: y = op @ x along that axis).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeNpy } from '../../../src/io/npy.ts';
import { DEFAULT_SPECTEMP_PARAMS, spectempGeometry } from '../../../src/models/spectemp/spectemp-model.ts';
import { factorisedFilterbank } from '../../../src/models/spectemp/spectemp-filters.ts';

function stack(blocks: Float64Array[], n: number): Uint8Array {
  const out = new Float32Array(blocks.length * n * n);
  blocks.forEach((b, i) => out.set(b, i * n * n));
  return writeNpy(out, [blocks.length, n, n]);
}

const dir = process.argv[2];
if (!dir) throw new Error('operators.ts: give the output directory');
mkdirSync(dir, { recursive: true });
const g = spectempGeometry(DEFAULT_SPECTEMP_PARAMS);
const ops = factorisedFilterbank(g, { scales: DEFAULT_SPECTEMP_PARAMS.spectralCentres, rates: DEFAULT_SPECTEMP_PARAMS.temporalCentres });
writeFileSync(join(dir, 'spectral_even.npy'), stack(ops.spectralEven, g.channels));
writeFileSync(join(dir, 'spectral_odd.npy'), stack(ops.spectralOdd, g.channels));
writeFileSync(join(dir, 'temporal_even.npy'), stack(ops.temporalEven, g.frames));
writeFileSync(join(dir, 'temporal_odd.npy'), stack(ops.temporalOdd, g.frames));
console.log(`wrote the Spectemp operators (${g.channels} channels, ${g.frames} frames) to ${dir}`);
