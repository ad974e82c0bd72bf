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
  fallbacks: { backend: string; reason: string }[];
  forwardMs: number;
  backwardMs: number;
  repeats: number;
  error?: string;
}

declare global {
  interface Window {
    __bench?: BrowserBenchResult;
  }
}

async function timeIt(fn: () => tf.Tensor, repeats: number): Promise<number> {
  const warm = fn(); // shader compilation and kernel set-up are not what we measure
  await warm.data();
  warm.dispose();
  const t0 = performance.now();
  for (let i = 0; i < repeats; i++) {
    const out = fn();
    await out.data();
    out.dispose();
  }
  return (performance.now() - t0) / repeats;
}

async function main(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const wanted = params.get('backend') ?? 'webgpu';
  const repeats = Math.max(1, Number(params.get('repeats') ?? 2));
  const choice = await chooseBackend(isBrowserBackend(wanted) ? wanted : 'webgpu');
  const coch = new Cochleagram();
  const n = coch.config.signalLength;
  const x = tf.tensor(new Rng(1).normalArray(n, 0, 0.1), [1, n]);
  const forwardMs = await timeIt(() => coch.apply(x), repeats);
  const grad = tf.grad((input: tf.Tensor) => tf.sum(coch.apply(input)));
  const backwardMs = await timeIt(() => grad(x), repeats);
  x.dispose();
  coch.dispose();
  window.__bench = { backend: choice.backend, fallbacks: choice.fallbacks, forwardMs, backwardMs, repeats };
  document.getElementById('status')!.textContent = JSON.stringify(window.__bench);
}

main().catch((err: unknown) => {
  window.__bench = { backend: tf.getBackend() ?? 'none', fallbacks: [], forwardMs: NaN, backwardMs: NaN, repeats: 0,
    error: err instanceof Error ? err.message : String(err) };
  document.getElementById('status')!.textContent = `error: ${window.__bench.error}`;
});
