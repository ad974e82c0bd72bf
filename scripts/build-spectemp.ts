/**
 * Builds the Spectemp model directory models/spectemp/:
 *   npx tsx scripts/build-spectemp.ts [--no-null] [--retrain-readout]
 * (null.json itself: scripts/models/spectemp/build-null.ts, run next by npm run build:model -- spectemp)
 *
 * Requires the Debian package espeak-ng (`apt-get install espeak-ng`; GPL-3.0 program, its
 * synthesised output is not covered by the program's licence) to synthesise the natural speech
 * clips. Steps: synthesise 40 short English phrases with varied voices, pitches and speeds
 * (22.05 kHz) -> trim leading/trailing silence -> resample to 20 kHz (Kaiser-windowed sinc, below)
 * -> centre in 2 s -> remove the mean, RMS 0.1 -> 16-bit WAV under natural/, with SOURCES.md;
 * then manifest.json (stage shapes measured by running the model; it names null.json, which
 * build-null.ts builds from the cochcnn9-words natural clips unless --no-null).
 * The filters are computed in code from manifest.params; the only weight file is the linear word
 * readout's (models/spectemp/readout.bin), kept as committed or, with --retrain-readout, retrained
 * (scripts/models/spectemp/readout-build.ts).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { useNodeBackend } from '../src/platform/tf-node.ts';
import type { ModelManifest } from '../src/models/manifest.ts';
import { nodeModelSource, DEFAULT_MODELS_ROOT } from '../src/models/source-node.ts';
import { decodeWav16, encodeWav16 } from '../src/models/spectemp/wav16.ts';
import { normaliseClip } from '../src/models/spectemp/natural-audio.ts';
import {
  createSpectempModel,
  DEFAULT_SPECTEMP_PARAMS,
  SPECTEMP_INPUT_SPEC,
  channelSpacingErb,
  type SpectempParams,
} from '../src/models/spectemp/spectemp-model.ts';
import { validateCochleagramConfig } from '../src/audio/cochleagram-config.ts';
import { addReadout, retrainReadout } from './models/spectemp/readout-build.ts';

const RATE = 20000;
const LENGTH = 40000;
const REFERENCE_COUNT = 3;

interface Utterance {
  text: string;
  voice: string;
  pitch: number;
  speed: number;
}

/** Short phrases written for this project; voice = espeak-ng language + variant. */
const UTTERANCES: Utterance[] = [
  { text: 'the quick brown fox', voice: 'en-us+m3', pitch: 45, speed: 150 },
  { text: 'she sells sea shells', voice: 'en-gb-x-rp+f3', pitch: 65, speed: 145 },
  { text: 'open the window please', voice: 'en+m1', pitch: 40, speed: 160 },
  { text: 'seven green apples', voice: 'en-us+f2', pitch: 70, speed: 150 },
  { text: 'where is the station', voice: 'en-gb-scotland+m2', pitch: 50, speed: 155 },
  { text: 'bring me a cup of tea', voice: 'en-029+f1', pitch: 60, speed: 165 },
  { text: 'the river runs north', voice: 'en-us+m7', pitch: 35, speed: 140 },
  { text: 'a bright morning sky', voice: 'en+f4', pitch: 75, speed: 150 },
  { text: 'turn left at the bridge', voice: 'en-gb+m4', pitch: 45, speed: 170 },
  { text: 'music fills the room', voice: 'en-us+f5', pitch: 55, speed: 145 },
  { text: 'the dog chased the ball', voice: 'en-gb-x-gbclan+m5', pitch: 50, speed: 160 },
  { text: 'count from one to five', voice: 'en-us+klatt', pitch: 50, speed: 175 },
  { text: 'a letter for you', voice: 'en-gb-x-gbcwmd+f2', pitch: 68, speed: 140 },
  { text: 'we will meet tomorrow', voice: 'en+m6', pitch: 38, speed: 160 },
  { text: 'the garden is quiet', voice: 'en-us+f3', pitch: 80, speed: 150 },
  { text: 'yellow boats on water', voice: 'en-gb-x-rp+m3', pitch: 42, speed: 150 },
  { text: 'please close the door', voice: 'en-029+m2', pitch: 55, speed: 165 },
  { text: 'the clock struck nine', voice: 'en-us+m1', pitch: 30, speed: 145 },
  { text: 'cold winter mornings', voice: 'en-gb+f1', pitch: 62, speed: 155 },
  { text: 'a book on the table', voice: 'en-gb-scotland+f4', pitch: 70, speed: 160 },
  { text: 'light the small candle', voice: 'en-us+m4', pitch: 48, speed: 150 },
  { text: 'fresh bread and butter', voice: 'en+f2', pitch: 66, speed: 150 },
  { text: 'the train is late again', voice: 'en-gb-x-gbclan+f5', pitch: 58, speed: 170 },
  { text: 'birds sing at dawn', voice: 'en-us+m6', pitch: 44, speed: 135 },
  { text: 'keep your hands warm', voice: 'en-gb-x-rp+f1', pitch: 72, speed: 150 },
  { text: 'a long and narrow road', voice: 'en-029+m7', pitch: 36, speed: 155 },
  { text: 'the children are laughing', voice: 'en-us+f4', pitch: 76, speed: 165 },
  { text: 'paint the fence blue', voice: 'en-gb+m2', pitch: 46, speed: 150 },
  { text: 'listen to the rain', voice: 'en+klatt2', pitch: 52, speed: 145 },
  { text: 'six silver spoons', voice: 'en-us+f1', pitch: 64, speed: 140 },
  { text: 'the kettle is boiling', voice: 'en-gb-x-gbcwmd+m3', pitch: 40, speed: 160 },
  { text: 'an old wooden chair', voice: 'en-gb-scotland+f3', pitch: 68, speed: 150 },
  { text: 'follow the yellow line', voice: 'en-us+m2', pitch: 50, speed: 170 },
  { text: 'summer is almost here', voice: 'en+f5', pitch: 60, speed: 155 },
  { text: 'the market opens early', voice: 'en-gb-x-rp+m6', pitch: 34, speed: 165 },
  { text: 'my brother plays guitar', voice: 'en-029+f3', pitch: 74, speed: 160 },
  { text: 'a quiet voice', voice: 'en-us+klatt3', pitch: 56, speed: 130 },
  { text: 'heavy snow fell overnight', voice: 'en-gb+f4', pitch: 62, speed: 165 },
  { text: 'the ship left the harbour', voice: 'en-us+m5', pitch: 42, speed: 165 },
  { text: 'thank you very much', voice: 'en-gb-x-gbclan+m1', pitch: 48, speed: 150 },
];


function writeFile(path: string, data: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, data);
}

/** Modified Bessel function I0 (power series; converges fast for the betas used here). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 50; k++) {
    term *= (x / (2 * k)) ** 2;
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return sum;
}

/**
 * Band-limited resampling by direct evaluation of a Kaiser-windowed sinc interpolator:
 * y[m] = sum_k x[k] h(m * from / to - k), h(t) = 2 fc sinc(2 fc t) kaiser(t / halfWidth),
 * fc = 0.45 * min(from, to) / from cycles per input sample (anti-aliasing below the new Nyquist).
 */
function resampleSinc(x: Float64Array, from: number, to: number, halfWidth = 32, beta = 8): Float64Array {
  if (!Number.isInteger(from) || !Number.isInteger(to)) throw new Error('integer sample rates only');
  const fc = (0.45 * Math.min(from, to)) / from;
  const n = Math.floor(((x.length - 1) * to) / from) + 1;
  const y = new Float64Array(n);
  const i0b = besselI0(beta);
  // Output m sits at input time t = base + frac with frac = ((m * from) mod to) / to, so the taps
  // repeat with period `to` in m: compute each residue's taps once.
  const cache = new Map<number, Float64Array>();
  const tapsFor = (residue: number): Float64Array => {
    let taps = cache.get(residue);
    if (!taps) {
      const frac = residue / to;
      taps = new Float64Array(2 * halfWidth + 1); // taps[j] weights x[base - halfWidth + j]
      for (let j = 0; j <= 2 * halfWidth; j++) {
        const d = frac + halfWidth - j;
        const r = d / halfWidth;
        if (Math.abs(r) > 1) continue;
        const win = besselI0(beta * Math.sqrt(1 - r * r)) / i0b;
        const a = 2 * fc * d;
        taps[j] = 2 * fc * (a === 0 ? 1 : Math.sin(Math.PI * a) / (Math.PI * a)) * win;
      }
      cache.set(residue, taps);
    }
    return taps;
  };
  for (let m = 0; m < n; m++) {
    const base = Math.floor((m * from) / to);
    const taps = tapsFor((m * from) % to);
    let s = 0;
    for (let j = 0; j <= 2 * halfWidth; j++) {
      const k = base - halfWidth + j;
      if (k >= 0 && k < x.length) s += x[k] * taps[j];
    }
    y[m] = s;
  }
  return y;
}

/** The span between the first and last sample above 1% of the peak (espeak-ng pads with silence). */
function trimSilence(x: Float64Array): Float64Array {
  let peak = 0;
  for (const v of x) peak = Math.max(peak, Math.abs(v));
  const th = 0.01 * peak;
  let a = 0;
  while (a < x.length && Math.abs(x[a]) <= th) a++;
  let b = x.length - 1;
  while (b > a && Math.abs(x[b]) <= th) b--;
  return x.slice(a, b + 1);
}

function synthesise(u: Utterance, dir: string): { samples: Float32Array; speed: number } {
  const wavPath = join(dir, 'out.wav');
  // Speed up (rarely needed) until the phrase fits in 2 s with a little margin.
  for (let speed = u.speed; speed < u.speed + 200; speed += 20) {
    execFileSync('espeak-ng', ['-v', u.voice, '-p', String(u.pitch), '-s', String(speed), '-w', wavPath, u.text]);
    const wav = decodeWav16(readFileSync(wavPath));
    const speech = trimSilence(Float64Array.from(wav.samples));
    const at20k = resampleSinc(speech, wav.sampleRate, RATE);
    if (at20k.length > LENGTH - 2000) continue;
    const centred = new Float32Array(LENGTH);
    const offset = Math.floor((LENGTH - at20k.length) / 2);
    for (let i = 0; i < at20k.length; i++) centred[offset + i] = at20k[i];
    return { samples: normaliseClip(centred), speed };
  }
  throw new Error(`"${u.text}" does not fit in 2 s`);
}

function buildClips(modelDir: string): { natural: string[]; references: ModelManifest['references']; version: string } {
  // "eSpeak NG text-to-speech: 1.51  Data at: /usr/lib/..." -> without the local data path.
  const version = execFileSync('espeak-ng', ['--version']).toString().split('Data at')[0].trim();
  const tmp = mkdtempSync(join(tmpdir(), 'spectemp-'));
  const natural: string[] = [];
  const references: ModelManifest['references'] = [];
  const rows: string[] = [];
  UTTERANCES.forEach((u, i) => {
    const { samples, speed } = synthesise(u, tmp);
    const path = `natural/clip-${String(i).padStart(2, '0')}.wav`;
    writeFile(join(modelDir, path), encodeWav16(samples, RATE));
    natural.push(path);
    rows.push(`| ${path.slice(8)} | ${u.text} | ${u.voice} | ${u.pitch} | ${speed} |`);
    if (i < REFERENCE_COUNT) {
      references.push({
        path,
        label: u.text,
        source: `synthesised with espeak-ng (${u.voice}, pitch ${u.pitch}, ${speed} words/min); see natural/SOURCES.md`,
        licence: 'CC0 1.0',
      });
    }
    console.log(`${path}: "${u.text}" (${u.voice}, -p ${u.pitch}, -s ${speed})`);
  });
  rmSync(tmp, { recursive: true, force: true });
  const md = [
    '# Natural speech clips of the Spectemp model',
    '',
    `Synthesised by \`scripts/build-spectemp.ts\` with the Debian package espeak-ng (\`${version}\`), from`,
    'short English phrases written for this project, with varied voices (language + variant),',
    'pitches (`-p`) and speeds (`-s`, words per minute; raised in steps of 20 if a phrase did not fit).',
    'Processing: espeak-ng output at 22.05 kHz -> leading/trailing silence trimmed (1% of peak) ->',
    'resampled to 20 kHz (Kaiser-windowed sinc, beta 8, 32-sample half width, cut-off 9 kHz) ->',
    'centred in 2 s (40000 samples) -> mean removed, RMS 0.1 -> 16-bit PCM mono WAV.',
    '',
    'Licence: espeak-ng is GPL-3.0-or-later; the speech it synthesises is program output and is not',
    "covered by the program's licence. These clips are released under CC0 1.0 (public domain dedication).",
    '',
    `The first ${REFERENCE_COUNT} clips are the model's bundled references; all ${UTTERANCES.length} make up the pool`,
    'of the null distribution.',
    '',
    '| file | text | voice | pitch | speed |',
    '|---|---|---|---|---|',
    ...rows,
  ];
  writeFile(join(modelDir, 'natural', 'SOURCES.md'), md.join('\n') + '\n');
  return { natural, references, version };
}

async function main(): Promise<void> {
  const tf = await useNodeBackend('wasm');
  const modelDir = join(DEFAULT_MODELS_ROOT, 'spectemp');
  const { natural, references, version } = buildClips(modelDir);
  const params: SpectempParams = { ...DEFAULT_SPECTEMP_PARAMS, natural };
  const spacing = channelSpacingErb(validateCochleagramConfig({}));
  const manifest: ModelManifest = {
    format: 'metamer-model/1',
    id: 'spectemp',
    name: 'Spectemp (spectro-temporal modulation filters)',
    description:
      'Hand-engineered auditory model after Chi, Ru & Shamma (2005) as used by Feather et al. (2023): '
      + 'the cochleagram (211 channels x 390 frames at 200 Hz) filtered by 110 2-D spectro-temporal modulation '
      + 'filters (6 spectral scales 0.0625..2 cycles/ERB x 8 temporal rates 0.5..64 Hz, upward and downward, plus '
      + '6 purely spectral and 8 purely temporal filters), zero padded to 422 x 1190; squared; averaged over time. '
      + 'Input: 2 s of mono audio at 20 kHz in [-1, 1], no normalisation.',
    builder: 'spectemp',
    stages: [],
    inputSpec: SPECTEMP_INPUT_SPEC,
    provenance:
      'Built in this repository by scripts/build-spectemp.ts. No learned weights: the filters are computed in code '
      + '(src/models/spectemp/spectemp-filters.ts) from params: Mexican-hat spectral and t^2 exp(-3.5t) sin(2 pi t) '
      + 'temporal seed transfer functions (Chi et al. 2005; NSL toolbox), zero phase, quadrant selection for direction; '
      + `channel spacing ${spacing.toFixed(6)} ERB (cochleagram band-pass spacing). Natural clips synthesised with ${version}.`,
    licence: 'Code: MIT (this project). Speech clips and references: CC0 1.0 (espeak-ng output; see natural/SOURCES.md).',
    accuracy: 'No classifier: Spectemp has no trained readout here (the paper\'s "final" linear readout stage); the linear readout for the class criterion comes with issue 5.',
    weights: [],
    references,
    params: params as unknown as Record<string, unknown>,
  };

  const model = createSpectempModel('spectemp', params);
  const x = tf.randomNormal([1, LENGTH], 0, 0.1, 'float32', 1);
  const acts = model.forward(x, model.stages);
  const descriptions: Record<string, string> = {
    cochleagram: 'channels (low to high, ERB spaced) x frames (200 Hz)',
    filtered_signal:
      'real output of each modulation filter [filter, channel, frame]; filter order: 48 upward (scale-major: index = '
      + 'scaleIndex * 8 + rateIndex), 48 downward (same order, +48), 6 purely spectral (+96), 8 purely temporal (+102)',
    power: 'filtered_signal squared',
    average: 'power averaged over frames [filter, channel]',
  };
  manifest.stages = model.stages.map((name) => ({ name, shape: acts[name].shape.slice(1), description: descriptions[name] }));
  tf.dispose(Object.values(acts));
  x.dispose();

  const nullPath = join(modelDir, 'null.json');
  if (!process.argv.includes('--no-null')) {
    // Built right after this script by scripts/models/spectemp/build-null.ts (npm run build:model
    // -- spectemp runs both): 20,000 pairs of the word-set clips, streamed through the disk.
    manifest.null = 'null.json';
  } else if (existsSync(nullPath)) {
    rmSync(nullPath);
  }
  model.dispose();
  const manifestPath = join(modelDir, 'manifest.json');
  const previous = existsSync(manifestPath) ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as ModelManifest) : null;
  addReadout(manifest, modelDir, process.argv.includes('--retrain-readout') ? await retrainReadout(modelDir) : null, previous);
  writeFile(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
  console.log(`wrote ${join(modelDir, 'manifest.json')}`);
}

await main();
