/**
 * Builds models/cochcnn9-words/:
 *   npm run build:model -- cochcnn9-words [--retrain] [--epochs 20] [--no-null] [--pairs 20000] [--tfjs-accuracy]
 *
 * 1. Python (Debian /usr/bin/python3 with python3-torch, python3-numpy, python3-scipy), run when
 *    the trained weights are missing or with --retrain:
 *    make_dataset.py (needs Debian espeak-ng, flite, festival + festvox-kallpc16k; writes
 *    /tmp/cochcnn-words, ~3 min) -> cache_cochleagrams.py test train (two shards in parallel,
 *    ~15-30 min on 2 cores) -> train.py (~10 min) -> export_tfjs.py (model.json, weights.bin,
 *    natural.mulaw, heldout.mulaw, references/, export.json, the torch-logits fixture).
 * 2. Node (wasm backend): manifest.json (SHA-256 of every file the builder reads, stage shapes
 *    measured by running the loaded model), null.json (>= 20,000 distinct pairs of the 202
 *    natural clips, every stage, three metrics), the model card README.md and, with
 *    --tfjs-accuracy, the tfjs accuracy on the committed held-out set.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { useNodeBackend } from '../../../src/platform/tf-node.ts';
import type { ModelManifest } from '../../../src/models/manifest.ts';
import { DEFAULT_MODELS_ROOT, nodeModelSource } from '../../../src/models/source-node.ts';
import { buildCochCnnModel } from '../../../src/models/cochcnn/cochcnn-model.ts';
import { loadMulawClips, mulawNaturalStimuli } from '../../../src/models/cochcnn/mulaw-clips.ts';
import { modelCard, type ExportRecord } from './model-card.ts';
import { buildAndWriteNull, fileEntry, hasFlag, numberArg } from '../common.ts';

export const COCHCNN_ID = 'cochcnn9-words';
const HERE = dirname(fileURLToPath(import.meta.url));
const PYTHON = '/usr/bin/python3';
const DATA = '/tmp/cochcnn-words';
const NULL_SEED = 9;

export const COCHCNN_STAGES = ['cochleagram', 'relu0', 'relu1', 'relu2', 'relu3', 'relu4', 'avgpool', 'relufc', 'final'];
const STAGE_DESCRIPTIONS: Record<string, string> = {
  cochleagram: 'the project\'s cochleagram [channel (211, low to high), frame (390 at 200 Hz)] (spec section 5)',
  relu0: 'conv0 (9x9, stride 3, valid, 16 channels) + ReLU [channel, frame, filter]; max-pool 2x2 follows',
  relu1: 'conv1 (5x5, stride 2, valid, 32) + ReLU; max-pool 2x2 follows',
  relu2: 'conv2 (3x3, same, 64) + ReLU',
  relu3: 'conv3 (3x3, same, 64) + ReLU',
  relu4: 'conv4 (3x3, same, 64) + ReLU',
  avgpool: 'average pool 2x2 stride 2 of relu4 (flattened to 1344 for fc)',
  relufc: 'fc (1344 -> 128) + ReLU',
  final: 'word logits (128 -> 100), no softmax',
};

function python(script: string, args: string[] = []): void {
  const r = spawnSync(PYTHON, [join(HERE, script), ...args], { stdio: 'inherit', cwd: HERE });
  if (r.status !== 0) throw new Error(`${script} failed (exit ${r.status})`);
}

async function runPython(): Promise<void> {
  const probe = spawnSync(PYTHON, ['-c', 'import torch, numpy, scipy'], { encoding: 'utf8' });
  if (probe.status !== 0) throw new Error(`${PYTHON} lacks torch/numpy/scipy: apt-get install python3-torch python3-scipy\n${probe.stderr}`);
  for (const tool of ['espeak-ng', 'flite', 'text2wave']) {
    if (spawnSync('which', [tool]).status !== 0) throw new Error(`${tool} not found: apt-get install espeak-ng flite festival festvox-kallpc16k`);
  }
  if (!existsSync(join(DATA, 'train.npz'))) python('make_dataset.py', ['--out', DATA]);
  // Two single-threaded shards use both cores best (see cache_cochleagrams.py).
  const shards = await Promise.all(
    [0, 1].map(
      (s) =>
        new Promise<number | null>((res) => {
          const child = spawn(PYTHON, [join(HERE, 'cache_cochleagrams.py'), 'test', 'train', '--shard', String(s), '--shards', '2'], { stdio: 'inherit', cwd: HERE });
          child.on('close', res);
        }),
    ),
  );
  if (shards.some((c) => c !== 0)) throw new Error(`cache_cochleagrams.py failed (exit codes ${shards.join(', ')})`);
  python('train.py', ['--epochs', String(numberArg('--epochs', 20))]);
  python('export_tfjs.py');
}

/** Top-1 accuracy of the readout on the committed held-out clips. */
export async function heldoutAccuracy(model: Awaited<ReturnType<typeof buildCochCnnModel>>, manifest: ModelManifest, limit = Infinity): Promise<number> {
  const tf = await import('@tensorflow/tfjs');
  const clips = await loadMulawClips(manifest, nodeModelSource(), 'heldout');
  const labels = (manifest.params!.heldout as { labels: number[] }).labels;
  let correct = 0;
  const n = Math.min(limit, clips.length);
  for (let i = 0; i < n; i++) {
    const x = tf.tensor2d(clips[i], [1, clips[i].length]);
    const logits = model.readout!.logits(x);
    const k = (await logits.argMax(1).data())[0];
    if (k === labels[i]) correct++;
    tf.dispose([x, logits]);
  }
  return correct / n;
}

export async function buildCochCnnWords(): Promise<void> {
  const dir = join(DEFAULT_MODELS_ROOT, COCHCNN_ID);
  const missing = ['model.json', 'weights.bin', 'export.json', 'natural.mulaw', 'heldout.mulaw'].some((f) => !existsSync(join(dir, f)));
  if (hasFlag('--retrain') || missing) await runPython();
  const tf = await useNodeBackend('wasm');
  const record = JSON.parse(readFileSync(join(dir, 'export.json'), 'utf8')) as ExportRecord;
  const t = record.training;
  const manifest: ModelManifest = {
    format: 'metamer-model/1',
    id: COCHCNN_ID,
    name: 'CochCNN9-style word network (narrow)',
    description:
      'The paper\'s CochCNN9 layout (after Kell et al. 2018) with narrow widths: the project\'s cochleagram ' +
      '(211 x 390), five conv + ReLU stages (16-32-64-64-64 filters; max-pools after relu0 and relu1), an average ' +
      'pool, a 128-unit fully connected ReLU stage and 100 word logits. Trained on 100 English words synthesised ' +
      'offline by espeak-ng, flite and festival voices in background noise. Input: 2 s of mono audio at 20 kHz in ' +
      '[-1, 1], no normalisation.',
    builder: 'cochcnn',
    stages: COCHCNN_STAGES.map((name) => ({ name, shape: [], description: STAGE_DESCRIPTIONS[name] })),
    inputSpec: { modality: 'audio', shape: [40000], range: [-1, 1], init: { mean: 0, std: 1e-7 }, sampleRate: 20000 },
    classes: record.classes,
    provenance:
      `Trained in this repository by scripts/models/cochcnn_words/train.py (PyTorch ${t.torch}, CPU) on ${t.trainClips} ` +
      'word clips synthesised by make_dataset.py (seeded) with Debian espeak-ng, flite and festival; cochleagrams ' +
      'computed in torch exactly as spec section 5 (checked against scripts/cochleagram_reference.py); batch norm ' +
      'folded into the convolutions; exported to a TF.js LayersModel by export_tfjs.py. See the model card.',
    licence:
      'Weights, code and the synthesised clips: MIT (this project). The clips are output of espeak-ng (GPL-3.0-or-later ' +
      'program; its output is not covered), flite and the festival kal_diphone voice (BSD-style licences); see README.md.',
    accuracy: '',
    weights: ['model.json', 'weights.bin', 'natural.mulaw', 'heldout.mulaw'].map((p) => fileEntry(dir, p)),
    references: record.references.map((r) => ({
      path: r.path,
      label: r.label,
      source: `synthesised: ${r.voice}, ${r.noise === 'clean' ? 'clean' : `${r.noise} noise at ${r.snrDb?.toFixed(1)} dB SNR`}`,
      licence: 'MIT (this project; synthesised speech)',
    })),
    params: {
      modelJson: 'model.json',
      stageLayers: Object.fromEntries(COCHCNN_STAGES.slice(1).map((s) => [s, s])),
      naturalMulaw: {
        path: 'natural.mulaw',
        count: record.natural.count,
        description: `${record.natural.count} clips of the natural split (training voices, same noise mix as training), 8-bit mu-law`,
      },
      heldout: {
        path: 'heldout.mulaw',
        count: record.heldout.count,
        labels: record.heldout.labels,
        voices: record.heldout.voices,
        description: 'one clip per word from held-out voices (never in training), 8-bit mu-law',
      },
    },
  };
  const manifestPath = join(dir, 'manifest.json');
  const source = nodeModelSource();
  const model = await buildCochCnnModel(manifest, source);
  const probe = tf.zeros([1, 40000]);
  const acts = model.forward(probe, model.stages);
  for (const s of manifest.stages) s.shape = acts[s.name].shape.slice(1);
  tf.dispose([probe, ...Object.values(acts)]);

  // The documented committed-set figure is torch's (export_tfjs.py); the tests check that tfjs
  // agrees clip by clip. --tfjs-accuracy also measures it here (one tfjs cochleagram per clip).
  const tfjsHeldout = hasFlag('--tfjs-accuracy') ? await heldoutAccuracy(model, manifest) : null;
  (manifest.params as Record<string, unknown>).accuracy = {
    heldOutVoices: t.heldOutVoiceAccuracy,
    heldOutVoicesClips: t.testClips,
    committedHeldout: record.heldout.torchAccuracy,
    ...(tfjsHeldout === null ? {} : { committedHeldoutTfjs: tfjsHeldout }),
  };
  manifest.accuracy =
    `Held-out voices (${t.testClips} clips of voices never heard in training, 100 words, same noise mix): ` +
    `${(100 * t.heldOutVoiceAccuracy).toFixed(1)}% top-1 (torch). Committed held-out set (heldout.mulaw, 100 clips, ` +
    `one per word, 8-bit mu-law): ${(100 * record.heldout.torchAccuracy).toFixed(1)}% (torch)` +
    (tfjsHeldout === null ? '' : `, ${(100 * tfjsHeldout).toFixed(1)}% (tfjs)`) +
    '. Chance: 1%.';
  console.log(manifest.accuracy);

  const nullPath = join(dir, 'null.json');
  if (!hasFlag('--no-null')) {
    const pairs = numberArg('--pairs', 20000);
    const pool = record.natural.count;
    const stimuli = await mulawNaturalStimuli(manifest, source, pool, NULL_SEED);
    await buildAndWriteNull({
      model,
      stimuli,
      pairs,
      seed: NULL_SEED,
      sourceDescription: `distinct pairs of the ${pool} natural word clips in models/${COCHCNN_ID}/natural.mulaw (training voices and noise mix)`,
      path: nullPath,
      logEvery: 50,
      summary: `null distribution: ${pairs} pairs of ${pool} clips`,
    });
  } else if (!existsSync(nullPath)) {
    console.warn('no null.json: the success test needs one (run without --no-null)');
  }
  if (existsSync(nullPath)) manifest.null = 'null.json';
  model.dispose();
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
  writeFileSync(join(dir, 'README.md'), modelCard(manifest, record));
  console.log(`wrote ${manifestPath} and README.md`);
}
