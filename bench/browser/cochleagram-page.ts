/**
 * Browser half of the cochleagram benchmark: times forward and forward+backward of one 2-s
 * clip on the backend named in ?backend= (default webgpu) and exposes the result on
 * window.__bench for bench/bench-browser.ts. Served by Vite's dev server, never built.
 */
import * as tf from '@tensorflow/tfjs';
import { chooseBackend } from '../../src/platform/tf-browser.ts';
import { isBrowserBackend } from '../../src/platform/backend-names.ts';
import { Cochleagram } from '../../src/audio/cochleagram.ts';
import { Rng } from '../../src/engine/random.ts';

interface BrowserBenchResult {
  backend: string;
  /** The WebGPU adapter (e.g. "google / swiftshader"), so software and real GPUs are not confused. */
  adapter: string;
  /** First call of each (shader compilation and kernel set-up included). */
  firstForwardMs: number;
  firstBackwardMs: number;
  fallbacks: { backend: string; reason: string }[];
  forwardMs: number;
  backwardMs: number;
  repeats: number;
  error?: string;
}

declare global {
  interface Window {
    __bench?: BrowserBenchResult;
    /** Phases finished so far, for the runner's progress lines (SwiftShader takes many minutes). */
    __benchProgress?: string[];
  }
}

function progress(line: string): void {
  (window.__benchProgress ??= []).push(line);
}

async function once(fn: () => tf.Tensor): Promise<number> {
  const t0 = performance.now();
  const out = fn();
  await out.data();
  out.dispose();
  return performance.now() - t0;
}

/** First call (compilation included) and the mean of `repeats` warm calls, in ms. */
async function timeIt(name: string, fn: () => tf.Tensor, repeats: number): Promise<{ first: number; warm: number }> {
  const first = await once(fn);
  progress(`${name}: first call ${first.toFixed(0)} ms`);
  let total = 0;
  for (let i = 0; i < repeats; i++) {
    total += await once(fn);
    progress(`${name}: warm call ${i + 1} of ${repeats} done`);
  }
  return { first, warm: total / repeats };
}

async function adapterName(backend: string): Promise<string> {
  if (backend !== 'webgpu') return '';
  const adapter = await navigator.gpu?.requestAdapter();
  const info = (adapter as unknown as { info?: { vendor?: string; architecture?: string; description?: string } })?.info;
  return [info?.vendor, info?.architecture, info?.description].filter(Boolean).join(' / ');
}

async function main(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const wanted = params.get('backend') ?? 'webgpu';
  const repeats = Math.max(1, Number(params.get('repeats') ?? 1));
  const choice = await chooseBackend(isBrowserBackend(wanted) ? wanted : 'webgpu');
  const coch = new Cochleagram();
  const n = coch.config.signalLength;
  const x = tf.tensor(new Rng(1).normalArray(n, 0, 0.1), [1, n]);
  const adapter = await adapterName(choice.backend);
  progress(`backend ${choice.backend}${adapter ? ` (${adapter})` : ''}`);
  const forward = await timeIt('forward', () => coch.apply(x), repeats);
  const grad = tf.grad((input: tf.Tensor) => tf.sum(coch.apply(input)));
  const backward = await timeIt('forward+backward', () => grad(x), repeats);
  x.dispose();
  coch.dispose();
  window.__bench = {
    backend: choice.backend, adapter, fallbacks: choice.fallbacks, repeats,
    forwardMs: forward.warm, backwardMs: backward.warm, firstForwardMs: forward.first, firstBackwardMs: backward.first,
  };
  document.getElementById('status')!.textContent = JSON.stringify(window.__bench);
}

main().catch((err: unknown) => {
  window.__bench = { backend: tf.getBackend() ?? 'none', adapter: '', fallbacks: [], forwardMs: NaN, backwardMs: NaN,
    firstForwardMs: NaN, firstBackwardMs: NaN, repeats: 0, error: err instanceof Error ? err.message : String(err) };
  document.getElementById('status')!.textContent = `error: ${window.__bench.error}`;
});
