/**
 * Atomic file writes: the bytes go to a temporary file in the same folder, are flushed to disk,
 * then renamed over the target. A reader (or a rerun after a kill) sees the old file or the
 * whole new one, never a half-written file that looks complete.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

let counter = 0;

function tempPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${counter++}.tmp`);
}

/** Writes `data` to `path` atomically (synchronous: safe inside engine callbacks). */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const tmp = tempPath(path);
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const fd = openSync(tmp, 'w');
  try {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** JSON.stringify that keeps +-Infinity and NaN readable as strings instead of null. */
export function jsonText(value: unknown): string {
  return `${JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2)}\n`;
}
