/**
 * Builds models/spectemp/null.json from the natural clips of Spectemp's training distribution:
 *   npx tsx scripts/models/spectemp/build-null.ts [--pairs 20000] [--stages a,b] [--budget-mb 3000]
 *       [--tmp /tmp] [--out models/spectemp/null.json] [--clips N (timing trials)]
 * or split over processes (features on disk in DIR; start any number of workers at once, each
 * claims the next unclaimed clip; when all have finished, run the pair pass):
 *   ... build-null.ts --features-dir DIR --worker &  ... build-null.ts --features-dir DIR --worker
 * then optionally the pair pass over processes too (each claims chunks of --chunk-units units):
 *   ... build-null.ts --features-dir DIR --gram-worker --budget-mb 400 &  (as many as wanted)
 * and finally (adds the chunks' Gram matrices if all are there, else one pair pass here):
 *   ... build-null.ts --features-dir DIR --from-features
 *   ... build-null.ts --features-dir DIR --from-features [--pairs 20000]
 *
 * Spectemp's word readout is trained on the cochcnn9-words word set, so its natural stimuli are
 * the 202 clips of models/cochcnn9-words/natural.mulaw (training voices and noise mix). 202
 * clips give 20,301 distinct pairs; 20,000 are drawn (seed 11). The filtered_signal and power
 * stages hold 9.05 M units per clip (14.6 GB of features per stage for all clips), so the
 * features wait on disk (FileFeatureStore under --tmp) and the pair pass reads blocks of
 * --budget-mb. wasm backend; single-threaded; prints progress with an ETA.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { useNodeBackend } from '../../../src/platform/tf-node.ts';
import { nodeModelSource, DEFAULT_MODELS_ROOT } from '../../../src/models/source-node.ts';
import { loadBuiltinModel, readManifest } from '../../../src/models/registry.ts';
import { mulawClipsParams, mulawNaturalStimuli } from '../../../src/models/cochcnn/mulaw-clips.ts';
import {
  buildNullDistribution, nullDistributionFromValues, type NullProgress, type NullValues,
} from '../../../src/engine/null-builder.ts';
import { drawPairs } from '../../../src/engine/null-draw-pairs.ts';
import { loadStageScalars, storeStimulusFeatures } from '../../../src/engine/null-features.ts';
import { accumulateStageGram, emptyStageGram, gramPairValues } from '../../../src/engine/null-gram.ts';
import { Rng } from '../../../src/engine/random.ts';
import { validateNullDistribution } from '../../../src/engine/null-distribution.ts';
import { FileFeatureStore } from '../../lib/file-feature-store.ts';

const NULL_SEED = 11;
const CLIPS_MODEL = 'cochcnn9-words';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function minutes(s: number): string {
  return s < 90 ? `${s.toFixed(0)} s` : `${(s / 60).toFixed(1)} min`;
}

/**
 * Progress lines (at most one per 20 s) with an ETA for the current phase; during the pair
 * pass also for the whole pair pass, weighting each stage by its unit count.
 */
function progressPrinter(units: Record<string, number>, stages: readonly string[]): (p: NullProgress) => void {
  const t0 = Date.now();
  let phaseStart = t0;
  let phaseKey = '';
  let pairsStart = 0;
  let last = 0;
  const totalUnits = stages.reduce((s, k) => s + units[k], 0);
  return (p) => {
    const now = Date.now();
    const key = p.phase === 'activations' ? 'activations' : `pairs:${p.stages[0]}`;
    if (key !== phaseKey) {
      phaseKey = key;
      phaseStart = now;
      if (p.phase === 'pairs' && pairsStart === 0) pairsStart = now;
    }
    if (now - last < 20000 && p.done !== p.total) return;
    last = now;
    const frac = p.done / p.total;
    const phaseEta = frac > 0 ? ((now - phaseStart) / 1000) * (1 / frac - 1) : NaN;
    let line = `[${minutes((now - t0) / 1000)}] ${p.phase} ${p.stages.join(',')}: ${p.done}/${p.total}, phase ETA ${minutes(phaseEta)}`;
    if (p.phase === 'pairs') {
      const before = stages.slice(0, stages.indexOf(p.stages[0])).reduce((s, k) => s + units[k], 0);
      const doneUnits = before + units[p.stages[0]] * frac;
      const eta = ((now - pairsStart) / 1000) * (totalUnits / Math.max(doneUnits, 1) - 1);
      line += `, pair pass ETA ${minutes(eta)}`;
    }
    console.log(line);
  };
}

/** The Gram chunks of the split pair pass: --chunk-units units of a stage each (units from the stored files). */
function gramChunks(featuresDir: string | undefined, stages: readonly string[], poolSize: number) {
  const chunkUnits = Number(option('--chunk-units') ?? 500000);
  if (!featuresDir || !existsSync(featuresDir) || poolSize < 1) return [];
  const store = FileFeatureStore.open(featuresDir);
  const chunks: Array<{ stage: string; start: number; end: number; file: string }> = [];
  stages.forEach((stage, si) => {
    let units: number;
    try {
      units = store.units(0, stage);
    } catch {
      return; // features not stored yet
    }
    for (let c = 0; c * chunkUnits < units; c++) {
      chunks.push({ stage, start: c * chunkUnits, end: Math.min(units, (c + 1) * chunkUnits), file: join(featuresDir, `gram.${si}.${c}.f64`) });
    }
  });
  return chunks;
}

function sourceDescription(count: number, clips?: string): string {
  return `distinct pairs of the ${count} natural clips of models/${CLIPS_MODEL}/natural.mulaw (${clips ?? 'the word set'}; the training distribution of Spectemp's word readout)`;
}

async function main(): Promise<void> {
  const pairs = Number(option('--pairs') ?? 20000);
  const budget = Number(option('--budget-mb') ?? 3000) * 2 ** 20;
  const tmp = option('--tmp') ?? '/tmp';
  const outPath = option('--out') ?? join(DEFAULT_MODELS_ROOT, 'spectemp', 'null.json');

  await useNodeBackend('wasm');
  const source = nodeModelSource();
  const { model } = await loadBuiltinModel('spectemp', source);
  const stages = option('--stages')?.split(',') ?? [...model.stages];
  const clipsManifest = await readManifest(CLIPS_MODEL, source);
  const clips = mulawClipsParams(clipsManifest, 'naturalMulaw');
  if (!clips) throw new Error(`models/${CLIPS_MODEL}/manifest.json has no params.naturalMulaw`);
  // --clips N (timing trials only): the first N of the seeded order instead of all clips.
  const poolSize = Number(option('--clips') ?? clips.count);
  const featuresDir = option('--features-dir');
  const chunks = gramChunks(featuresDir, stages, poolSize);
  if (featuresDir && process.argv.includes('--gram-worker')) {
    // Split pair pass: --gram-worker processes (any number, at once, after the feature workers)
    // each claim chunks of units of a stage and write that chunk's Gram matrices; --from-features
    // then adds the chunks in order (instead of one single-threaded pair pass).
    const store = FileFeatureStore.open(featuresDir);
    const t0 = Date.now();
    for (const ch of chunks) {
      try {
        closeSync(openSync(`${ch.file}.claim`, 'wx'));
      } catch {
        continue; // another worker has it
      }
      const gram = emptyStageGram(poolSize);
      await accumulateStageGram(store, ch.stage, poolSize, ch.start, ch.end, budget, gram);
      const tmpFile = `${ch.file}.${process.pid}.tmp`;
      writeFileSync(tmpFile, Buffer.concat([Buffer.from(gram.raw.buffer), Buffer.from(gram.ranks.buffer)]));
      renameSync(tmpFile, ch.file);
      console.log(`[${minutes((Date.now() - t0) / 1000)}] ${ch.stage} units [${ch.start}, ${ch.end}): Gram written`);
    }
    model.dispose();
    return;
  }
  const stimuli = await mulawNaturalStimuli(clipsManifest, source, Number(option('--clips') ?? clips.count), NULL_SEED);

  // Stage sizes from one forward pass; the features of all stages must fit the disk.
  const acts = model.forward(stimuli[0], stages);
  const units = Object.fromEntries(stages.map((s) => [s, acts[s].size]));
  tf.dispose(Object.values(acts));
  const needBytes = stages.reduce((s, k) => s + units[k], 0) * stimuli.length * 8;
  const fs = statfsSync(tmp);
  const freeBytes = fs.bavail * fs.bsize;
  if (needBytes > freeBytes * 0.9) {
    throw new Error(`${tmp}: the features need ${(needBytes / 2 ** 30).toFixed(1)} GiB on disk, only ${(freeBytes / 2 ** 30).toFixed(1)} GiB free (--tmp DIR)`);
  }
  console.log(`spectemp null: ${pairs} pairs of ${stimuli.length} clips, stages ${stages.map((s) => `${s} (${units[s]})`).join(', ')}; `
    + `${(needBytes / 2 ** 30).toFixed(1)} GiB of features under ${tmp}, blocks of ${(budget / 2 ** 20).toFixed(0)} MiB`);

  // Split mode: --worker processes (any number, at once) fill --features-dir, each claiming
  // the next clip nobody has claimed; then --from-features runs the pair pass over the filled
  // directory (and deletes it).
  if (featuresDir && process.argv.includes('--worker')) {
    mkdirSync(featuresDir, { recursive: true });
    const store = FileFeatureStore.open(featuresDir);
    const t0 = Date.now();
    let done = 0;
    for (let k = 0; k < stimuli.length; k++) {
      try {
        closeSync(openSync(join(featuresDir, `claim.${k}`), 'wx'));
      } catch {
        continue; // another worker has it
      }
      await storeStimulusFeatures(model, stimuli[k], k, stages, units, store);
      done++;
      console.log(`[${minutes((Date.now() - t0) / 1000)}] clip ${k}: features stored (${done} by this worker)`);
    }
    console.log(`worker: features of ${done} clips in ${featuresDir} in ${minutes((Date.now() - t0) / 1000)}`);
    tf.dispose(stimuli);
    model.dispose();
    return;
  }
  const fromFeatures = featuresDir !== undefined && process.argv.includes('--from-features');
  const stagesChunked = stages.every((stage) => chunks.some((ch) => ch.stage === stage));
  if (fromFeatures && stagesChunked && chunks.every((ch) => existsSync(ch.file))) {
    const store = FileFeatureStore.open(featuresDir);
    const pairList = drawPairs(stimuli.length, pairs, new Rng(NULL_SEED));
    const values: NullValues['values'] = {};
    for (const stage of stages) {
      const gram = emptyStageGram(stimuli.length);
      for (const ch of chunks.filter((x) => x.stage === stage)) {
        const bytes = readFileSync(ch.file);
        const part = new Float64Array(bytes.buffer, bytes.byteOffset, bytes.length / 8);
        const n2 = gram.raw.length;
        if (part.length !== 2 * n2) throw new Error(`${ch.file}: ${part.length} values, expected ${2 * n2}`);
        for (let g = 0; g < n2; g++) {
          gram.raw[g] += part[g];
          gram.ranks[g] += part[n2 + g];
        }
      }
      values[stage] = gramPairValues(pairList, units[stage], await loadStageScalars(store, stage, stimuli.length), gram);
    }
    const dist = nullDistributionFromValues(model.id, values, stimuli.length, { pairs, seed: NULL_SEED, sourceDescription: sourceDescription(stimuli.length, clips.description) });
    validateNullDistribution(JSON.parse(JSON.stringify(dist)));
    writeFileSync(outPath, JSON.stringify(dist, null, 1) + '\n');
    console.log(`wrote ${outPath}: ${pairs} pairs x ${stages.length} stages from ${chunks.length} Gram chunks`);
    store.dispose();
    tf.dispose(stimuli);
    model.dispose();
    return;
  }
  const store = fromFeatures ? FileFeatureStore.open(featuresDir) : FileFeatureStore.create(tmp);
  const t0 = Date.now();
  let ok = false;
  try {
    const dist = await buildNullDistribution({
      model,
      stimuli,
      pairs,
      seed: NULL_SEED,
      stages,
      featureStore: store,
      featuresStored: fromFeatures,
      memoryBudgetBytes: budget,
      sourceDescription: sourceDescription(stimuli.length, clips.description),
      onProgress: progressPrinter(units, stages),
    });
    validateNullDistribution(JSON.parse(JSON.stringify(dist)));
    writeFileSync(outPath, JSON.stringify(dist, null, 1) + '\n');
    console.log(`wrote ${outPath}: ${pairs} pairs x ${stages.length} stages in ${minutes((Date.now() - t0) / 1000)}`);
    ok = true;
  } finally {
    // A filled --features-dir survives a failed pair pass, to be retried.
    if (ok || !fromFeatures) store.dispose();
    tf.dispose(stimuli);
    model.dispose();
  }
}

await main();
