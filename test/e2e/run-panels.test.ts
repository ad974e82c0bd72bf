/**
 * Issue 12, part 4 in real Chromium: a stopped, a reopened and a resumed run show the same panels
 * as the live run (one run session): after Stop the status reads "stopped" and the metrics are
 * measured where it stopped; reopening it after another run shows its own reference, start noise,
 * metamer and difference (not the other run's); resuming it keeps its start noise in the
 * "Start (noise)" slot.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './chromium.ts';
import { waitForStatus } from './page-status.ts';
import { canvasPixels, openPage, textOf, waitForStep } from './page-helpers.ts';

const baseUrl = inject('baseUrl');
const TIMEOUT = 240_000;
const CANVASES = ['start-canvas', 'reference-canvas', 'metamer-canvas', 'difference-canvas'];
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  browser = await launchChromium();
  context = await browser.newContext();
});

afterAll(async () => {
  await browser?.close();
});

async function panels(page: Page): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const id of CANVASES) out[id] = await canvasPixels(page, id);
  return out;
}

describe('stopped, reopened and resumed runs show the live run\'s panels', () => {
  it('stop, another run, reopen, resume', async () => {
    const { page, errors } = await openPage(context, new URL('?model=fmnist-alexnet&backend=wasm&stage=relu1&steps=100000&seed=3&ref=1', baseUrl).toString());
    try {
      await waitForStatus(page, ['ready'], TIMEOUT);
      await page.click('[data-testid="run"]');
      await waitForStep(page, 30, TIMEOUT);
      // Pause (a checkpoint is saved), then Stop: measured only at step 0 so far (every 5000 steps here).
      await page.click('[data-testid="pause"]');
      await waitForStatus(page, ['paused'], TIMEOUT);
      const stoppedAt = await textOf(page, 'step');
      expect(await page.locator('[data-testid="stage-metrics-grid"]').getAttribute('data-step')).toBe('0');
      await page.click('[data-testid="stop"]');
      await waitForStatus(page, ['stopped'], TIMEOUT);
      // Measured where it stopped: the grid shows the numbers of the stopped step.
      await page.waitForFunction((s) => document.querySelector('[data-testid="stage-metrics-grid"]')?.getAttribute('data-step') === s,
        stoppedAt, { timeout: 30_000 });
      expect(await textOf(page, 'step')).toBe(stoppedAt);
      const live = await panels(page);
      for (const id of CANVASES) expect(live[id].some((v, i) => i % 4 !== 3 && v !== 0), id).toBe(true);
      const runId = await page.locator('[data-testid="run-list"] li.current').getAttribute('data-run-id');

      // Another run, with another reference: every panel changes.
      await page.goto(new URL('?model=fmnist-alexnet&backend=wasm&stage=relu0&steps=3&seed=9&ref=0', baseUrl).toString());
      await waitForStatus(page, ['ready'], TIMEOUT);
      await page.click('[data-testid="run"]');
      await waitForStatus(page, ['done'], TIMEOUT);
      const other = await panels(page);
      expect(other['reference-canvas']).not.toEqual(live['reference-canvas']);

      // Reopened: exactly the stopped run's panels (its own reference and difference, its x_0).
      await page.click(`[data-testid="run-list"] li[data-run-id="${runId}"] [data-testid="open-run"]`);
      await page.waitForFunction((id) => document.querySelector('[data-testid="run-list"] li.current')?.getAttribute('data-run-id') === id, runId);
      expect(await textOf(page, 'status')).toBe('paused');
      const reopened = await panels(page);
      for (const id of CANVASES) expect(reopened[id], id).toEqual(live[id]);

      // Resumed: it goes on from its checkpoint, and the start slot keeps its x_0.
      await page.click('[data-testid="resume"]');
      await waitForStatus(page, ['running'], TIMEOUT);
      await waitForStep(page, Number(stoppedAt) + 5, TIMEOUT);
      expect(await canvasPixels(page, 'start-canvas')).toEqual(live['start-canvas']);
      await page.click('[data-testid="stop"]');
      await waitForStatus(page, ['stopped'], TIMEOUT);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, TIMEOUT * 2);
});
