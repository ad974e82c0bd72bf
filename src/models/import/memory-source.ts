/**
 * A ModelSource over files held in memory (an imported model: the user's dropped files, the
 * CLI's files read from disk, or bytes restored from IndexedDB). Keys are paths under the
 * models tree, `<id>/<file>`, exactly as the registry asks for them.
 */
import type { ModelSource } from '../manifest.ts';

export function memoryModelSource(files: ReadonlyMap<string, ArrayBuffer>): ModelSource {
  function read(path: string): ArrayBuffer {
    const data = files.get(path);
    if (!data) throw new Error(`model file not found: ${path} (the imported model holds ${[...files.keys()].join(', ') || 'no files'})`);
    return data;
  }
  return {
    async readJson<T = unknown>(path: string): Promise<T> {
      const text = new TextDecoder().decode(read(path));
      try {
        return JSON.parse(text) as T;
      } catch (e) {
        throw new Error(`model file ${path} is not valid JSON: ${(e as Error).message}`);
      }
    },
    // A copy, so a builder that transfers or detaches the buffer cannot empty the store.
    readBinary: async (path) => read(path).slice(0),
  };
}
