/**
 * tfjs for Node (CLI, tests, benchmarks): the wasm backend (fastest on CPU here; tfjs-node
 * cannot be installed offline), the pure-JS cpu backend, or WebGPU through the npm package
 * `webgpu` (Dawn; see webgpu-node.ts). The wasm binaries are read from the installed
 * @tensorflow/tfjs-backend-wasm package, never downloaded.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { prepareNodeWebGpu, type NodeWebGpuOptions } from './webgpu-node.ts';

/** The CPU backends: always available in Node. */
export type NodeBackend = 'wasm' | 'cpu';
export const NODE_BACKENDS: readonly NodeBackend[] = ['wasm', 'cpu'];

/** Every backend Node can run: the CPU ones and WebGPU (needs a GPU, or an allowed software one). */
export type AnyNodeBackend = NodeBackend | 'webgpu';
export const ANY_NODE_BACKENDS: readonly AnyNodeBackend[] = ['wasm', 'cpu', 'webgpu'];

let wasmPathsSet = false;

/** Selects and initialises a backend; throws a clear error if it cannot start. */
export async function useNodeBackend(name: AnyNodeBackend = 'wasm', options: NodeWebGpuOptions = {}): Promise<typeof tf> {
  if (name === 'wasm' && !wasmPathsSet) {
    const require = createRequire(import.meta.url);
    const pkgDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
    // Node's fetch cannot read file: URLs, so tfjs-backend-wasm falls back to fs when given a path.
    setWasmPaths(join(pkgDir, 'dist') + '/');
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    wasmPathsSet = true;
  }
  if (name === 'webgpu') await prepareNodeWebGpu(options);
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tfjs backend "${name}" failed to initialise`);
  await tf.ready();
  return tf;
}
