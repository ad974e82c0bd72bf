/**
 * The model card (models/cochcnn9-words/README.md), written from the manifest and export.json.
 */
import type { ModelManifest } from '../../../src/models/manifest.ts';

/** What export_tfjs.py records (export.json). */
export interface ExportRecord {
  classes: string[];
  info: {
    words: string[];
    accents: string[];
    espeakTrainVariants: string[];
    espeakTestVariants: string[];
    fliteTrain: string[];
    fliteTest: string[];
    festivalTrain: string[];
    seed: number;
  };
  training: {
    trainClips: number;
    testClips: number;
    epochs: number;
    heldOutVoiceAccuracy: number;
    trainAccuracyFirst1000: number;
    torch: string;
    maxLr: number;
    history: { epoch: number; trainLoss: number; testAccuracy: number; seconds: number }[];
  };
  references: { path: string; label: string; voice: string; noise: string; snrDb: number | null }[];
  accuracyBySnr: { band: string; clips: number; accuracy: number | null }[];
  natural: { count: number; voices: string[] };
  heldout: { count: number; labels: number[]; voices: string[]; torchAccuracy: number };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

export function modelCard(m: ModelManifest, r: ExportRecord): string {
  const t = r.training;
  const i = r.info;
  const last = t.history[t.history.length - 1];
  const stageRows = m.stages.map((s) => `| \`${s.name}\` | [${s.shape.join(', ')}] | ${s.description ?? ''} |`);
  return `# ${m.id}: ${m.name}

${m.description}

## Architecture (CochCNN9 layout, narrow)

Stages (shapes without the batch dimension; net stages are channels-last \`[channel, frame, filter]\`):

| stage | shape | what |
|---|---|---|
${stageRows.join('\n')}

The paper's CochCNN9 (Kell et al. 2018; Feather et al. 2023) has 96-256-512-1024-512 filters and a 4096-unit
fc layer on 793 words (+ null); this one keeps the layout and the stage names with 16-32-64-64-64 filters and 128 fc
units so that it trains on 2 CPU cores in minutes. Batch norm was used in training and is folded into the
convolution weights; the exported net is plain conv / ReLU / pool / dense, run by
\`src/models/layers/sequential-ops.ts\` after the tfjs cochleagram (\`src/audio/cochleagram.ts\`).

## Data: 100 synthesised English words

Built offline and deterministically by \`scripts/models/cochcnn_words/make_dataset.py\` (seed ${i.seed}):

- Words (${i.words.length}): ${i.words.join(', ')}.
- Voices: espeak-ng with the accents ${i.accents.map((a) => `\`${a}\``).join(', ')} combined with the
  variant voices of \`espeak-ng-data/voices/!v\` (random pitch \`-p 25..75\`, speed \`-s 130..220\`);
  flite ${[...i.fliteTrain, ...i.fliteTest].join(', ')} (random duration stretch 0.85..1.2, f0 target 85..180 Hz);
  festival ${i.festivalTrain.join(', ')} (\`text2wave\`). Every clip is also resampled by a random factor 0.9..1.1
  (pitch and speed together).
- Each word is trimmed to its spoken extent, resampled to 20 kHz, centred in 2 s (40000 samples), mixed with
  pink, brown or babble noise (4..8 other words) at an SNR uniform in [-10, 10] dB (word power over its spoken
  extent), or left clean (15 %), mean removed, RMS 0.1, clamped to [-1, 1].
- Training: ${t.trainClips} clips (40 per word) from training voices only.
- **Held-out voices** (never in training): the espeak-ng variants ${i.espeakTestVariants.map((v) => `\`${v}\``).join(', ')}
  (with any accent) and flite ${i.fliteTest.join(', ')}. Test split: ${t.testClips} clips (4 per word).
- Committed here (8-bit mu-law, \`src/models/cochcnn/mulaw.ts\`): \`natural.mulaw\`, ${r.natural.count} clips of a separate
  natural split drawn like the training set (training voices), the null distribution's stimuli;
  \`heldout.mulaw\`, ${r.heldout.count} held-out-voice clips (one per word) for the accuracy test; \`references/\`,
  ${r.references.length} clips as 16-bit WAV.

## Training

\`train.py\`: cochleagrams computed once in torch, exactly as spec section 5 (\`coch_torch.py\`, max relative
error ~2e-5 against the float64 reference \`scripts/cochleagram_reference.py\`); AdamW (max lr ${t.maxLr},
weight decay 1e-4) with a one-cycle schedule, ${t.epochs} epochs of batch 64, random time shifts of up to 15
frames, dropout 0.3 before fc, label smoothing 0.05. PyTorch ${t.torch}, CPU.

## Accuracy

${m.accuracy}

Training accuracy (first 1000 training clips): ${pct(t.trainAccuracyFirst1000)}; final training loss
${last ? last.trainLoss.toFixed(3) : 'n/a'}. Held-out-voice accuracy by SNR (test split, torch):
${r.accuracyBySnr.map((b) => `${b.band}: ${b.accuracy === null ? 'n/a' : pct(b.accuracy)} (${b.clips} clips)`).join('; ')}.

## Null distribution

\`null.json\`: Spearman, Pearson and SNR (dB) between distinct random pairs of the ${r.natural.count} natural
clips, at every stage (built by \`npm run build:model -- ${m.id}\`).

## Rebuild

\`\`\`
apt-get install espeak-ng flite festival festvox-kallpc16k python3-torch python3-numpy python3-scipy
npm run build:model -- ${m.id} --retrain     # dataset, cochleagrams, training, export, manifest, null
npm run build:model -- ${m.id}               # manifest, null and this card from the committed weights
\`\`\`

## Licences

- Weights, code, the synthesised clips (\`natural.mulaw\`, \`heldout.mulaw\`, \`references/\`): MIT (this project).
- The clips are program output of: espeak-ng (GPL-3.0-or-later; its voice data files are GPL-3.0 too, and the
  output speech is not a derivative covered by the GPL), flite (BSD-style CMU/Edinburgh licence,
  /usr/share/doc/flite/copyright) and festival with the kal_diphone voice (festvox-kallpc16k, Copyright (c) 1998 Alan W Black
  and Kevin Lenzo, a permissive free licence: use and distribute without restriction, keep the notice;
  /usr/share/doc/festvox-kallpc16k/copyright).
- Known limitations: synthetic voices only (no human speech), 100 words, narrow net; accuracy on natural
  human recordings is not measured.
`;
}
