/** `metamer metrics A.npy B.npy`: the paper's match metrics between two activation arrays. */
import { BACKEND_OPTIONS, COMMON_OPTIONS, backendChoice, parse } from '../args.ts';
import { UsageError } from '../errors.ts';
import type { CliIo } from '../io.ts';
import type { Command } from './command.ts';
import { parseNpy64, type NpyArray64 } from '../../io/npy.ts';
import { readUserFile } from '../../io/read-file.ts';
import { metricsFloat64 } from '../../engine/metrics-f64.ts';

/** JSON cannot hold +-Infinity (an exact match, or an all-zero reference): written as strings. */
export type JsonNumber = number | 'Infinity' | '-Infinity';
export interface FileMetrics {
  spearman: JsonNumber;
  pearson: JsonNumber;
  r2: JsonNumber;
  snr_db: JsonNumber;
}

function jsonNumber(v: number): JsonNumber {
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return v;
}

async function readNpyFile(path: string): Promise<NpyArray64> {
  return parseNpy64(await readUserFile(path, { what: 'array' }), { name: path });
}

/**
 * Metrics between the arrays in two .npy files; A is the reference. Float64 on the host
 * (metrics-f64.ts), whatever the files' dtype: within 1e-9 of scipy.
 */
export async function fileMetrics(pathA: string, pathB: string): Promise<FileMetrics> {
  const [a, b] = await Promise.all([readNpyFile(pathA), readNpyFile(pathB)]);
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new Error(`shapes differ: ${pathA} is [${a.shape}], ${pathB} is [${b.shape}]`);
  }
  if (a.data.length === 0) throw new Error(`${pathA} is empty`);
  const m = metricsFloat64(a.data, b.data);
  return { spearman: jsonNumber(m.spearman), pearson: jsonNumber(m.pearson), r2: jsonNumber(m.r2), snr_db: jsonNumber(m.snrDb) };
}

export const metricsCommand: Command = {
  name: 'metrics',
  summary: 'match metrics between two .npy arrays (A = reference)',
  usage: `Usage: metamer metrics A.npy B.npy [--backend wasm|cpu|webgpu [--allow-software-gpu]]

Prints JSON {"spearman", "pearson", "r2", "snr_db"} comparing B with the reference A
(same shape, any numeric dtype). snr_db is the paper's 10 log10(sum a^2 / sum (a-b)^2);
an exact match prints "Infinity". Both all zero: every metric is 0; a constant array
has correlation 0. Computed in float64 on the CPU (agrees with scipy to 1e-9), whatever
--backend says; arrays holding NaN or Infinity are refused.`,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parse(argv, { help: COMMON_OPTIONS.help, ...BACKEND_OPTIONS }, true);
    if (values.help) {
      io.out(`${this.usage}\n`);
      return 0;
    }
    if (positionals.length !== 2) throw new UsageError(`metrics needs two .npy files, got ${positionals.length} argument(s)`);
    backendChoice(values); // accepted for symmetry with the other commands; metrics run in float64 on the CPU
    const result = await fileMetrics(positionals[0], positionals[1]);
    io.out(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  },
};
