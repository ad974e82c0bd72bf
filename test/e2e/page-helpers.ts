/** Shared e2e helpers: opening a page that records its errors, reading text and canvases. */
import { mkdirSync, readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { launchChromium } from './chromium.ts';

export const SCREENSHOTS = 'test-results/screenshots';

/**
 * One headless Chromium for a test file: launched (and the screenshot folder made) before its
 * tests, closed after them. Call at the file's top level; the getter gives the browser in tests.
 */
export function useChromium(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });
  return () => browser!;
}

/** A new page whose uncaught errors and console errors are collected in `errors`. */
export async function openPage(context: BrowserContext, url: string, viewport = { width: 1280, height: 900 }):
  Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  await page.setViewportSize(viewport);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(url);
  return { page, errors };
}

export async function textOf(page: Page, testid: string): Promise<string> {
  return ((await page.locator(`[data-testid="${testid}"]`).first().textContent()) ?? '').trim();
}

/** RGBA bytes of a canvas, read inside the page. */
export function canvasPixels(page: Page, testid: string): Promise<number[]> {
  return page.evaluate((id) => {
    const canvas = document.querySelector(`[data-testid="${id}"]`) as HTMLCanvasElement;
    const ctx = canvas.getContext('2d')!;
    return Array.from(ctx.getImageData(0, 0, canvas.width, canvas.height).data);
  }, testid);
}

/** Resolves once the progress bar shows at least `step` steps done; throws with the page's error if it fails first. */
export async function waitForStep(page: Page, step: number, timeoutMs: number): Promise<void> {
  const handle = await page.waitForFunction(
    (n) => {
      if (document.querySelector('[data-testid="status"]')?.textContent === 'error') return 'error';
      return Number(document.querySelector('[data-testid="step"]')?.textContent ?? '0') >= n ? 'ok' : null;
    },
    step,
    { timeout: timeoutMs, polling: 100 },
  );
  if ((await handle.jsonValue()) === 'error') {
    throw new Error(`page reported an error: ${await page.locator('[data-testid="error"]').textContent().catch(() => null)}`);
  }
}

/** Clicks the control `testid` and returns the file it downloads (name and bytes). */
export async function download(page: Page, testid: string): Promise<{ name: string; bytes: Buffer }> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.click(`[data-testid="${testid}"]`)]);
  return { name: file.suggestedFilename(), bytes: readFileSync(await file.path()) };
}

/**
 * Drags files onto the element `testid` and drops them, as a user's drag and drop does: a real
 * DataTransfer holding Files built in the page from the given bytes (sent as base64, which
 * crosses into the page far faster than a list of numbers for megabyte models), dispatched as
 * dragenter, dragover and drop. Returns whether the zone accepted the drag (cancelled dragover;
 * without that the browser would open the file instead of dropping it on the page).
 */
export function dropFiles(page: Page, testid: string, files: { name: string; bytes: Uint8Array }[]): Promise<boolean> {
  const encoded = files.map((f) => ({ name: f.name, base64: Buffer.from(f.bytes).toString('base64') }));
  return page.evaluate(({ testid, encoded }) => {
    const data = new DataTransfer();
    for (const f of encoded) data.items.add(new File([Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0))], f.name));
    const zone = document.querySelector(`[data-testid="${testid}"]`);
    if (!zone) throw new Error(`no drop zone [data-testid="${testid}"] on the page`);
    const fire = (type: string) => {
      const event = new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true });
      zone.dispatchEvent(event);
      return event.defaultPrevented;
    };
    fire('dragenter');
    const accepted = fire('dragover');
    fire('drop');
    return accepted;
  }, { testid, encoded });
}
