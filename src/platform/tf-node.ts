/**
 * tfjs for Node (CLI, tests, benchmarks): the wasm backend (fastest on CPU here; tfjs-node
 * cannot be installed offline) or the pure-JS cpu backend. The wasm binaries are read from
 * the installed @tensorflow/tfjs-backend-wasm package, never downloaded.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type NodeBackend = 'wasm' | 'cpu';
export const NODE_BACKENDS: readonly NodeBackend[] = ['wasm', 'cpu'];

let wasmPathsSet = false;

/** Selects and initialises a backend; throws a clear error if it cannot start. */
export async function useNodeBackend(name: NodeBackend = 'wasm'): Promise<typeof tf> {
  if (name === 'wasm' && !wasmPathsSet) {
    const require = createRequire(import.meta.url);
    const pkgDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
    // Node's fetch cannot read file: URLs, so tfjs-backend-wasm falls back to fs when given a path.
    setWasmPaths(join(pkgDir, 'dist') + '/');
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    wasmPathsSet = true;
  }
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tfjs backend "${name}" failed to initialise`);
  await tf.ready();
  return tf;
}
