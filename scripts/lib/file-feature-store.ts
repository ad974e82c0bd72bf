/**
 * A null-builder FeatureStore on disk (Node only): one file per stimulus and stage in one
 * directory, holding the z-scored ranks (float32 x n), the raw activations (float32 x n) and
 * the scalars (float64 energy, mean, centred norm). Blocks are read back with fs.readSync at
 * their offsets, so memory holds only the builder's block buffers, however large the stages
 * (Spectemp: 202 clips x 9 M units x 8 bytes = 14.6 GB per stage). The OS page cache keeps
 * what fits. Several processes may fill one directory (disjoint stimuli) and a later process
 * open it for the pair pass.
 */
import { closeSync, fstatSync, mkdtempSync, openSync, readdirSync, readSync, renameSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { FeatureBlock, FeatureScalars, FeatureStore, StoredFeatures } from '../../src/engine/feature-store.ts';

const SCALAR_BYTES = 3 * 8;

function bytesOf(a: Float32Array | Float64Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function readFully(fd: number, into: Uint8Array, position: number, what: string): void {
  for (let off = 0; off < into.length; ) {
    const got = readSync(fd, into, off, into.length - off, position + off);
    if (got === 0) throw new Error(`feature store: ${what} ends early`);
    off += got;
  }
}

export class FileFeatureStore implements FeatureStore {
  readonly spills = true;

  /** dir: an existing directory whose files this store reads, writes and (dispose) deletes. */
  private constructor(readonly dir: string) {}

  /** A store in a fresh directory `null-features-XXXXXX` under parentDir. */
  static create(parentDir: string): FileFeatureStore {
    return new FileFeatureStore(mkdtempSync(join(parentDir, 'null-features-')));
  }

  /** A store over a directory filled earlier (by this or other processes). */
  static open(dir: string): FileFeatureStore {
    return new FileFeatureStore(dir);
  }

  /** The file-name prefix of a stage (any stage name; dots escaped so prefixes never overlap). */
  private prefix(stage: string): string {
    return `${encodeURIComponent(stage).replace(/\./g, '%2E')}.`;
  }

  private path(stimulus: number, stage: string): string {
    return join(this.dir, `${this.prefix(stage)}${stimulus}.f32`);
  }

  private openFor(stimulus: number, stage: string): { fd: number; units: number } {
    let fd: number;
    try {
      fd = openSync(this.path(stimulus, stage), 'r');
    } catch {
      throw new Error(`feature store ${this.dir}: no features for stimulus ${stimulus} at stage "${stage}"`);
    }
    const size = fstatSync(fd).size;
    if (size < SCALAR_BYTES || (size - SCALAR_BYTES) % 8 !== 0) {
      closeSync(fd);
      throw new Error(`feature store: ${this.path(stimulus, stage)} has ${size} bytes, not 8 per unit + ${SCALAR_BYTES}`);
    }
    return { fd, units: (size - SCALAR_BYTES) / 8 };
  }

  /** Units per stimulus at a stage, from the stored file of the stimulus. */
  units(stimulus: number, stage: string): number {
    const { fd, units } = this.openFor(stimulus, stage);
    closeSync(fd);
    return units;
  }

  put(stimulus: number, stage: string, f: StoredFeatures): void {
    const n = f.raw.length;
    if (f.zRanks.length !== n) throw new Error(`stage "${stage}", stimulus ${stimulus}: ${f.zRanks.length} ranks for ${n} activations`);
    // Written under a temporary name, then renamed: a file that exists is complete.
    const tmp = `${this.path(stimulus, stage)}.${process.pid}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      for (const part of [bytesOf(f.zRanks), bytesOf(f.raw), bytesOf(Float64Array.of(f.energy, f.mean, f.centredNorm))]) {
        for (let off = 0; off < part.length; ) off += writeSync(fd, part, off, part.length - off);
      }
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path(stimulus, stage));
  }

  scalars(stimulus: number, stage: string): FeatureScalars {
    const { fd, units } = this.openFor(stimulus, stage);
    try {
      const s = new Float64Array(3);
      readFully(fd, bytesOf(s), units * 8, this.path(stimulus, stage));
      return { energy: s[0], mean: s[1], centredNorm: s[2] };
    } finally {
      closeSync(fd);
    }
  }

  readBlock(stimulus: number, stage: string, start: number, end: number, into: FeatureBlock): FeatureBlock {
    const { fd, units } = this.openFor(stimulus, stage);
    try {
      if (start < 0 || end > units || start > end) throw new Error(`feature store: block [${start}, ${end}) outside stage "${stage}" of ${units} units`);
      const len = end - start;
      if (into.zRanks.length < len || into.raw.length < len) throw new Error(`feature store: block of ${len} units does not fit buffers of ${into.raw.length}`);
      const out = { zRanks: into.zRanks.subarray(0, len), raw: into.raw.subarray(0, len) };
      readFully(fd, bytesOf(out.zRanks), start * 4, this.path(stimulus, stage));
      readFully(fd, bytesOf(out.raw), (units + start) * 4, this.path(stimulus, stage));
      return out;
    } finally {
      closeSync(fd);
    }
  }

  release(stage: string): void {
    const prefix = this.prefix(stage);
    for (const name of readdirSync(this.dir)) if (name.startsWith(prefix)) unlinkSync(join(this.dir, name));
  }

  /** Deletes the directory and everything still in it. */
  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
