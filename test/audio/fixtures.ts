/**
 * Reader for the float64 reference fixtures written by scripts/cochleagram_reference.py:
 * meta.json names raw little-endian .bin files with their dtype and shape.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const FIXTURE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'cochleagram');

/** 'paper': the spec's configuration; 'small': a reduced one cheap enough for the cpu backend. */
export type FixtureSet = 'paper' | 'small';

interface FixtureEntry {
  file: string;
  dtype: 'float32' | 'float64';
  shape: number[];
}

interface FixtureMeta {
  params: Record<string, number>;
  files: Record<string, FixtureEntry>;
}

export function readMeta(set: FixtureSet): FixtureMeta {
  return JSON.parse(readFileSync(join(FIXTURE_ROOT, set, 'meta.json'), 'utf8')) as FixtureMeta;
}

/** The named array as float64 (float32 files are widened exactly). */
export function readFixture(set: FixtureSet, name: string): { data: Float64Array; shape: number[] } {
  const entry = readMeta(set).files[name];
  if (!entry) throw new Error(`no fixture named ${name}`);
  const bytes = readFileSync(join(FIXTURE_ROOT, set, entry.file));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const width = entry.dtype === 'float64' ? 8 : 4;
  const count = entry.shape.reduce((a, b) => a * b, 1);
  if (bytes.byteLength !== count * width) throw new Error(`${entry.file}: ${bytes.byteLength} bytes, expected ${count * width}`);
  const data = new Float64Array(count);
  for (let i = 0; i < count; i++) data[i] = width === 8 ? view.getFloat64(i * 8, true) : view.getFloat32(i * 4, true);
  return { data, shape: entry.shape };
}

/** ||a - b|| / ||b|| in float64; ||a - b|| when b is all zeros (e.g. a ReLU stage that is off), so equal zero vectors give 0. */
export function relativeL2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return den === 0 ? Math.sqrt(num) : Math.sqrt(num / den);
}
