/**
 * Builds models/fmnist-alexnet/ and models/fmnist-alexnet-robust/:
 *   npm run build:model -- fmnist-alexnet [--retrain] [--threads 2] [--no-null] [--pairs 20000]
 *   npm run build:model -- fmnist-alexnet-robust [...same flags]
 *
 * 1. Training (Python, only when the model's weights or training record are missing, or with
 *    --retrain): `/usr/bin/python3 scripts/models/fmnist_alexnet/train.py` trains BOTH twins
 *    (the robust one is fine-tuned from the standard one) and writes model.json, weights.bin,
 *    training.json, natural.bin and references/ of both, plus test/fixtures/fmnist/. Needs the
 *    Debian packages python3-torch and dataset-fashion-mnist
 *    (`apt-get install python3-torch dataset-fashion-mnist`). After a retrain both model
 *    directories are rebuilt, since both sets of weights changed.
 * 2. Node (wasm backend): manifest.json (SHA-256 of the weight files, stage shapes measured by
 *    running the loaded model), null.json (>= 20,000 distinct pairs of the 256 Fashion-MNIST
 *    test images in natural.bin, every stage, three metrics) and the model card README.md.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { useNodeBackend } from '../../../src/platform/tf-node.ts';
import type { ModelManifest } from '../../../src/models/manifest.ts';
import { DEFAULT_MODELS_ROOT, nodeModelSource } from '../../../src/models/source-node.ts';
import { loadBuiltinModel, naturalStimuli } from '../../../src/models/registry.ts';
import type { InputSpec } from '../../../src/engine/types.ts';
import { modelCard, type TrainingRecord } from './model-card.ts';
import { buildAndWriteNull, fileEntry, hasFlag, numberArg } from '../common.ts';

export const FMNIST_MODEL_IDS = ['fmnist-alexnet', 'fmnist-alexnet-robust'] as const;
export type FmnistModelId = (typeof FMNIST_MODEL_IDS)[number];

const HERE = dirname(fileURLToPath(import.meta.url));
const TRAIN_SCRIPT = join(HERE, 'train.py');
const PYTHON = '/usr/bin/python3';
const NULL_SEED = 5;
export const FMNIST_STAGES = ['relu0', 'relu1', 'relu2', 'relu3', 'relu4', 'fc0_relu', 'fc1_relu', 'final'];
export const FMNIST_CLASSES = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
];
export const STAGE_DESCRIPTIONS: Record<string, string> = {
  relu0: 'conv0 (5x5, 16 channels, same padding) + ReLU; max-pool 2x2 follows',
  relu1: 'conv1 (3x3, 32, same) + ReLU; max-pool 2x2 follows',
  relu2: 'conv2 (3x3, 32, same) + ReLU',
  relu3: 'conv3 (3x3, 32, same) + ReLU',
  relu4: 'conv4 (3x3, 32, same) + ReLU; max-pool 2x2 (7x7 -> 3x3) and flatten follow',
  fc0_relu: 'fc0 (288 -> 128) + ReLU',
  fc1_relu: 'fc1 (128 -> 64) + ReLU',
  final: 'class logits (64 -> 10), no softmax',
};

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

export function accuracyStatement(r: TrainingRecord): string {
  const a = r.accuracy;
  const adv = a.adversarial;
  return (
    `Fashion-MNIST test set (10,000 images): clean ${pct(a.clean)}. ` +
    `L2 PGD (eps ${adv.eps} in [0,1] pixel units, ${adv.steps} steps of ${adv.stepSize}, random start) on ` +
    `${adv.imagesNote}: ${pct(adv.accuracy)}. Committed held-out set (${a.heldout.count} test images, ` +
    `test/fixtures/fmnist): ${pct(a.heldout.accuracy)}.`
  );
}

function runTraining(): void {
  const probe = spawnSync(PYTHON, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    throw new Error(`${PYTHON} cannot import torch and numpy: apt-get install python3-torch (Debian)\n${probe.stderr}`);
  }
  if (!existsSync('/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz')) {
    throw new Error('Fashion-MNIST not found in /usr/share/datasets/fashion-mnist: apt-get install dataset-fashion-mnist');
  }
  const threads = String(numberArg('--threads', 2));
  console.log(`training both twins: ${PYTHON} ${TRAIN_SCRIPT} --threads ${threads} (about 15 min on 2 CPU cores)`);
  const r = spawnSync(PYTHON, [TRAIN_SCRIPT, '--threads', threads], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`training failed (exit ${r.status})`);
}

function inputSpec(record: TrainingRecord): InputSpec {
  return {
    modality: 'image',
    shape: [28, 28, 1],
    range: [0, 1],
    normalization: { mean: [record.pixelMean], std: [record.pixelStd] },
    init: { mean: 0.5, std: 0.05 },
  };
}

/**
 * Writes manifest.json of a Fashion-MNIST model (28 x 28 grey input) with its stage shapes, read
 * from the loaded model, and its null distribution (null.json, or a stale one removed).
 * The Fashion-MNIST AlexNets and the family models share it.
 */
export async function writeManifestShapesAndNull(
  tf: Awaited<ReturnType<typeof useNodeBackend>>,
  id: string,
  dir: string,
  manifest: ModelManifest,
  withNull: boolean,
  pairs: number,
): Promise<void> {
  // A first manifest without shapes or null lets the registry load (and verify) the model.
  const manifestPath = join(dir, 'manifest.json');
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
  const source = nodeModelSource();
  const { model } = await loadBuiltinModel(id, source);
  const probe = tf.zeros([1, 28, 28, 1]);
  const acts = model.forward(probe, model.stages);
  for (const s of manifest.stages) s.shape = acts[s.name].shape.slice(1);
  tf.dispose([probe, ...Object.values(acts)]);

  const nullPath = join(dir, 'null.json');
  if (withNull) {
    const pool = (manifest.params!.naturalArray as { shape: number[] }).shape[0];
    const stimuli = await naturalStimuli(manifest, source, pool, NULL_SEED);
    await buildAndWriteNull({
      model,
      stimuli,
      pairs,
      seed: NULL_SEED,
      sourceDescription: `distinct pairs of the ${pool} Fashion-MNIST test images in models/${id}/natural.bin`,
      path: nullPath,
      summary: `${id}: null distribution, ${pairs} pairs of ${pool} images,`,
    });
    manifest.null = 'null.json';
  } else if (existsSync(nullPath)) {
    rmSync(nullPath); // stale for new weights
  }
  model.dispose();
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
}

/** Writes manifest.json (+ null.json, README.md) of one model from its trained files. */
async function buildNodeSide(id: FmnistModelId, withNull: boolean, pairs: number): Promise<void> {
  const tf = await useNodeBackend('wasm');
  const dir = join(DEFAULT_MODELS_ROOT, id);
  const record = JSON.parse(readFileSync(join(dir, 'training.json'), 'utf8')) as TrainingRecord;
  const robust = id === 'fmnist-alexnet-robust';
  const manifest: ModelManifest = {
    format: 'metamer-model/1',
    id,
    name: robust ? 'Fashion-MNIST AlexNet-style CNN, L2-robust' : 'Fashion-MNIST AlexNet-style CNN',
    description:
      'Small AlexNet-style CNN (5 conv + 3 fully connected layers, max-pools after relu0, relu1, relu4; the paper\'s ' +
      'stage names) trained on Fashion-MNIST 28x28 grey images' +
      (robust
        ? `, then adversarially fine-tuned with L2 PGD (eps ${record.training.attack?.eps}). The robust twin of fmnist-alexnet.`
        : '. The standard twin of fmnist-alexnet-robust.'),
    builder: 'layers',
    stages: FMNIST_STAGES.map((name) => ({ name, shape: [], description: STAGE_DESCRIPTIONS[name] })),
    inputSpec: inputSpec(record),
    classes: FMNIST_CLASSES,
    provenance:
      `Trained in this repository by scripts/models/fmnist_alexnet/train.py (PyTorch ${record.torchVersion}, CPU, ` +
      `seed ${record.seed}) on the 60,000 Fashion-MNIST training images from the Debian package dataset-fashion-mnist; ` +
      (robust
        ? `initialised from fmnist-alexnet, ${record.training.epochs} epoch(s) of L2-PGD adversarial training ` +
          `(eps ${record.training.attack?.eps}, ${record.training.attack?.steps} steps). `
        : `${record.training.epochs} epochs of Adam with a cosine learning rate. `) +
      'Exported to a TF.js LayersModel by export_tfjs.py. See training.json for every setting.',
    licence:
      'Weights and code: MIT (this project). Training data, natural.bin and references: Fashion-MNIST, ' +
      'MIT licence, Copyright (c) 2017 Zalando SE (https://github.com/zalandoresearch/fashion-mnist).',
    accuracy: accuracyStatement(record),
    weights: [fileEntry(dir, 'model.json'), fileEntry(dir, 'weights.bin')],
    references: record.references.map((r) => ({
      path: r.path,
      label: r.label,
      source: `Fashion-MNIST test image #${r.testIndex}`,
      licence: 'MIT (Zalando SE)',
    })),
    params: {
      modelJson: 'model.json',
      stageLayers: Object.fromEntries(FMNIST_STAGES.map((s) => [s, s])),
      readoutLayer: 'final',
      naturalArray: {
        path: record.natural.path,
        shape: [...record.natural.shape, 1],
        sha256: fileEntry(dir, record.natural.path).sha256,
        description: `${record.natural.shape[0]} Fashion-MNIST test images (seeded choice; indices in training.json)`,
      },
      accuracy: {
        clean: record.accuracy.clean,
        adversarial: record.accuracy.adversarial.accuracy,
        heldout: record.accuracy.heldout.accuracy,
      },
    },
  };
  await writeManifestShapesAndNull(tf, id, dir, manifest, withNull, pairs);
  const twinRecordPath = join(DEFAULT_MODELS_ROOT, robust ? 'fmnist-alexnet' : 'fmnist-alexnet-robust', 'training.json');
  const twin = existsSync(twinRecordPath) ? (JSON.parse(readFileSync(twinRecordPath, 'utf8')) as TrainingRecord) : undefined;
  writeFileSync(join(dir, 'README.md'), modelCard(manifest, record, twin));
  console.log(`wrote ${join(dir, 'manifest.json')} and README.md`);
}

export async function buildFmnistModel(id: FmnistModelId): Promise<void> {
  const dir = join(DEFAULT_MODELS_ROOT, id);
  const missing = ['model.json', 'weights.bin', 'training.json', 'natural.bin'].some((f) => !existsSync(join(dir, f)));
  const retrain = hasFlag('--retrain') || missing;
  if (retrain) runTraining();
  const withNull = !hasFlag('--no-null');
  const pairs = numberArg('--pairs', 20000);
  for (const m of retrain ? FMNIST_MODEL_IDS : [id]) await buildNodeSide(m, withNull, pairs);
}

// Run directly: npx tsx scripts/models/fmnist_alexnet/build.ts <id> [flags]
if (resolve(process.argv[1] ?? '') === fileURLToPath(import.meta.url)) {
  const id = process.argv[2] as FmnistModelId;
  if (!FMNIST_MODEL_IDS.includes(id)) {
    console.error(`usage: build.ts ${FMNIST_MODEL_IDS.join('|')} [--retrain] [--threads 2] [--no-null] [--pairs 20000]`);
    process.exit(2);
  }
  await buildFmnistModel(id);
}
