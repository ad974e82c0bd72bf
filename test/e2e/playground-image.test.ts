/**
 * The playground end to end for an image model on WebGPU (SwiftShader here), against the
 * production build: run, pause, reload and resume from the saved checkpoint (IndexedDB),
 * a tab closed mid-run, the shared URL reproducing the run exactly, PNG and JSON exports
 * checked byte for byte against the page, a corrupt upload, and the all-stages grid exported
 * as a zip. The small Fashion-MNIST CNN keeps WebGPU-on-CPU fast enough for CI.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { decode } from 'fast-png';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './chromium.ts';
import { waitForStatus } from './page-status.ts';
import { SCREENSHOTS, canvasPixels, download, openPage, textOf, waitForStep } from './page-helpers.ts';

const baseUrl = inject('baseUrl');
const MODEL = 'fmnist-alexnet';
const STEPS = 12;
const SETTINGS = `model=${MODEL}&backend=webgpu&stage=relu0&steps=${STEPS}&seed=5&measure=stage`;
const RUN_TIMEOUT = 300_000;

let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  browser = await launchChromium();
  // One context: its pages share IndexedDB, as the tabs of one browser profile do.
  context = await browser.newContext({ acceptDownloads: true });
});

afterAll(async () => {
  await browser?.close();
});

async function lossTexts(page: Page): Promise<{ first: string; last: string }> {
  return { first: await textOf(page, 'loss-first'), last: await textOf(page, 'loss-last') };
}

describe('playground, image model on WebGPU', () => {
  let uninterrupted: { first: string; last: string };
  let sharedUrl = '';

  it('runs to done on WebGPU, with the class readout and the null test; the URL shares the run', async () => {
    const { page, errors } = await openPage(context, new URL(`?${SETTINGS}&autostart=1`, baseUrl).toString());
    try {
      await waitForStatus(page, ['done'], RUN_TIMEOUT);
      expect(await textOf(page, 'backend')).toBe('webgpu');
      expect(await textOf(page, 'step')).toBe(String(STEPS));
      // Model cards and the pipeline show the model; the readout lists five classes for both images.
      expect(await page.locator(`[data-testid="model-cards"] [data-model-id="${MODEL}"]`).count()).toBe(1);
      expect(await page.locator('[data-testid="stage-pipeline"] [data-stage]').count()).toBe(8);
      await page.waitForSelector('[data-testid="readout-metamer"]', { timeout: 30_000 });
      expect(await page.locator('[data-testid="readout-reference"] [data-index]').count()).toBe(5);
      // The generation stage's row carries the final verdict chips, over the stored null histograms.
      const row = page.locator('[data-testid="stage-metrics-grid"] tr[data-stage="relu0"]');
      expect(await row.locator('[data-testid="chip-snrDb"]').count()).toBe(1);
      expect(await row.locator('[data-testid="null-max"]').count()).toBe(3);
      uninterrupted = await lossTexts(page);
      expect(Number(uninterrupted.last)).toBeLessThan(Number(uninterrupted.first));
      await page.screenshot({ path: `${SCREENSHOTS}/playground-image-done.png`, fullPage: true });
      sharedUrl = page.url();
      expect(sharedUrl).toContain('seed=5');
      expect(sharedUrl).not.toContain('autostart');
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('exports the metamer as PNG (the canvas pixels) and the run as JSON (settings, hash, history, verdict)', async () => {
    const { page, errors } = await openPage(context, new URL(`?${SETTINGS}&autostart=1`, baseUrl).toString());
    try {
      await waitForStatus(page, ['done'], RUN_TIMEOUT);
      await page.waitForSelector('[data-testid="grid-verdict"]', { timeout: 30_000 });
      const png = await download(page, 'export-metamer');
      expect(png.name).toMatch(/\.png$/);
      const image = decode(png.bytes);
      expect([image.width, image.height, image.channels]).toEqual([28, 28, 1]);
      const canvas = await canvasPixels(page, 'metamer-canvas');
      let worst = 0;
      for (let p = 0; p < 28 * 28; p++) worst = Math.max(worst, Math.abs(canvas[p * 4] - Number(image.data[p])));
      expect(worst).toBeLessThanOrEqual(1); // same mapping, at most one rounding step apart

      const json = await download(page, 'export-json');
      const run = JSON.parse(json.bytes.toString('utf8'));
      expect(run.schema).toBe('metamer-run-export/1');
      expect(run.model.id).toBe(MODEL);
      expect(run.model.weightsHash).toMatch(/^[0-9a-f]{64}$/);
      expect(run.stage).toBe('relu0');
      expect(run.seed).toBe(5);
      expect(run.lossHistory).toHaveLength(STEPS);
      expect(run.verdict.stage).toBe('relu0');
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('pauses, survives a reload, resumes from the saved checkpoint and ends exactly where an uninterrupted run ends', async () => {
    const { page, errors } = await openPage(context, new URL(`?${SETTINGS}`, baseUrl).toString());
    try {
      await waitForStatus(page, ['ready'], 120_000);
      await page.click('[data-testid="run"]');
      await waitForStep(page, 3, RUN_TIMEOUT);
      await page.click('[data-testid="pause"]');
      await waitForStatus(page, ['paused'], RUN_TIMEOUT);
      const pausedAt = Number(await textOf(page, 'step'));
      expect(pausedAt).toBeLessThan(STEPS);
      await page.screenshot({ path: `${SCREENSHOTS}/playground-image-paused.png`, fullPage: true });
      // Let the recorder's batched write land, then reload.
      await page.waitForTimeout(1500);
      await page.reload();
      await page.waitForSelector('[data-testid="resume-banner"]', { timeout: 120_000 });
      expect(await textOf(page, 'resume-banner')).toContain(`step ${pausedAt} of ${STEPS}`);
      // The saved runs list has it, paused at that step.
      expect(await page.locator('[data-testid="run-list"] [data-run-id]').first().textContent()).toContain(`${pausedAt}/${STEPS}`);
      await page.screenshot({ path: `${SCREENSHOTS}/playground-image-restored.png`, fullPage: true });
      await page.click('[data-testid="resume-saved"]');
      await waitForStatus(page, ['done'], RUN_TIMEOUT);
      expect(await textOf(page, 'step')).toBe(String(STEPS));
      // Same seed, same settings: bit-identical to the uninterrupted run.
      expect(await lossTexts(page)).toEqual(uninterrupted);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('a tab closed mid-run leaves a run that a new tab offers to resume', async () => {
    const { page } = await openPage(context, new URL(`?${SETTINGS.replace(`steps=${STEPS}`, 'steps=400')}&autostart=1`, baseUrl).toString());
    await waitForStep(page, 4, RUN_TIMEOUT);
    await page.waitForTimeout(1500);
    await page.close();
    const { page: again, errors } = await openPage(context, new URL(`?model=${MODEL}&backend=webgpu`, baseUrl).toString());
    try {
      await again.waitForSelector('[data-testid="resume-banner"]', { timeout: 120_000 });
      expect(await textOf(again, 'resume-banner')).toMatch(/stopped when the page closed at step \d+ of 400/);
      await again.click('[data-testid="resume-saved"]');
      await waitForStatus(again, ['running'], RUN_TIMEOUT);
      await again.click('[data-testid="stop"]');
      await waitForStatus(again, ['stopped'], RUN_TIMEOUT);
      expect(errors).toEqual([]);
    } finally {
      await again.close();
    }
  });

  it('opening the shared URL reproduces the run', async () => {
    const { page, errors } = await openPage(context, `${sharedUrl}&autostart=1`);
    try {
      await waitForStatus(page, ['done'], RUN_TIMEOUT);
      expect(await lossTexts(page)).toEqual(uninterrupted);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('refuses a corrupt upload with a specific message and keeps the reference', async () => {
    const { page } = await openPage(context, new URL(`?${SETTINGS}&autostart=1`, baseUrl).toString());
    try {
      await waitForStatus(page, ['done'], RUN_TIMEOUT);
      const before = await canvasPixels(page, 'reference-canvas');
      await page.setInputFiles('[data-testid="image-file"]', {
        name: 'broken.png', mimeType: 'image/png', buffer: Buffer.from('\x89PNG\r\n\x1a\n this is not really a png'),
      });
      await page.waitForFunction(() => /broken\.png/.test(document.querySelector('[data-testid="error"]')?.textContent ?? ''),
        null, { timeout: 20_000 });
      await page.screenshot({ path: `${SCREENSHOTS}/playground-image-corrupt-upload.png`, fullPage: true });
      expect(await canvasPixels(page, 'reference-canvas')).toEqual(before);
      expect(await textOf(page, 'status')).toBe('done');
    } finally {
      await page.close();
    }
  });

  it('generates every stage from one seed, fills the grid and exports it as a zip', async () => {
    const { page, errors } = await openPage(context, new URL(`?${SETTINGS.replace(`steps=${STEPS}`, 'steps=3')}`, baseUrl).toString());
    try {
      await waitForStatus(page, ['ready'], 120_000);
      await page.click('[data-testid="generate-all"]');
      await page.waitForFunction(() => /^8 of 8 done/.test(document.querySelector('[data-testid="grid-summary"]')?.textContent ?? ''),
        null, { timeout: 600_000, polling: 500 });
      await page.screenshot({ path: `${SCREENSHOTS}/playground-image-all-stages.png`, fullPage: true });
      expect(await page.locator('[data-testid="all-stages-grid"] tr[data-state="done"]').count()).toBe(8);
      // fmnist-alexnet has a batched forward: the worker optimised all 8 stages in one pass.
      expect(await page.locator('[data-testid="grid-mode"]').getAttribute('data-mode')).toBe('batched');
      const zip = await download(page, 'grid-export');
      const listing = JSON.parse(execFileSync('python3', ['-c', [
        'import json, sys, zipfile',
        'z = zipfile.ZipFile(sys.argv[1])',
        'assert z.testzip() is None',
        'index = [n for n in z.namelist() if n.endswith("index.json")][0]',
        'print(json.dumps({"names": z.namelist(), "index": json.loads(z.read(index))}))',
      ].join('\n'), (await zipPath(zip.bytes))], { encoding: 'utf8' }));
      expect(listing.names.filter((n: string) => n.endsWith('.png'))).toHaveLength(8);
      expect(listing.names.filter((n: string) => n.endsWith('.json'))).toHaveLength(9);
      expect(JSON.stringify(listing.index)).toContain('fc1_relu');
      // Reopening a cell shows that stage's run.
      await page.locator('[data-testid="all-stages-grid"] tr[data-stage="relu2"] [data-testid="grid-open"]').click();
      await page.waitForFunction(() => document.querySelector('[data-testid="stage-metrics-grid"] tr[aria-current="true"]')
        ?.getAttribute('data-stage') === 'relu2', null, { timeout: 20_000 });
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

async function zipPath(bytes: Buffer): Promise<string> {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const path = join(mkdtempSync(join(tmpdir(), 'grid-')), 'grid.zip');
  writeFileSync(path, bytes);
  return path;
}
