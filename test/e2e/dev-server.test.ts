/**
 * `npm start` serves the app through Vite's dev server, which loads modules unbundled (and
 * pre-bundles dependencies differently from `vite build`). This checks that the quick-start
 * path really gives a working page: the worker starts tfjs and lists the built-in models.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type ViteDevServer } from 'vite';
import type { Browser } from 'playwright-core';
import { launchChromium } from './chromium.ts';

describe('the dev server (npm start)', () => {
  let server: ViteDevServer;
  let browser: Browser;
  let url: string;

  beforeAll(async () => {
    server = await createServer({ server: { port: 5190, strictPort: false }, logLevel: 'error' });
    await server.listen();
    url = server.resolvedUrls!.local[0];
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('serves a page whose worker starts the wasm backend and offers the built-in models', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(new URL('?backend=wasm', url).toString());
    await page.waitForFunction(() => {
      const s = document.querySelector('[data-testid="status"]')?.textContent;
      return s === 'ready' || s === 'error';
    }, undefined, { timeout: 120_000 });
    expect(await page.textContent('[data-testid="status"]')).toBe('ready');
    expect(await page.textContent('[data-testid="backend"]')).toBe('wasm');
    const models = await page.locator('select').first().locator('option').allTextContents();
    expect(models).toEqual(expect.arrayContaining(['hmax', 'spectemp']));
    expect(errors).toEqual([]);
    await page.close();
  });
});
