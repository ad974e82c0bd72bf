/**
 * ModelSource over the repository's models/ folder on disk (CLI, tests, build scripts).
 */
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModelSource } from './manifest.ts';

/** <repo>/models, found relative to this file (src/models/source-node.ts). */
export const DEFAULT_MODELS_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../models');

export function nodeModelSource(root: string = DEFAULT_MODELS_ROOT): ModelSource {
  async function read(path: string): Promise<Buffer> {
    const full = join(root, path);
    try {
      return await readFile(full);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new Error(code === 'ENOENT' ? `model file not found: ${full}` : `cannot read model file ${full}: ${String(e)}`);
    }
  }
  return {
    async readJson<T = unknown>(path: string): Promise<T> {
      const text = (await read(path)).toString('utf8');
      try {
        return JSON.parse(text) as T;
      } catch (e) {
        throw new Error(`model file ${join(root, path)} is not valid JSON: ${(e as Error).message}`);
      }
    },
    async readBinary(path: string): Promise<ArrayBuffer> {
      const buf = await read(path);
      // Copy into a fresh, 4-byte aligned ArrayBuffer (Node buffers may share a pool).
      return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
    },
  };
}
