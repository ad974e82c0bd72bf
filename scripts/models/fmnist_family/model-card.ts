/**
 * The model card (models/<id>/README.md) of the Fashion-MNIST family models (seed twins and
 * the small ResNet), generated from the manifest and train.py's training.json so that the
 * numbers in it are the measured ones.
 */
import type { ModelManifest } from '../../../src/models/manifest.ts';
import { accuracyTable, type TrainingRecord } from '../fmnist_alexnet/model-card.ts';

export function familyCard(m: ModelManifest, r: TrainingRecord, resnet: boolean): string {
  const a = r.accuracy;
  const t = r.training;
  const lines = [
    `# ${m.name} (built-in model \`${m.id}\`)`,
    '',
    m.description,
    '',
    'Part of the Fashion-MNIST family that measures who else is fooled by a metamer (the paper\'s',
    'Figure 7 and its random-seed control): every model of the family reads every other one\'s',
    'metamers (`metamer recognise`, the "recognised by" column of the all-stages grid).',
    '',
    '## Input',
    `One grey channel, 28 x 28 pixels, raw values in [0, 1], normalised (x - ${r.pixelMean}) / ${r.pixelStd}`,
    'by the manifest\'s inputSpec. Metamers start from N(0.5, 0.05^2) noise clamped to [0, 1].',
    '',
    '## Stages (shallow to deep)',
    '| stage | shape | layer |',
    '|---|---|---|',
    ...m.stages.map((s) => `| ${s.name} | [${s.shape.join(', ')}] | ${s.description ?? ''} |`),
    '',
    '## Classes',
    m.classes!.map((c, i) => `${i} ${c}`).join(', ') + '.',
    '',
    '## Training',
    `- Data: ${r.dataset}. Licence: ${r.datasetLicence}.`,
    `- PyTorch ${r.torchVersion} on the CPU (${r.threads} thread(s), a shared machine), seed ${r.seed}, batch ${r.batchSize}, ` +
      `${t.optimizer} (learning rate ${t.learningRate}, ${t.schedule}), ${t.epochs} epoch(s), ${t.seconds} s.`,
    t.attack
      ? `- Adversarial training: initialised from \`${t.initialisedFrom}\`, each batch replaced by ${t.attack.norm} PGD ` +
        `examples (eps ${t.attack.eps} in [0, 1] pixel units, ${t.attack.steps} steps of ${t.attack.stepSize.toFixed(3)}, random start).`
      : '- Standard training on clean images.',
    '',
    ...accuracyTable(a),
    '',
    '## Files',
    resnet
      ? '- `model.onnx`: the ONNX graph (opset 13, NCHW input without normalisation), written by\n' +
        '  `scripts/models/fmnist_family/export_onnx.py`; its stage values are named after the stages\n' +
        '  (`conv1_relu1`, `layer1`, ...), so the `onnx` builder reads them directly. Strided convs keep\n' +
        '  PyTorch\'s explicit symmetric padding, so TF.js computes the same function.'
      : '- `model.json`, `weights.bin`: TF.js LayersModel written by `scripts/models/fmnist_alexnet/export_tfjs.py`,\n' +
        '  the same layout as `fmnist-alexnet`.',
    '- `training.json`: every training setting and measured accuracy.',
    `- \`natural.bin\`: the same ${r.natural.shape[0]} Fashion-MNIST test images as fmnist-alexnet (null pool).`,
    '- `null.json`: Spearman, Pearson and SNR between 20,000 distinct random pairs of those images at every stage.',
    '- `references/`: one held-out test image per class.',
    '',
    'TF.js reproduces PyTorch\'s logits and held-out predictions (test/models/fmnist-family.test.ts',
    'against test/fixtures/fmnist/family-outputs.json).',
    '',
    '## Rebuild',
    '```',
    `npm run build:model -- ${m.id}            # Node side only when the weights exist`,
    `npm run build:model -- ${m.id} --retrain  # retrain (minutes on one CPU core), then the Node side`,
    '```',
    'Training needs Debian\'s `python3-torch`, `python3-onnx` and `dataset-fashion-mnist` and runs with `/usr/bin/python3`.',
    '',
    '## Licence',
    m.licence,
    '',
  ];
  return lines.join('\n');
}
