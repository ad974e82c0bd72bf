/**
 * Spectemp `average` features [110, 211] of many clips, computed by the project's own tfjs model
 * (wasm backend), for training the linear word readout (train_readout.py):
 *
 *   npx tsx scripts/models/spectemp/features.ts --clips /tmp/cochcnn-words/train_x.npy --out DIR
 *   npx tsx scripts/models/spectemp/features.ts --heldout --out DIR
 *
 * --clips: an int16 .npy [n, 40000] (value / 32767 = the clip, as make_dataset.py writes them).
 * --heldout: the 100 held-out-voice clips of models/cochcnn9-words/heldout.mulaw, decoded and
 * normalised exactly as the tests and the app see them.
 * Output: DIR/part-00000.npy, part-00100.npy, ... (float32 [<=100, 110, 211] each). Existing
 * parts are kept, so an interrupted run resumes where it stopped. With --heldout, DIR/clips.npy
 * (float32 [100, 40000]) holds the decoded clips themselves.
 *
 * About 2-4 s per clip on 2 shared cores: the training set's features come from
 * spectemp_torch.py instead (same operators, checked against these on the held-out clips).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useNodeBackend } from '../../../src/platform/tf-node.ts';
import { parseNpy, writeNpy } from '../../../src/io/npy.ts';
import type { ModelManifest } from '../../../src/models/manifest.ts';
import { nodeModelSource } from '../../../src/models/source-node.ts';
import { loadMulawClips } from '../../../src/models/cochcnn/mulaw-clips.ts';
import { createSpectempModel, DEFAULT_SPECTEMP_PARAMS } from '../../../src/models/spectemp/spectemp-model.ts';

const PART = 100;
const SAMPLES = 40000;

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function readClips(): Promise<Float32Array[]> {
  if (process.argv.includes('--heldout')) {
    const source = nodeModelSource();
    const manifest = await source.readJson<ModelManifest>('cochcnn9-words/manifest.json');
    return loadMulawClips(manifest, source, 'heldout');
  }
  const path = option('--clips');
  if (!path) throw new Error('features.ts: give --clips FILE.npy (int16 [n, 40000]) or --heldout');
  const npy = parseNpy(readFileSync(path));
  if (npy.shape.length !== 2 || npy.shape[1] !== SAMPLES || npy.dtype !== '<i2') {
    throw new Error(`features.ts: ${path} must be int16 [n, ${SAMPLES}], got ${npy.dtype} [${npy.shape}]`);
  }
  return Array.from({ length: npy.shape[0] }, (_, i) => Float32Array.from(npy.data.subarray(i * SAMPLES, (i + 1) * SAMPLES), (v) => v / 32767));
}

async function main(): Promise<void> {
  const out = option('--out');
  if (!out) throw new Error('features.ts: give --out DIR');
  mkdirSync(out, { recursive: true });
  const tf = await useNodeBackend('wasm');
  const clips = await readClips();
  if (process.argv.includes('--heldout') && !existsSync(join(out, 'clips.npy'))) {
    // The decoded, normalised clips, so spectemp_torch.py can be checked on exactly the same input.
    const all = new Float32Array(clips.length * SAMPLES);
    clips.forEach((c, i) => all.set(c, i * SAMPLES));
    writeFileSync(join(out, 'clips.npy'), writeNpy(all, [clips.length, SAMPLES]));
  }
  const model = createSpectempModel('spectemp', DEFAULT_SPECTEMP_PARAMS);
  const t0 = Date.now();
  for (let start = 0; start < clips.length; start += PART) {
    const file = join(out, `part-${String(start).padStart(5, '0')}.npy`);
    if (existsSync(file)) continue;
    const n = Math.min(PART, clips.length - start);
    let shape: number[] = [];
    const rows: Float32Array[] = [];
    for (let i = start; i < start + n; i++) {
      const x = tf.tensor2d(clips[i], [1, SAMPLES]);
      const { average } = model.forward(x, ['average']);
      shape = average.shape.slice(1);
      rows.push(average.dataSync() as Float32Array);
      tf.dispose([x, average]);
    }
    const size = rows[0].length;
    const data = new Float32Array(n * size);
    rows.forEach((r, k) => data.set(r, k * size));
    writeFileSync(file, writeNpy(data, [n, ...shape]));
    console.log(`${file}: clips ${start}..${start + n - 1} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  }
  model.dispose();
}

await main();
