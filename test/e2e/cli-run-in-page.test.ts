/**
 * Issue 12 in real Chromium against the production build: a run made by the CLI opens in the
 * page (its run folder's files given to "Open runs"; it appears under Saved runs with its loss
 * plot, metrics and verdict, and its metamer), and one PNG gives the same reference pixels in the
 * page (browser decode + the shared fitImageToInput) as in the CLI (fast-png + the same code).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode } from 'fast-png';
import type { Browser, BrowserContext } from 'playwright-core';
import { launchChromium } from './chromium.ts';
import { waitForStatus } from './page-status.ts';
import { canvasPixels, openPage, textOf } from './page-helpers.ts';
import { cliInProcess } from '../cli/run-cli.ts';
import { parseNpy } from '../../src/io/npy.ts';
import { Rng } from '../../src/engine/random.ts';

const baseUrl = inject('baseUrl');
const TIMEOUT = 240_000;
let browser: Browser;
let context: BrowserContext;
const work = mkdtempSync(join(tmpdir(), 'cli-run-in-page-'));
const runDir = join(work, 'run');
const pngPath = join(work, 'odd-size.png');
let record: { lossHistory: { loss: number }[]; verdict: { pass: boolean } | null; run: { id: string } };

beforeAll(async () => {
  // A 113x90 RGB picture (not the model's 28x28 grey): crop, 3x3 box average, bilinear, luma.
  const rng = new Rng(11);
  const [w, h] = [113, 90];
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const o = (y * w + x) * 3;
    data[o] = (x * 2 + y) % 256;
    data[o + 1] = Math.round(128 + 100 * Math.sin(x / 7) * Math.cos(y / 5));
    data[o + 2] = rng.int(256);
  }
  writeFileSync(pngPath, encode({ width: w, height: h, data, channels: 3, depth: 8 }));
  const r = await cliInProcess(['generate', '--model', 'fmnist-alexnet', '--stage', 'relu0', '--input', pngPath,
    '--steps', '4', '--seed', '2', '--out', runDir, '--backend', 'cpu']);
  expect(r.code, r.err).toBe(0);
  record = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8'));
  browser = await launchChromium();
  context = await browser.newContext();
}, TIMEOUT);

afterAll(async () => {
  await browser?.close();
});

describe('a CLI run in the page', () => {
  it('opens from its folder\'s files under Saved runs, with its plots, verdict and metamer', async () => {
    const { page, errors } = await openPage(context, new URL('?model=fmnist-alexnet&backend=wasm', baseUrl).toString());
    try {
      await waitForStatus(page, ['ready'], TIMEOUT);
      const files = readdirSync(runDir).map((n) => join(runDir, n));
      await page.locator('[data-testid="open-runs-input"]').setInputFiles(files);
      await page.waitForSelector('[data-testid="open-runs-note"]', { timeout: 30_000 });
      expect(await textOf(page, 'open-runs-note')).toBe('Opened 1 run.');
      const row = page.locator(`[data-testid="run-list"] li[data-run-id="${record.run.id}"]`);
      expect(await row.count()).toBe(1);
      expect(await row.locator('[data-testid="run-verdict"]').textContent()).toBe(record.verdict!.pass ? 'pass' : 'fail');
      // Opened at once: the loss plot holds the CLI's history, the grid its verdict.
      expect(await textOf(page, 'loss-first')).toBe(record.lossHistory[0].loss.toPrecision(6));
      expect(await textOf(page, 'loss-last')).toBe(record.lossHistory.at(-1)!.loss.toPrecision(6));
      expect(await page.locator('[data-testid="grid-verdict"]').count()).toBe(1);
      // The model's stored null histograms come with it (the dashed null maximum in every cell of the row).
      const row0 = page.locator('[data-testid="stage-metrics-grid"] tr[data-stage="relu0"]');
      await row0.locator('[data-testid="null-max"]').first().waitFor({ state: 'attached', timeout: 30_000 });
      expect(await row0.locator('[data-testid="null-max"]').count()).toBe(3);
      // The metamer canvas shows the CLI's metamer.npy (8-bit canvas: within one grey level).
      const metamer = parseNpy(readFileSync(join(runDir, 'metamer.npy'))).data;
      const rgba = await canvasPixels(page, 'metamer-canvas');
      let worst = 0;
      for (let i = 0; i < metamer.length; i++) worst = Math.max(worst, Math.abs(rgba[i * 4] - metamer[i] * 255));
      expect(worst).toBeLessThanOrEqual(0.5 + 1e-3);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, TIMEOUT);

  it('one PNG gives the same reference pixels in the page and the CLI (within 1/255)', async () => {
    const { page, errors } = await openPage(context, new URL('?model=fmnist-alexnet&backend=wasm&stage=relu0&steps=1', baseUrl).toString());
    try {
      await waitForStatus(page, ['ready'], TIMEOUT);
      await page.locator('[data-testid="image-file"]').setInputFiles(pngPath);
      await page.waitForSelector('[data-testid="image-own"]', { timeout: 30_000 });
      await page.click('[data-testid="run"]');
      await waitForStatus(page, ['done'], TIMEOUT);
      const cli = parseNpy(readFileSync(join(runDir, 'reference.npy'))).data;
      const rgba = await canvasPixels(page, 'reference-canvas');
      expect(rgba.length).toBe(cli.length * 4);
      // The canvas holds round(255 v) of the page's values, so page == cli (to float rounding) shows
      // as at most half a level; the issue asks for 1/255 (1.5 levels here), this is stricter.
      let worst = 0;
      for (let i = 0; i < cli.length; i++) worst = Math.max(worst, Math.abs(rgba[i * 4] - cli[i] * 255));
      expect(worst).toBeLessThanOrEqual(0.5 + 1e-3);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, TIMEOUT);
});
