/**
 * The Spectemp linear word readout in the model build (scripts/build-spectemp.ts):
 *   - with --retrain-readout: synthesise the cochcnn9-words word set (make_dataset.py, training
 *     voices), compute `average` features (torch mirror spectemp_torch.py, checked against the
 *     tfjs model on held-out clips, whose own features come from the tfjs model via features.ts),
 *     train (train_readout.py), write models/spectemp/readout.bin and the test fixture. About
 *     2 CPU-seconds per clip for the features: ~15 min on 2 free cores;
 *   - always: manifest.classes, manifest.accuracy, params.readout and the weight entry, taken from
 *     the new training summary or else from the existing manifest (the committed weights).
 * Needs for retraining (Debian): espeak-ng flite festival festvox-kallpc16k python3-torch
 * python3-numpy python3-scipy. Work files go to /tmp/spectemp-readout (kept; runs resume).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ModelManifest } from '../../../src/models/manifest.ts';
import type { SpectempReadoutParams } from '../../../src/models/spectemp/spectemp-readout.ts';
import { fileEntry, writeFileMakingDirs } from '../common.ts';

const REPO = resolve(import.meta.dirname, '../../..');
const HERE = join(REPO, 'scripts/models/spectemp');
const WORK = '/tmp/spectemp-readout';
const READOUT_FILE = 'readout.bin';
/** Clips per word synthesised for the training split, and used (the first of each word). */
const SYNTH_PER_WORD = 6;
const TRAIN_PER_WORD = 6;
/** Held-out clips whose numpy logits go to the test fixture. */
const FIXTURE_LOGITS = 20;
const FIXTURE = join(REPO, 'test/fixtures/spectemp/readout-heldout.json');

/** What train_readout.py reports (--summary). */
export interface ReadoutTraining {
  channelPool: number;
  eps: number;
  lambda: number;
  validationAccuracy: number;
  trainClips: number;
  trainVoices: number;
  trainAccuracy: number;
  testClips: number;
  /** null: no test-split features (the committed held-out set is held-out voices too). */
  testAccuracy: number | null;
  heldoutClips: number;
  heldoutAccuracy: number;
  torch: string;
}

interface Summary extends ReadoutTraining {
  heldoutPredictions: number[];
  heldoutLogits: number[][];
}

function run(cmd: string, args: string[]): void {
  console.log(`$ ${cmd} ${args.join(' ')}`);
  execFileSync(cmd, args, { cwd: REPO, stdio: 'inherit' });
}

/** The whole pipeline; returns the training summary (readout.bin and the fixture are written). */
export async function retrainReadout(modelDir: string): Promise<ReadoutTraining> {
  const data = join(WORK, 'words');
  const py = '/usr/bin/python3';
  if (!existsSync(join(data, 'train.npz'))) {
    run(py, [join(REPO, 'scripts/models/cochcnn_words/make_dataset.py'), '--out', data, '--per-word', String(SYNTH_PER_WORD),
      '--test-per-word', '0', '--natural-per-word', '0', '--workers', '2']);
  }
  run('npx', ['tsx', join(HERE, 'operators.ts'), join(WORK, 'ops')]);
  run('npx', ['tsx', join(HERE, 'features.ts'), '--heldout', '--out', join(WORK, 'heldout-ts')]);
  const torchScript = join(HERE, 'spectemp_torch.py');
  run(py, [torchScript, '--ops', join(WORK, 'ops'), '--check', join(WORK, 'heldout-ts')]);
  // Two single-threaded shards use 2 cores best.
  const shard = (i: number) => new Promise<void>((ok, fail) => {
    const args = [torchScript, '--ops', join(WORK, 'ops'), '--clips', join(data, 'train.npz'), '--per-word', String(TRAIN_PER_WORD),
      '--out', join(WORK, 'train'), '--shard', String(i), '--shards', '2', '--threads', '1'];
    spawn(py, args, { cwd: REPO, stdio: 'inherit' }).on('exit', (code) => (code === 0 ? ok() : fail(new Error(`spectemp_torch.py shard ${i} exited with ${code}`))));
  });
  await Promise.all([shard(0), shard(1)]);
  const summaryPath = join(WORK, 'summary.json');
  run(py, [join(HERE, 'train_readout.py'), '--train', join(WORK, 'train'),
    '--heldout', join(WORK, 'heldout-ts'), '--labels', join(REPO, 'models/cochcnn9-words/manifest.json'),
    '--out', join(modelDir, READOUT_FILE), '--summary', summaryPath]);
  const summary = JSON.parse(readFileSync(summaryPath, 'utf8')) as Summary;
  writeReadoutFixture(summary);
  const { heldoutPredictions: _p, heldoutLogits: _l, ...training } = summary;
  return training;
}

/** numpy's logits (first clips) and predictions (all) on the held-out set, for the tests. */
export function writeReadoutFixture(summary: Summary): void {
  const fixture = { logits: summary.heldoutLogits.slice(0, FIXTURE_LOGITS), predictions: summary.heldoutPredictions };
  writeFileMakingDirs(FIXTURE, JSON.stringify(fixture) + '\n');
}

function pct(v: number): string {
  return `${(100 * v).toFixed(1)}%`;
}

export function readoutAccuracy(t: ReadoutTraining): string {
  return (
    `Linear word readout on the time-averaged filter power (the paper's "final" stage; params.readout), trained on ${t.trainClips} `
    + `clips of the cochcnn9-words word set (${t.trainClips / 100} per word, ${t.trainVoices} voice settings of the training voices). Held-out voices, `
    + `top-1: committed held-out set (models/cochcnn9-words/heldout.mulaw, 100 clips, one per word, tfjs features) `
    + `${pct(t.heldoutAccuracy)}`
    + (t.testAccuracy === null ? '' : `; ${t.testClips} clips of the test split (torch features) ${pct(t.testAccuracy)}`)
    + `. Training accuracy ${pct(t.trainAccuracy)}. Chance: 1%.`
  );
}

/**
 * Sets classes, accuracy, params.readout and the weight entry of `manifest` from `training`, or
 * (null) from `previous`, the manifest being replaced. Without either, the manifest gets no readout.
 */
export function addReadout(manifest: ModelManifest, modelDir: string, training: ReadoutTraining | null, previous: ModelManifest | null): void {
  const old = previous?.params?.readout as (SpectempReadoutParams & { training: ReadoutTraining }) | undefined;
  const t = training ?? old?.training;
  if (!t || !existsSync(join(modelDir, READOUT_FILE))) {
    console.log('no readout: run with --retrain-readout to train one');
    return;
  }
  const words = JSON.parse(readFileSync(join(REPO, 'models/cochcnn9-words/manifest.json'), 'utf8')) as ModelManifest;
  manifest.classes = words.classes;
  manifest.accuracy = readoutAccuracy(t);
  manifest.provenance = `${manifest.provenance.replace(/^(.*?)No learned weights: /, '$1No learned weights in the filterbank: ')} `
    + 'The linear word readout (readout.bin) is learned: scripts/models/spectemp/train_readout.py on the cochcnn9-words word set (params.readout.training; README.md).';
  const readout: SpectempReadoutParams & { training: ReadoutTraining } = {
    path: READOUT_FILE,
    channelPool: t.channelPool,
    eps: t.eps,
    description: 'float32: W [110 filters x pooled channels (filter-major), 100 words] row-major, then b [100]; '
      + 'logits = log(channel-pooled average + eps) . W + b (standardisation folded in)',
    training: t,
  };
  manifest.params = { ...manifest.params, readout };
  manifest.weights = [...manifest.weights.filter((w) => w.path !== READOUT_FILE), fileEntry(modelDir, READOUT_FILE)];
}
