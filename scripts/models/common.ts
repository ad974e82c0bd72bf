/**
 * Helpers shared by the model build scripts (scripts/build-model.ts and scripts/models/*):
 * command-line readers, manifest weight entries (SHA-256 and byte size), writing a file with
 * its directories, and the "build the null distribution, write null.json" step.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Tensor } from '@tensorflow/tfjs';
import type { BuildNullOptions, NullProgress } from '../../src/engine/null-builder.ts';
import type { NullDistribution } from '../../src/engine/types.ts';

/**
 * The word after `name` as a number (`Number`, so a missing or bad value gives NaN), or
 * `fallback` when `name` is absent.
 */
export function numberArg(name: string, fallback: number, argv: readonly string[] = process.argv): number {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
}

/**
 * The word after `name` as given (undefined when `name` is the last word), or `fallback` when
 * `name` is absent (pass undefined for an optional value).
 */
export function stringArg<F extends string | undefined>(name: string, fallback: F, argv: readonly string[] = process.argv): string | F {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : fallback;
}

/** Whether the flag `name` is on the command line. */
export function hasFlag(name: string, argv: readonly string[] = process.argv): boolean {
  return argv.includes(name);
}

/** Lower-case hex SHA-256 of the bytes. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A manifest weight entry for the file `path` (relative to the model directory `dir`). */
export function fileEntry(dir: string, path: string): { path: string; sha256: string; bytes: number } {
  const bytes = readFileSync(join(dir, path));
  return { path, sha256: sha256Hex(bytes), bytes: bytes.byteLength };
}

/** Writes the file, creating its directory first. */
export function writeFileMakingDirs(path: string, data: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, data);
}

export interface NullBuildJob extends Omit<BuildNullOptions, 'stimuli' | 'onProgress'> {
  /** The natural stimuli; disposed once the distribution is built. */
  stimuli: Tensor[];
  /** Where null.json goes. */
  path: string;
  /** Logs a progress line every `logEvery` steps and at the end of each phase; none when absent. */
  logEvery?: number;
  /** Appends the seconds since the start to each progress line. */
  logElapsed?: boolean;
  /** The closing log line, to which ` in N s` is appended, e.g. `null distribution: 20000 pairs from 240 crops`. */
  summary: string;
}

function progressLogger(every: number | undefined, withElapsed: boolean, t0: number): ((p: NullProgress) => void) | undefined {
  if (every === undefined) return undefined;
  return (p) => {
    if (p.done !== p.total && p.done % every !== 0) return;
    const elapsed = withElapsed ? ` ${seconds(t0)} s` : '';
    console.log(`null ${p.phase} [${p.stages.join(',')}] ${p.done}/${p.total}${elapsed}`);
  };
}

function seconds(t0: number): string {
  return ((Date.now() - t0) / 1000).toFixed(0);
}

/**
 * Builds the null distribution of the job's model, disposes the stimuli, writes it to
 * `job.path` (JSON, one-space indent, trailing newline) and logs `job.summary` with the time.
 */
export async function buildAndWriteNull(job: NullBuildJob): Promise<NullDistribution> {
  // Imported here so that scripts (and tests) using only the argument and file helpers do not
  // load tfjs and the null builder.
  const { buildNullDistribution } = await import('../../src/engine/null-builder.ts');
  const { path, logEvery, logElapsed = false, summary, ...options } = job;
  const t0 = Date.now();
  const nullDist = await buildNullDistribution({ ...options, onProgress: progressLogger(logEvery, logElapsed, t0) });
  options.stimuli.forEach((t) => t.dispose());
  writeFileMakingDirs(path, JSON.stringify(nullDist, null, 1) + '\n');
  console.log(`${summary} in ${seconds(t0)} s`);
  return nullDist;
}
