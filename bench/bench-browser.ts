/**
 * The cochleagram's forward and forward+backward time per 2-s clip in headless Chromium on
 * WebGPU (SwiftShader on a GPU-less machine, the real GPU elsewhere), through Vite's dev
 * server and playwright-core. Skipped, with a note, when Chromium is not installed.
 */
import { existsSync } from 'node:fs';
import { createServer } from 'vite';
import { CHROMIUM_PATH, launchChromium } from '../test/e2e/chromium.ts';
import type { BenchRow } from './bench-models.ts';

export async function benchBrowserCochleagram(backend = 'webgpu', timeoutMs = 2_400_000): Promise<BenchRow[]> {
  if (!existsSync(CHROMIUM_PATH)) {
    console.error(`  browser benchmark skipped: no Chromium at ${CHROMIUM_PATH}`);
    return [];
  }
  const server = await createServer({ server: { port: 5188, strictPort: false }, logLevel: 'error' });
  await server.listen();
  const url = server.resolvedUrls?.local[0];
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(new URL(`bench/browser/cochleagram.html?backend=${backend}`, url).toString());
    // Software WebGPU (SwiftShader) needs many minutes: print the page's phases as they finish.
    let shown = 0;
    const ticker = setInterval(() => {
      page.evaluate(() => window.__benchProgress ?? []).then((lines) => {
        for (; shown < lines.length; shown++) console.error(`  browser: ${lines[shown]}`);
      }).catch(() => {});
    }, 10_000);
    try {
      await page.waitForFunction(() => window.__bench !== undefined, undefined, { timeout: timeoutMs, polling: 1000 });
    } finally {
      clearInterval(ticker);
    }
    const r = await page.evaluate(() => window.__bench!);
    if (r.error) throw new Error(`browser benchmark failed on ${r.backend}: ${r.error}`);
    const where = `browser ${r.backend}${r.adapter ? ` (${r.adapter})` : ''}`;
    for (const f of r.fallbacks) console.error(`  (browser: ${f.backend} skipped: ${f.reason})`);
    console.error(`  ${where} cochleagram: forward ${r.forwardMs.toFixed(0)} ms, forward+backward ${r.backwardMs.toFixed(0)} ms`);
    return [
      { backend: where, case: 'cochleagram forward (2 s clip)', value: r.forwardMs, unit: 'ms' },
      { backend: where, case: 'cochleagram forward+backward (2 s clip)', value: r.backwardMs, unit: 'ms' },
      { backend: where, case: 'cochleagram forward, first call (compilation included)', value: r.firstForwardMs, unit: 'ms' },
      { backend: where, case: 'cochleagram forward+backward, first call', value: r.firstBackwardMs, unit: 'ms' },
    ];
  } finally {
    await browser.close();
    await server.close();
  }
}
