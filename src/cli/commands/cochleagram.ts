/**
 * `metamer cochleagram IN.wav --out OUT.npy`: the audio models' front end applied to a WAV
 * file's samples as they are - mixed to mono and resampled to 20 kHz if needed, but NOT
 * windowed or normalised (that is prepareClip's job), so the output can be compared with a
 * cochleagram computed elsewhere from the same samples.
 */
import { writeFile } from 'node:fs/promises';
import { BACKEND_OPTIONS, COMMON_OPTIONS, backendChoice, parse, type BackendChoice, requireString } from '../args.ts';
import { cliBackend } from '../backend.ts';
import { UsageError } from '../errors.ts';
import type { CliIo } from '../io.ts';
import type { Command } from './command.ts';
import { assertFinite, mixToMono } from '../../audio/clip.ts';
import { DEFAULT_COCHLEAGRAM_CONFIG } from '../../audio/cochleagram-config.ts';
import { resample } from '../../audio/resample.ts';
import { decodeWav } from '../../audio/wav.ts';
import { writeNpy } from '../../io/npy.ts';
import { readUserFile } from '../../io/read-file.ts';
import type { AnyNodeBackend } from '../../platform/tf-node.ts';

/** The cochleagram's input: a WAV file's mono mix at the cochleagram's rate, checked for length. */
export function cochleagramInput(wavBytes: Uint8Array, label = 'the file'): { samples: Float32Array; sourceRate: number } {
  const { sampleRate: rate, signalLength: length } = DEFAULT_COCHLEAGRAM_CONFIG;
  let decoded;
  try {
    decoded = decodeWav(wavBytes);
  } catch (e) {
    throw new Error(`${label}: ${(e as Error).message}`);
  }
  const mono = mixToMono(decoded.channels);
  assertFinite(mono, label);
  const samples = decoded.sampleRate === rate ? mono : resample(mono, decoded.sampleRate, rate);
  if (samples.length !== length) {
    const at = decoded.sampleRate === rate ? '' : ` (${decoded.channels[0].length} at ${decoded.sampleRate} Hz, resampled)`;
    throw new Error(
      `${label} has ${samples.length} samples at ${rate} Hz${at}, ${(samples.length / rate).toFixed(3)} s; ` +
        `the cochleagram needs exactly ${length} (${length / rate} s at ${rate} Hz): cut a ${length / rate}-s clip first`,
    );
  }
  return { samples, sourceRate: decoded.sampleRate };
}

/** The float32 cochleagram [channels, frames] of a WAV file's samples. */
export async function wavCochleagram(wavBytes: Uint8Array, backend: AnyNodeBackend | BackendChoice = 'wasm', label?: string, io?: CliIo): Promise<{ data: Float32Array; shape: [number, number] }> {
  const { samples } = cochleagramInput(wavBytes, label);
  const tf = await cliBackend(backend, io);
  // Imported here so that a bad input fails before tfjs and the filterbank are built.
  const { Cochleagram } = await import('../../audio/cochleagram.ts');
  const coch = new Cochleagram();
  try {
    const out = tf.tidy(() => coch.apply(tf.tensor1d(samples)));
    try {
      const [, channels, frames] = out.shape;
      return { data: (await out.data()) as Float32Array, shape: [channels, frames] };
    } finally {
      out.dispose();
    }
  } finally {
    coch.dispose();
  }
}

export const cochleagramCommand: Command = {
  name: 'cochleagram',
  summary: "the audio models' cochleagram [211, 390] of a 2-s WAV file, as .npy",
  usage: `Usage: metamer cochleagram IN.wav --out OUT.npy [--backend wasm|cpu|webgpu [--allow-software-gpu]]

Writes the float32 cochleagram [211 channels, 390 frames] of IN.wav (spec section 5)
to OUT.npy. The samples are used as they are: channels are averaged to mono and the
file is resampled to 20 kHz if it has another rate, but there is no windowing and no
normalisation, so the file must hold exactly 2 s (40000 samples at 20 kHz).
WAV: 8/16/24/32-bit PCM or 32/64-bit float, plain or WAVE_FORMAT_EXTENSIBLE.`,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parse(argv, { help: COMMON_OPTIONS.help, ...BACKEND_OPTIONS, out: { type: 'string', short: 'o' } }, true);
    if (values.help) {
      io.out(`${this.usage}\n`);
      return 0;
    }
    if (positionals.length !== 1) throw new UsageError(`cochleagram needs one WAV file, got ${positionals.length} argument(s)`);
    const out = requireString(values.out, 'out');
    const backend = backendChoice(values);
    const inPath = positionals[0];
    const bytes = await readUserFile(inPath, { what: 'WAV file' });
    const { data, shape } = await wavCochleagram(bytes, backend, inPath, io);
    await writeFile(out, writeNpy(data, shape));
    io.err(`wrote ${out} [${shape.join(', ')}] float32\n`);
    return 0;
  },
};
