/**
 * Backend selection for the browser (page or Web Worker; no DOM use).
 * Tries the preferred backend first, then webgpu -> webgl -> wasm -> cpu, and records
 * why each skipped backend was skipped so the page can say so in plain text.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
// Vite copies these into dist and gives us their hashed URLs; tfjs fetches them itself.
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { BACKEND_ORDER, backendOrder, type BrowserBackend } from './backend-names.ts';
import type { BackendFallback } from './backend-names.ts';

export { BACKEND_ORDER, backendOrder, type BrowserBackend, type BackendFallback };

export interface BackendChoice {
  backend: string;
  fallbacks: BackendFallback[];
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Checks that must pass before tfjs is even asked; returns a reason to skip, or null. */
async function precheck(backend: BrowserBackend): Promise<string | null> {
  if (backend === 'webgpu') {
    const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
    if (!gpu) return 'WebGPU is not available in this browser';
    const adapter = await gpu.requestAdapter();
    if (!adapter) return 'no WebGPU adapter';
  }
  if (backend === 'webgl') {
    if (typeof OffscreenCanvas === 'undefined') return 'OffscreenCanvas is not available';
    const gl = new OffscreenCanvas(1, 1).getContext('webgl2') ?? new OffscreenCanvas(1, 1).getContext('webgl');
    if (!gl) return 'WebGL is not available';
  }
  if (backend === 'wasm') {
    // Threaded wasm breaks after bundling (pthread worker loses its globals); one thread is fine.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    setWasmPaths({
      'tfjs-backend-wasm.wasm': wasmPlain,
      'tfjs-backend-wasm-simd.wasm': wasmSimd,
      'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimd,
    });
  }
  return null;
}

/** Proves the backend really computes: a tiny op read back to the CPU. */
async function smokeTest(): Promise<string | null> {
  const t = tf.tensor1d([1, 2, 3]).square().sum();
  const value = (await t.data())[0];
  t.dispose();
  return value === 14 ? null : `smoke test returned ${value} instead of 14`;
}

/**
 * Initialises the first backend that works, preferred one first.
 * Every backend tried and rejected before the chosen one is listed with its reason.
 */
export async function chooseBackend(preferred?: BrowserBackend): Promise<BackendChoice> {
  const fallbacks: BackendFallback[] = [];
  for (const backend of backendOrder(preferred)) {
    try {
      const skip = await precheck(backend);
      if (skip) {
        fallbacks.push({ backend, reason: skip });
        continue;
      }
      const ok = await tf.setBackend(backend);
      if (!ok) {
        fallbacks.push({ backend, reason: `tfjs could not initialise the ${backend} backend` });
        continue;
      }
      await tf.ready();
      const bad = await smokeTest();
      if (bad) {
        fallbacks.push({ backend, reason: bad });
        continue;
      }
      return { backend: tf.getBackend(), fallbacks };
    } catch (err) {
      fallbacks.push({ backend, reason: errorMessage(err) });
    }
  }
  throw new Error(`no tfjs backend works: ${fallbacks.map((f) => `${f.backend}: ${f.reason}`).join('; ')}`);
}
