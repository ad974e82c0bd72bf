/**
 * Bad files dropped on the page's drop zones (issue 13), in headless Chromium against the
 * production build: a corrupt PNG and a PNG whose header declares 50000 x 50000 pixels on the
 * image reference's drop zone, a truncated WAV and a float WAV holding NaN on the audio
 * reference's panel. Each gets an inline one-line message naming the file, and the page keeps
 * its state (the reference in use, the run status).
 */
import { describe, expect, inject, it } from 'vitest';
import { encode as encodePng } from 'fast-png';
import type { Page } from 'playwright-core';
import { waitForStatus } from './page-status.ts';
import { SCREENSHOTS, canvasPixels, dropFiles, openPage, textOf, useChromium } from './page-helpers.ts';
import { encodeWav } from '../../src/audio/wav.ts';

const browser = useChromium();
const baseUrl = inject('baseUrl');

/** Waits until the element `testid` shows text matching `pattern`; returns that text. */
async function waitForText(page: Page, testids: string[], pattern: RegExp): Promise<string> {
  const handle = await page.waitForFunction(({ ids, source }) => {
    const text = ids.map((id) => document.querySelector(`[data-testid="${id}"]`)?.textContent ?? '').join(' ');
    return new RegExp(source).test(text) ? text : null;
  }, { ids: testids, source: pattern.source }, { timeout: 30_000, polling: 100 });
  return ((await handle.jsonValue()) as string).trim();
}

describe('bad files dropped on the page', () => {
  it('image drop zone: a corrupt PNG and a 50000 x 50000 header are refused inline, the reference kept', async () => {
    const context = await browser().newContext();
    const { page } = await openPage(context, new URL('?model=fmnist-alexnet&backend=wasm&stage=relu0&steps=2&seed=5&measure=stage&autostart=1', baseUrl).toString());
    try {
      await waitForStatus(page, ['done'], 180_000);
      const before = await canvasPixels(page, 'reference-canvas');
      expect(await dropFiles(page, 'image-drop', [{ name: 'broken.png', bytes: Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...new TextEncoder().encode(' not really a png')]) }])).toBe(true);
      expect(await waitForText(page, ['error'], /broken\.png/)).toMatch(/"broken\.png" cannot be used: corrupt PNG: no IHDR header/);

      const huge = encodePng({ width: 2, height: 2, data: new Uint8Array(4), channels: 1, depth: 8 });
      new DataView(huge.buffer).setUint32(16, 50000);
      new DataView(huge.buffer).setUint32(20, 50000);
      await dropFiles(page, 'image-drop', [{ name: 'huge.png', bytes: huge }]);
      const message = await waitForText(page, ['error'], /huge\.png/);
      expect(message).toMatch(/"huge\.png" cannot be used: its header says it is 50000x50000 pixels \(2500 megapixels\); images up to 50 megapixels can be used/);
      expect(message.split('\n')).toHaveLength(1);
      await page.screenshot({ path: `${SCREENSHOTS}/bad-drop-image.png`, fullPage: true });
      expect(await canvasPixels(page, 'reference-canvas')).toEqual(before);
      expect(await page.locator('[data-testid="image-own"]').count()).toBe(0);
      expect(await textOf(page, 'status')).toBe('done');
    } finally {
      await context.close();
    }
  });

  it('audio panel: a truncated WAV and a NaN sample are refused inline, the bundled speech kept', async () => {
    const context = await browser().newContext();
    const { page } = await openPage(context, new URL('?model=spectemp&backend=wasm&stage=cochleagram&steps=1&seed=1&measure=stage', baseUrl).toString());
    try {
      await waitForStatus(page, ['ready'], 120_000);
      const heading = await page.locator('[data-testid="audio-view"] h2').first().textContent();
      const clip = Float32Array.from({ length: 4000 }, (_, i) => 0.1 * Math.sin(i / 5));
      const truncated = encodeWav(clip, 20000).slice(0, 2000);
      expect(await dropFiles(page, 'audio-drop', [{ name: 'cut.wav', bytes: truncated }])).toBe(true);
      expect(await waitForText(page, ['error', 'audio-input-error'], /cut\.wav/)).toMatch(/cut\.wav.*Truncated WAV file: the data chunk declares 8000 bytes but only 1956 are present/);

      const nan = encodeWav(clip, 20000, { format: 'float' });
      new DataView(nan.buffer).setFloat32(44 + 4 * 10, NaN, true);
      await dropFiles(page, 'audio-drop', [{ name: 'nan.wav', bytes: nan }]);
      expect(await waitForText(page, ['error', 'audio-input-error'], /nan\.wav/)).toMatch(/nan\.wav.*sample 10 of channel 0 is NaN/);
      await page.screenshot({ path: `${SCREENSHOTS}/bad-drop-audio.png`, fullPage: true });
      expect(await page.locator('[data-testid="audio-view"] h2').first().textContent()).toBe(heading);
      expect(await page.locator('[data-testid="use-bundled"]').count()).toBe(0);
      expect(await textOf(page, 'status')).toBe('ready');
    } finally {
      await context.close();
    }
  });
});
