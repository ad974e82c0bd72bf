/**
 * "Type a word": eSpeak NG in headless Chromium against the production build speaks the typed
 * word, which becomes the reference and is run (spectemp on wasm, 1 step at the cochleagram
 * stage). The 18 MB synthesiser must load lazily: not before the first press.
 */
import { describe, expect, inject, it } from 'vitest';
import type { Page } from 'playwright-core';
import { SCREENSHOTS, useChromium } from './page-helpers.ts';
import { waitForStatus as waitForStatusEvery } from './page-status.ts';

/** These tests poll the status faster (short, quick transitions). */
const waitForStatus = (page: Page, wanted: string[], timeoutMs: number) => waitForStatusEvery(page, wanted, timeoutMs, 100);

const PAGE = '?model=spectemp&backend=wasm&stage=cochleagram&steps=1&seed=1&measure=stage';

const browser = useChromium();
const baseUrl = inject('baseUrl');

/** Number of distinct colours on a canvas (a blank one has at most 1). */
function canvasColours(page: Page, testid: string): Promise<number> {
  return page.evaluate((id) => {
    const canvas = document.querySelector(`[data-testid="${id}"]`) as HTMLCanvasElement;
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    const colours = new Set<number>();
    for (let i = 0; i < data.length; i += 4) colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
    return colours.size;
  }, testid);
}

describe('speak a typed word', () => {
  it('speaks "metamer" offline, uses it as the reference and runs', async () => {
    const page = await browser().newPage({ viewport: { width: 1200, height: 1100 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    const espeakRequests: string[] = [];
    page.on('request', (r) => {
      if (/espeak-ng/.test(r.url())) espeakRequests.push(r.url());
    });
    // Hold the wasm back a little so that the loading message is reliably visible.
    await page.route(/espeak-ng[^/]*\.wasm$/, async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 800));
      await route.continue();
    });
    try {
      await page.goto(new URL(PAGE, baseUrl).toString());
      await waitForStatus(page, ['ready'], 60_000);
      await page.waitForSelector('[data-testid="reference-cochleagram"]', { timeout: 30_000 });
      expect(await canvasColours(page, 'reference-cochleagram')).toBeLessThanOrEqual(1);

      const speak = page.getByRole('button', { name: 'Speak' });
      const text = page.getByRole('textbox', { name: 'Type a word' });
      // Nothing (or only spaces) typed: Speak is disabled and says why.
      expect(await speak.isDisabled()).toBe(true);
      await text.fill('   ');
      expect(await speak.isDisabled()).toBe(true);
      expect(await speak.getAttribute('title')).toBe('Type a word to speak.');
      // The synthesiser has not been fetched yet.
      expect(espeakRequests).toEqual([]);

      await text.fill('metamer');
      await page.getByRole('combobox', { name: 'Voice' }).selectOption('en-gb');
      expect(await speak.isEnabled()).toBe(true);
      await speak.click();
      await page.waitForFunction(() => document.querySelector('[data-testid="speak-state"]')?.textContent?.includes(
        'loading the speech synthesiser (18 MB, first time only)'), null, { timeout: 10_000, polling: 50 });
      await page.screenshot({ path: `${SCREENSHOTS}/speak-loading.png`, fullPage: true });

      await waitForStatus(page, ['loading', 'running'], 60_000);
      await waitForStatus(page, ['done'], 90_000);
      await page.waitForFunction(() => document.querySelector('[data-testid="metamer-cochleagram"]')?.getAttribute('data-step') === '1', null,
        { timeout: 10_000 });
      expect(await page.locator('[data-testid="audio-view"] h2').first().textContent()).toContain('spoken "metamer" (en-gb)');
      expect(await page.locator('[data-testid="reference-waveform"]').getAttribute('data-samples')).toBe('40000');
      expect(await canvasColours(page, 'reference-cochleagram')).toBeGreaterThan(20);
      expect(await page.locator('[data-testid="speak-state"]').getAttribute('data-phase')).toBe('idle');
      expect(espeakRequests.some((u) => u.endsWith('.wasm'))).toBe(true);
      await page.screenshot({ path: `${SCREENSHOTS}/speak-done.png`, fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 120_000);
});
