/**
 * Builds the Node side of the Fashion-MNIST family (issue 15: who else is fooled):
 *   npm run build:model -- fmnist-alexnet-seed1|fmnist-alexnet-seed2|fmnist-alexnet-robust-seed1|fmnist-resnet
 *     [--retrain] [--threads 1] [--no-null] [--pairs 20000]
 *
 * 1. Training (Python, when the model's files are missing or with --retrain):
 *    `/usr/bin/python3 scripts/models/fmnist_family/train.py --model ID` (the robust seed twin
 *    trains its standard twin first when that one's cached weights are missing).
 * 2. Node (wasm backend): manifest.json (weight hashes, stage shapes measured by running the
 *    loaded model), null.json (20,000 distinct pairs of the 256 test images in natural.bin,
 *    every stage, three metrics) and the model card README.md.
 *
 * The AlexNet seed twins load through the `layers` builder like fmnist-alexnet; the ResNet
 * through the `onnx` builder (the graph's stage values carry the paper's names).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { useNodeBackend } from '../../../src/platform/tf-node.ts';
import type { ModelManifest } from '../../../src/models/manifest.ts';
import { DEFAULT_MODELS_ROOT } from '../../../src/models/source-node.ts';
import type { InputSpec } from '../../../src/engine/types.ts';
import type { TrainingRecord } from '../fmnist_alexnet/model-card.ts';
import { accuracyStatement, FMNIST_CLASSES, FMNIST_STAGES, STAGE_DESCRIPTIONS, writeManifestShapesAndNull } from '../fmnist_alexnet/build.ts';
import { familyCard } from './model-card.ts';
import { fileEntry, hasFlag, numberArg } from '../common.ts';

export const FAMILY_MODEL_IDS = ['fmnist-alexnet-seed1', 'fmnist-alexnet-seed2', 'fmnist-alexnet-robust-seed1', 'fmnist-resnet'] as const;
export type FamilyModelId = (typeof FAMILY_MODEL_IDS)[number];

const HERE = dirname(fileURLToPath(import.meta.url));
const TRAIN_SCRIPT = join(HERE, 'train.py');
const PYTHON = '/usr/bin/python3';
export const RESNET_STAGES = ['conv1_relu1', 'layer1', 'layer2', 'layer3', 'layer4', 'avgpool', 'final'];
const RESNET_DESCRIPTIONS: Record<string, string> = {
  conv1_relu1: 'conv1 (3x3, 16 channels, pad 1) + ReLU; max-pool 2x2 follows (28 -> 14)',
  layer1: 'basic block: two 3x3 convs (16), identity shortcut, ReLU after the sum',
  layer2: 'basic block: 3x3 stride-2 conv (32) and 3x3 conv, 1x1 stride-2 projection shortcut (14 -> 7)',
  layer3: 'basic block: two 3x3 convs (32), identity shortcut',
  layer4: 'basic block: 3x3 stride-2 conv (48) and 3x3 conv, 1x1 stride-2 projection shortcut (7 -> 4)',
  avgpool: 'global average pool (48 values)',
  final: 'class logits (48 -> 10), no softmax',
};

/** ONNX stage shapes (NCHW, no batch): the onnx builder checks the graph against them. */
const RESNET_SHAPES: Record<string, number[]> = {
  conv1_relu1: [16, 28, 28], layer1: [16, 14, 14], layer2: [32, 7, 7], layer3: [32, 7, 7], layer4: [48, 4, 4], avgpool: [48], final: [10],
};

interface FamilyEntry {
  name: string;
  description: string;
  resnet: boolean;
  robust: boolean;
}

const ENTRIES: Record<FamilyModelId, FamilyEntry> = {
  'fmnist-alexnet-seed1': {
    name: 'Fashion-MNIST AlexNet-style CNN, seed 1',
    description: 'fmnist-alexnet trained again with random seed 1 (initial weights and batch order): a random-seed twin, for checking that other seeds of one architecture are fooled by its metamers as often as other architectures are.',
    resnet: false,
    robust: false,
  },
  'fmnist-alexnet-seed2': {
    name: 'Fashion-MNIST AlexNet-style CNN, seed 2',
    description: 'fmnist-alexnet trained again with random seed 2 (initial weights and batch order): a random-seed twin.',
    resnet: false,
    robust: false,
  },
  'fmnist-alexnet-robust-seed1': {
    name: 'Fashion-MNIST AlexNet-style CNN, L2-robust, seed 1',
    description: 'fmnist-alexnet-seed1 adversarially fine-tuned with L2 PGD like fmnist-alexnet-robust: the random-seed twin of the robust model.',
    resnet: false,
    robust: true,
  },
  'fmnist-resnet': {
    name: 'Fashion-MNIST small ResNet',
    description: 'Small ResNet (conv1 + max-pool, four one-block residual stages, global average pool, linear readout; the paper\'s ResNet stage names) trained on Fashion-MNIST 28x28 grey images: a second architecture to be fooled by the AlexNet-style models\' metamers.',
    resnet: true,
    robust: false,
  },
};

function runTraining(id: FamilyModelId): void {
  const probe = spawnSync(PYTHON, ['-c', 'import torch, numpy, onnx'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    throw new Error(`${PYTHON} cannot import torch, numpy and onnx: apt-get install python3-torch python3-onnx (Debian)\n${probe.stderr}`);
  }
  if (!existsSync('/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz')) {
    throw new Error('Fashion-MNIST not found in /usr/share/datasets/fashion-mnist: apt-get install dataset-fashion-mnist');
  }
  const threads = String(numberArg('--threads', 1));
  const order: FamilyModelId[] = id === 'fmnist-alexnet-robust-seed1' && !existsSync('/tmp/fmnist-family-cache/fmnist-alexnet-seed1.pt')
    ? ['fmnist-alexnet-seed1', id]
    : [id];
  for (const m of order) {
    console.log(`training ${m}: ${PYTHON} ${TRAIN_SCRIPT} --model ${m} --threads ${threads} (5-20 min on one CPU core)`);
    const r = spawnSync(PYTHON, [TRAIN_SCRIPT, '--model', m, '--threads', threads], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`training ${m} failed (exit ${r.status})`);
  }
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

function provenance(id: FamilyModelId, record: TrainingRecord): string {
  const t = record.training;
  const how = t.attack
    ? `initialised from ${t.initialisedFrom}, ${t.epochs} epoch(s) of L2-PGD adversarial training (eps ${t.attack.eps}, ${t.attack.steps} steps). `
    : `${t.epochs} epochs of Adam with a cosine learning rate. `;
  const exported = ENTRIES[id].resnet
    ? 'Exported to ONNX (opset 13) by export_onnx.py, stage values named after the stages.'
    : 'Exported to a TF.js LayersModel by ../fmnist_alexnet/export_tfjs.py.';
  return (
    `Trained in this repository by scripts/models/fmnist_family/train.py (PyTorch ${record.torchVersion}, CPU, ` +
    `seed ${record.seed}) on the 60,000 Fashion-MNIST training images from the Debian package dataset-fashion-mnist; ` +
    how + exported + ' See training.json for every setting.'
  );
}

/** The manifest of a family model (AlexNet stage shapes empty until the model has run). */
function familyManifest(id: FamilyModelId, dir: string, record: TrainingRecord): ModelManifest {
  const entry = ENTRIES[id];
  const stages = entry.resnet ? RESNET_STAGES : FMNIST_STAGES;
  const descriptions = entry.resnet ? RESNET_DESCRIPTIONS : STAGE_DESCRIPTIONS;
  const weightFiles = entry.resnet ? ['model.onnx'] : ['model.json', 'weights.bin'];
  const naturalArray = {
    path: record.natural.path,
    shape: [...record.natural.shape, 1],
    sha256: fileEntry(dir, record.natural.path).sha256,
    description: `${record.natural.shape[0]} Fashion-MNIST test images (seeded choice; indices in training.json)`,
  };
  const accuracy = {
    clean: record.accuracy.clean,
    adversarial: record.accuracy.adversarial.accuracy,
    heldout: record.accuracy.heldout.accuracy,
  };
  const builderParams = entry.resnet
    ? {
        file: 'model.onnx',
        inputName: 'input',
        layout: 'NCHW',
        stageValues: Object.fromEntries(stages.map((s) => [s, s])),
        readoutValue: 'final',
      }
    : { modelJson: 'model.json', stageLayers: Object.fromEntries(stages.map((s) => [s, s])), readoutLayer: 'final' };
  return {
    format: 'metamer-model/1',
    id,
    name: entry.name,
    description: entry.description,
    builder: entry.resnet ? 'onnx' : 'layers',
    stages: stages.map((name) => ({ name, shape: entry.resnet ? RESNET_SHAPES[name] : [], description: descriptions[name] })),
    inputSpec: inputSpec(record),
    classes: FMNIST_CLASSES,
    provenance: provenance(id, record),
    licence:
      'Weights and code: MIT (this project). Training data, natural.bin and references: Fashion-MNIST, ' +
      'MIT licence, Copyright (c) 2017 Zalando SE (https://github.com/zalandoresearch/fashion-mnist).',
    accuracy: accuracyStatement(record),
    weights: weightFiles.map((f) => fileEntry(dir, f)),
    references: record.references.map((r) => ({
      path: r.path,
      label: r.label,
      source: `Fashion-MNIST test image #${r.testIndex}`,
      licence: 'MIT (Zalando SE)',
    })),
    params: { ...builderParams, naturalArray, accuracy },
  };
}

/** Writes manifest.json (+ null.json, README.md) of one family model from its trained files. */
async function buildNodeSide(id: FamilyModelId, withNull: boolean, pairs: number): Promise<void> {
  const tf = await useNodeBackend('wasm');
  const dir = join(DEFAULT_MODELS_ROOT, id);
  const record = JSON.parse(readFileSync(join(dir, 'training.json'), 'utf8')) as TrainingRecord;
  const manifest = familyManifest(id, dir, record);
  await writeManifestShapesAndNull(tf, id, dir, manifest, withNull, pairs);
  writeFileSync(join(dir, 'README.md'), familyCard(manifest, record, ENTRIES[id].resnet));
  console.log(`wrote ${join(dir, 'manifest.json')} and README.md`);
}

export async function buildFamilyModel(id: FamilyModelId): Promise<void> {
  const dir = join(DEFAULT_MODELS_ROOT, id);
  const files = ENTRIES[id].resnet ? ['model.onnx'] : ['model.json', 'weights.bin'];
  const missing = [...files, 'training.json', 'natural.bin'].some((f) => !existsSync(join(dir, f)));
  if (hasFlag('--retrain') || missing) runTraining(id);
  await buildNodeSide(id, !hasFlag('--no-null'), numberArg('--pairs', 20000));
}

// Run directly: npx tsx scripts/models/fmnist_family/build.ts <id> [flags]
if (resolve(process.argv[1] ?? '') === fileURLToPath(import.meta.url)) {
  const id = process.argv[2] as FamilyModelId;
  if (!FAMILY_MODEL_IDS.includes(id)) {
    console.error(`usage: build.ts ${FAMILY_MODEL_IDS.join('|')} [--retrain] [--threads 1] [--no-null] [--pairs 20000]`);
    process.exit(2);
  }
  await buildFamilyModel(id);
}
