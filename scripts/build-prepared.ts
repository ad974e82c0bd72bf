/**
 * `npm run build:prepared [-- --only MODEL[,MODEL]] [--force] [--out DIR] [--index-only]`: builds the prepared
 * runs shipped with the app (lecture mode) into public/prepared/: one set per model and
 * reference (every stage), then index.json. Runs on the command line's backend (wasm), with
 * the command line's model loading and the engine's run and success test, exactly as
 * `metamer generate` does, and records each run as the page's `metamer-run-export/1`.
 * Rerunnable: a set whose file exists with the same plan hash is kept (--force rebuilds).
 * Plans (models, references, budgets) live in scripts/prepared/plan.ts.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import jpeg from 'jpeg-js';
import { useNodeBackend } from '../src/platform/tf-node.ts';
import { loadBuiltinModel, loadReference, readManifest } from '../src/models/registry.ts';
import { nodeModelSource } from '../src/models/source-node.ts';
import { MetamerRun } from '../src/engine/metamer-run.ts';
import { makeRunConfig } from '../src/engine/presets.ts';
import type { MetricSet, StepRecord } from '../src/engine/types.ts';
import type { LoadedModel, ModelManifest } from '../src/models/manifest.ts';
import { judgeMetamer } from '../src/models/judge.ts';
import { weightsHashOf } from '../src/models/weights-hash.ts';
import type { MetricsEntry, SavedRun } from '../src/export/saved-run.ts';
import { runToJson } from '../src/export/run-json.ts';
import { encodeAudio, encodeCochleagram, encodeImage, type JpegEncoder } from '../src/export/prepared-codec.ts';
import {
  PREPARED_INDEX_SCHEMA, PREPARED_SET_SCHEMA, downsampleRecords, indexEntry, parsePreparedSet, pickFrames,
  type EncodedCochleagram, type EncodedStimulus, type PreparedFrame, type PreparedIndex, type PreparedRun, type PreparedSet,
} from '../src/export/prepared-run.ts';
import { channelFrequencies, cochleagramConfigOf, cochleagramOf } from '../src/worker/cochleagram-snapshots.ts';
import { PLANS, type PreparedPlan } from './prepared/plan.ts';
import { hasFlag, stringArg } from './models/common.ts';

const source = nodeModelSource();
const outDir = stringArg('--out', join(import.meta.dirname, '..', 'public', 'prepared'));
const only = stringArg('--only', undefined)?.split(',');
const force = hasFlag('--force');
/** Only rewrite index.json from the set files present (e.g. after copying sets in by hand). */
const indexOnly = hasFlag('--index-only');

const jpegEncoder: JpegEncoder = (p, quality) => {
  // jpeg-js wants RGBA.
  const rgba = new Uint8Array(p.width * p.height * 4);
  for (let i = 0; i < p.width * p.height; i++) {
    for (let c = 0; c < 3; c++) rgba[i * 4 + c] = p.data[i * p.channels + Math.min(c, p.channels - 1)];
    rgba[i * 4 + 3] = 255;
  }
  return new Uint8Array(jpeg.encode({ width: p.width, height: p.height, data: rgba }, quality).data);
};

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

function planHash(plan: PreparedPlan, reference: number): string {
  return createHash('sha256').update(JSON.stringify({ plan, reference, version: 1 })).digest('hex').slice(0, 16);
}

/** Rounds to `digits` significant digits: the history plots need no more, and the file shrinks. */
function round(x: number, digits = 5): number {
  return Number.isFinite(x) && x !== 0 ? Number(x.toPrecision(digits)) : x;
}

function roundRecord(r: StepRecord): StepRecord {
  return { step: r.step, loss: round(r.loss), eta: round(r.eta), gradNorm: round(r.gradNorm) };
}

function roundMetrics(m: MetricSet): MetricSet {
  return { spearman: round(m.spearman, 6), pearson: round(m.pearson, 6), r2: round(m.r2, 6), snrDb: round(m.snrDb, 6) };
}

async function logits(model: LoadedModel['model'], x: tf.Tensor): Promise<number[] | null> {
  if (!model.readout) return null;
  const t = tf.tidy(() => model.readout!.logits(x).reshape([-1]));
  try {
    return Array.from(await t.data(), (v) => round(v, 4));
  } finally {
    t.dispose();
  }
}

interface Encoders {
  stimulus(data: Float32Array): EncodedStimulus;
  cochleagram(data: Float32Array): Promise<EncodedCochleagram | undefined>;
}

function encoders(loaded: LoadedModel, plan: PreparedPlan): Encoders {
  const spec = loaded.manifest.inputSpec;
  const audio = spec.modality === 'audio';
  const config = audio ? cochleagramConfigOf(loaded.manifest) : null;
  return {
    stimulus: (data) => audio ? encodeAudio(data, spec.sampleRate ?? 20000)
      : encodeImage(data, spec.shape, spec.range, plan.jpegQuality ? { encode: jpegEncoder, quality: plan.jpegQuality } : undefined),
    async cochleagram(data) {
      if (!config) return undefined;
      const c = await cochleagramOf(loaded.model, data);
      return encodeCochleagram({ ...c, frequencies: channelFrequencies(config), frameRate: config.envSampleRate,
        startS: (config.downsampleTaps - 1) / 2 / config.sampleRate });
    },
  };
}

async function prepareRun(loaded: LoadedModel, plan: PreparedPlan, stage: string, reference: tf.Tensor,
  referenceLabel: string, referenceIndex: number, enc: Encoders, weightsHash: string): Promise<PreparedRun> {
  const { manifest, model } = loaded;
  const total = plan.passes * plan.itersPerPass;
  const config = makeRunConfig(stage, {
    ...plan.overrides, passes: plan.passes, itersPerPass: plan.itersPerPass, seed: 0,
    // 0: measured once, at the end (the engine always measures there).
    metricsEvery: plan.measurements <= 1 ? 0 : Math.ceil(total / plan.measurements),
    snapshotEvery: Math.max(1, Math.ceil(total / (plan.frames * 6))),
  });
  const records: StepRecord[] = [];
  const metrics: MetricsEntry[] = [];
  const snapshots: { step: number; data: Float32Array }[] = [];
  const started = Date.now();
  const run = new MetamerRun(model, reference, config);
  let error: string | undefined;
  try {
    const outcome = await run.run({
      yieldEvery: 0,
      measureStages: plan.measureGenerationStageOnly ? [stage] : undefined,
      progressEvery: 100,
      onEvent: (e) => {
        if (e.type === 'progress') records.push(...e.records);
        else if (e.type === 'metrics') metrics.push({ step: e.step, stages: e.stages });
        else if (e.type === 'snapshot') snapshots.push({ step: e.step, data: e.data });
        else if (e.type === 'error') error = e.message;
      },
    });
    if (outcome === 'error') throw new Error(`${manifest.id} ${stage}: optimisation failed: ${error}`);
    const seconds = (Date.now() - started) / 1000;
    const final = metrics.at(-1)?.stages ?? await run.measure();
    const current = run.current();
    const refLogits = await logits(model, reference);
    const metLogits = await logits(model, current);
    // The success test as the page's worker and the CLI apply it.
    const { verdict } = await judgeMetamer({ model, manifest, nullDistribution: loaded.nullDistribution, stage, metrics: final, reference, metamer: current });
    current.dispose();
    const labels = model.readout?.labels ?? [];
    const picked = pickFrames(snapshots.map((s) => s.step), plan.frames).map((i) => snapshots[i]);
    const frames: PreparedFrame[] = [];
    for (const s of picked) {
      const cochleagram = await enc.cochleagram(s.data);
      frames.push({ step: s.step, stimulus: enc.stimulus(s.data), ...(cochleagram ? { cochleagram } : {}) });
    }
    const refData = (await reference.data()) as Float32Array;
    const refCochleagram = await enc.cochleagram(refData);
    const now = Date.now();
    const saved: SavedRun = {
      id: `prepared-${manifest.id}-${referenceIndex}-${stage}`, createdAt: now, updatedAt: now, modelId: manifest.id, modelName: manifest.name,
      weightsHash, stage, reference: { kind: 'bundled', index: referenceIndex },
      settings: { config, measure: 'all', backend: tf.getBackend() }, status: 'done', step: run.step, totalSteps: total,
      records: downsampleRecords(records).map(roundRecord),
      metrics: metrics.map((m) => ({ step: m.step, stages: Object.fromEntries(Object.entries(m.stages).map(([k, v]) => [k, roundMetrics(v)])) })),
      verdict, snapshot: null, state: null,
    };
    const record = runToJson(saved, manifest, { now: new Date(now) });
    const last = frames.at(-1)!;
    record.metamer = { step: last.step, shape: [...manifest.inputSpec.shape] };
    return {
      record,
      budget: budgetOf(plan),
      reference: { stimulus: enc.stimulus(refData), ...(refCochleagram ? { cochleagram: refCochleagram } : {}), label: referenceLabel },
      frames,
      ...(refLogits && metLogits ? { readout: { labels, reference: refLogits, metamer: metLogits } } : {}),
      seconds: Math.round(seconds * 10) / 10,
    };
  } finally {
    run.dispose();
  }
}

function budgetOf(plan: PreparedPlan): PreparedSet['budget'] {
  return { passes: plan.passes, itersPerPass: plan.itersPerPass, steps: plan.passes * plan.itersPerPass, label: plan.label, note: plan.note };
}

async function buildSet(plan: PreparedPlan, loaded: LoadedModel, referenceIndex: number): Promise<void> {
  const { manifest } = loaded;
  const refManifest: ModelManifest = plan.referenceModel ? await readManifest(plan.referenceModel, source) : manifest;
  const refInfo = refManifest.references[referenceIndex];
  const label = refInfo?.label ?? `reference ${referenceIndex}`;
  const id = `${manifest.id}-${slug(label)}`;
  const file = `${id}.json`;
  const path = join(outDir, file);
  const hash = planHash(plan, referenceIndex);
  if (!force && existsSync(path)) {
    try {
      const old = parsePreparedSet(JSON.parse(readFileSync(path, 'utf8')), path);
      if (old.planHash === hash) {
        console.log(`${id}: up to date (kept)`);
        return;
      }
    } catch {
      // unreadable: rebuild it
    }
  }
  const reference = await loadReference(refManifest, source, referenceIndex);
  const enc = encoders(loaded, plan);
  const weightsHash = await weightsHashOf(manifest);
  const stages = manifest.stages.map((s) => s.name);
  const runs: PreparedRun[] = [];
  // Each finished stage is kept under .partial/ until its set is written, so an interrupted
  // build resumes at the stage it was on (audio stages take minutes each on a busy CPU).
  const partialDir = join(outDir, '.partial', `${id}-${hash}`);
  mkdirSync(partialDir, { recursive: true });
  try {
    for (const stage of stages) {
      const partial = join(partialDir, `${stage}.json`);
      if (existsSync(partial)) {
        runs.push(JSON.parse(readFileSync(partial, 'utf8')) as PreparedRun);
        console.log(`${id} ${stage}: kept from an interrupted build`);
        continue;
      }
      const t0 = Date.now();
      runs.push(await prepareRun(loaded, plan, stage, reference, label, plan.referenceModel ? 0 : referenceIndex, enc, weightsHash));
      writeFileSync(partial, JSON.stringify(runs.at(-1)));
      const v = runs.at(-1)!.record.verdict;
      console.log(`${id} ${stage}: ${plan.passes * plan.itersPerPass} steps, ${((Date.now() - t0) / 1000).toFixed(1)} s, ${v ? (v.pass ? 'pass' : 'fail') : 'no verdict'}`);
    }
  } finally {
    reference.dispose();
  }
  const set: PreparedSet = {
    schema: PREPARED_SET_SCHEMA, id,
    title: `${manifest.name}: “${label}”, every stage`,
    model: { id: manifest.id, name: manifest.name, modality: manifest.inputSpec.modality },
    stages, reference: { label, index: plan.referenceModel ? null : referenceIndex }, budget: budgetOf(plan),
    createdAt: new Date().toISOString(), planHash: hash, runs,
  };
  writeFileSync(path, `${JSON.stringify(set)}\n`);
  rmSync(partialDir, { recursive: true, force: true });
  console.log(`${id}: wrote ${file} (${(statSync(path).size / 1024).toFixed(0)} KiB)`);
}

function writeIndex(): void {
  const entries = [];
  const order = PLANS.map((p) => p.model);
  for (const file of readdirSync(outDir).filter((f) => f.endsWith('.json') && f !== 'index.json').sort()) {
    const path = join(outDir, file);
    const set = parsePreparedSet(JSON.parse(readFileSync(path, 'utf8')), path);
    entries.push(indexEntry(set, file, statSync(path).size));
  }
  entries.sort((a, b) => order.indexOf(a.model) - order.indexOf(b.model) || a.id.localeCompare(b.id));
  const index: PreparedIndex = {
    schema: PREPARED_INDEX_SCHEMA, createdAt: new Date().toISOString(),
    note: 'Built by `npm run build:prepared` on the wasm backend of a 2-core CPU; each entry\'s budget says how many steps its runs had and why.',
    entries,
  };
  writeFileSync(join(outDir, 'index.json'), `${JSON.stringify(index, null, 1)}\n`);
  const total = entries.reduce((s, e) => s + e.bytes, 0);
  console.log(`index.json: ${entries.length} sets, ${(total / 1024 / 1024).toFixed(2)} MiB in all`);
}

async function main(): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  if (indexOnly) return writeIndex();
  await useNodeBackend('wasm');
  for (const plan of PLANS) {
    if (only && !only.includes(plan.model)) continue;
    const loaded = await loadBuiltinModel(plan.model, source);
    try {
      for (const r of plan.references) await buildSet(plan, loaded, r);
    } finally {
      loaded.model.dispose();
    }
  }
  writeIndex();
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
