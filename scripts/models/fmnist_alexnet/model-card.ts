/**
 * The model card (models/<id>/README.md) of the Fashion-MNIST twins, generated from the
 * manifest and train.py's training.json so that the numbers in it are the measured ones.
 */
import type { ModelManifest } from '../../../src/models/manifest.ts';

/** models/<id>/training.json as train.py writes it. */
export interface TrainingRecord {
  id: string;
  dataset: string;
  datasetLicence: string;
  torchVersion: string;
  threads: number;
  seed: number;
  batchSize: number;
  pixelMean: number;
  pixelStd: number;
  training: {
    kind: string;
    epochs: number;
    optimizer: string;
    learningRate: number;
    schedule: string;
    seconds: number;
    initialisedFrom?: string;
    attack?: { norm: string; eps: number; steps: number; stepSize: number; randomStart: boolean };
  };
  accuracy: {
    clean: number;
    adversarial: { eps: number; steps: number; stepSize: number; images: number; imagesNote: string; accuracy: number };
    heldout: { count: number; accuracy: number };
  };
  references: { path: string; label: string; testIndex: number }[];
  natural: { path: string; shape: number[]; testIndices: number[] };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** The model card's "## Accuracy" heading and table (clean, L2 PGD, held-out), shared by the family cards. */
export function accuracyTable(a: TrainingRecord['accuracy']): string[] {
  return [
    '## Accuracy',
    '| | accuracy |',
    '|---|---|',
    `| clean, Fashion-MNIST test set (10,000) | ${pct(a.clean)} |`,
    `| L2 PGD eps ${a.adversarial.eps}, ${a.adversarial.steps} steps of ${a.adversarial.stepSize}, random start ` +
      `(${a.adversarial.imagesNote}) | ${pct(a.adversarial.accuracy)} |`,
    `| clean, committed held-out set (${a.heldout.count} test images, test/fixtures/fmnist) | ${pct(a.heldout.accuracy)} |`,
  ];
}

/** `twin`: the other model's training record, for the side-by-side accuracy table (if built). */
export function modelCard(m: ModelManifest, r: TrainingRecord, twinRecord?: TrainingRecord): string {
  const robust = r.training.attack !== undefined;
  const twin = robust ? 'fmnist-alexnet' : 'fmnist-alexnet-robust';
  const a = r.accuracy;
  const t = r.training;
  const lines = [
    `# ${m.name} (built-in model \`${m.id}\`)`,
    '',
    `${m.description}`,
    '',
    'A small stand-in for the AlexNet of Feather et al. (2023): no ImageNet weights or images can be',
    'had offline, so the pair is trained here on the best labelled image data available offline,',
    `Fashion-MNIST. Compare it with its twin \`${twin}\`: the paper finds that metamers of`,
    'adversarially robust networks stay recognisable to humans at deeper stages.',
    '',
    '## Input',
    `One grey channel, 28 x 28 pixels, raw values in [0, 1]. Inside the graph: (x - ${r.pixelMean}) / ${r.pixelStd}`,
    '(the training pixels\' mean and standard deviation). Metamers start from N(0.5, 0.05^2) noise clamped to [0, 1].',
    '',
    '## Stages (shallow to deep)',
    '| stage | shape | layer |',
    '|---|---|---|',
    ...m.stages.map((s) => `| ${s.name} | [${s.shape.join(', ')}] | ${s.description ?? ''} |`),
    '',
    'Each ReLU is its own `Activation` layer named after its stage, so the fake ReLU (identity',
    'backward pass) can be used at any ReLU stage. `final` is the logits layer (no ReLU).',
    'Max-pools are 2x2 with stride 2 and no padding; convolutions use symmetric zero padding of',
    'kernel // 2 (PyTorch) = `same` (TF.js), so both frameworks compute the same function',
    '(checked in test/models/fmnist-alexnet.test.ts against logits written by the training script).',
    '',
    '## Classes',
    m.classes!.map((c, i) => `${i} ${c}`).join(', ') + '.',
    '',
    '## Training',
    `- Data: ${r.dataset}. Licence: ${r.datasetLicence}.`,
    `- PyTorch ${r.torchVersion} on the CPU (${r.threads} thread(s)), seed ${r.seed}, batch ${r.batchSize}, ` +
      `${t.optimizer} (learning rate ${t.learningRate}, ${t.schedule}), ${t.epochs} epoch(s), ${t.seconds} s.`,
    robust
      ? `- Adversarial training: initialised from \`${t.initialisedFrom}\`, each batch replaced by ${t.attack!.norm} PGD ` +
        `examples (eps ${t.attack!.eps} in [0, 1] pixel units, ${t.attack!.steps} steps of ${t.attack!.stepSize.toFixed(3)}, ` +
        'random start; Madry et al. 2018).'
      : '- Standard training on clean images.',
    '',
    ...accuracyTable(a),
    '',
    ...(twinRecord
      ? [
          'The pair (same test images and attack):',
          '',
          '| model | clean | L2 PGD eps ' + a.adversarial.eps + ' |',
          '|---|---|---|',
          ...[r, twinRecord]
            .sort((x, y) => x.id.localeCompare(y.id))
            .map((x) => `| \`${x.id}\` | ${pct(x.accuracy.clean)} | ${pct(x.accuracy.adversarial.accuracy)} |`),
          '',
        ]
      : []),
    '## Files',
    '- `model.json`, `weights.bin`: TF.js LayersModel (Keras-style topology, float32 weights), written by',
    '  `scripts/models/fmnist_alexnet/export_tfjs.py` (conv kernels [kh, kw, in, out], dense [in, out],',
    '  fc0 rows permuted from PyTorch\'s (C, H, W) flatten order to TF.js\'s (H, W, C)). Loaded by the',
    '  `layers` builder (`src/models/layers/layers-model.ts`) after their SHA-256 is checked against the',
    '  manifest, and run as plain tfjs ops (`sequential-ops.ts`; the wasm backend cannot differentiate',
    '  tfjs-layers\' fused Conv2D w.r.t. its input).',
    '- `training.json`: every training setting and measured accuracy.',
    `- \`natural.bin\`: ${r.natural.shape[0]} Fashion-MNIST test images (uint8, [${r.natural.shape.join(', ')}]), the`,
    '  natural stimuli of the null distribution. Test images were never used in training.',
    '- `null.json`: Spearman, Pearson and SNR between distinct random pairs of those images at every stage.',
    '  Note: at `final` (10 logits) two images of one class often rank the logits identically, so the',
    '  Spearman null maximum there is 1 (to float precision) and that criterion cannot be passed at `final`.',
    '- `references/`: one held-out test image per class (the gallery; not in natural.bin).',
    '',
    '## Rebuild',
    '```',
    `npm run build:model -- ${m.id}            # Node side only when weights exist`,
    `npm run build:model -- ${m.id} --retrain  # retrain both twins (~15 min on 2 CPU cores)`,
    '```',
    'Training needs Debian\'s `python3-torch` and `dataset-fashion-mnist`',
    '(`apt-get install python3-torch dataset-fashion-mnist`) and runs with `/usr/bin/python3`.',
    '',
    '## Licence',
    m.licence,
    '',
  ];
  return lines.join('\n');
}
