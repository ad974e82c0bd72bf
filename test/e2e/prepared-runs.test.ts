/**
 * Lecture mode end to end, in headless Chromium against the production build: the shipped
 * prepared runs (every built-in model, listed at /prepared/index.json) open with ?replay=<id>
 * with their verdict drawn within 3 s (the acceptance; the measured time is printed),
 * the scrubber walks through the snapshots, audio sets play A/B, and a lecturer's own run
 * exported with "Export for lecture" opens again from the file, offline.
 */
import { mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { launchChromium } from './chromium.ts';
import { SCREENSHOTS, download, openPage, textOf } from './page-helpers.ts';
import { waitForStatus } from './page-status.ts';
import type { PreparedIndex } from '../../src/export/prepared-run.ts';
import { BUILTIN_MODEL_IDS } from '../../src/models/registry.ts';

const baseUrl = inject('baseUrl');
const PREPARED = join(import.meta.dirname, '../../public/prepared');
const index = JSON.parse(readFileSync(join(PREPARED, 'index.json'), 'utf8')) as PreparedIndex;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  browser = await launchChromium();
  context = await browser.newContext({ acceptDownloads: true });
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
});

describe('the shipped prepared runs', () => {
  it('cover every built-in model and all its stages, within 30 MB in all', () => {
    expect(new Set(index.entries.map((e) => e.model))).toEqual(new Set(BUILTIN_MODEL_IDS));
    for (const e of index.entries) {
      const manifest = JSON.parse(readFileSync(join(import.meta.dirname, `../../models/${e.model}/manifest.json`), 'utf8')) as { stages: { name: string }[] };
      expect(e.stages).toEqual(manifest.stages.map((s) => s.name));
      expect(Object.keys(e.verdicts)).toEqual(e.stages);
      expect(e.budget.steps).toBe(e.budget.passes * e.budget.itersPerPass);
      expect(e.budget.note.length).toBeGreaterThan(10);
    }
    const bytes = readdirSync(PREPARED).reduce((s, f) => s + statSync(join(PREPARED, f)).size, 0);
    console.log(`prepared runs: ${index.entries.length} sets, ${(bytes / 1024 / 1024).toFixed(2)} MiB`);
    expect(bytes).toBeLessThan(30 * 1024 * 1024);
  });

  it('opens ?replay=<id> with the verdict drawn within 3 s, and scrubs through the optimisation', async () => {
    const entry = index.entries.find((e) => e.model === 'fmnist-alexnet')!;
    const stage = entry.stages[2];
    const started = Date.now();
    const { page, errors } = await openPage(context, new URL(`?replay=${entry.id}&stage=${stage}`, baseUrl).toString(), { width: 1280, height: 720 });
    await page.locator('[data-testid="verdict-summary"]').waitFor({ timeout: 60_000 });
    const ms = Date.now() - started;
    console.log(`prepared run ${entry.id} ${stage}: verdict drawn ${ms} ms after navigation`);
    expect(ms).toBeLessThan(3000);
    expect(await textOf(page, 'verdict-word')).toBe(entry.verdicts[stage] ? 'Metamer passes' : 'Metamer fails');
    expect(await textOf(page, 'verdict-budget')).toBe(`after ${entry.budget.steps.toLocaleString('en-US')} of ${entry.budget.steps.toLocaleString('en-US')} steps (${entry.budget.passes} × ${entry.budget.itersPerPass.toLocaleString('en-US')})`);
    expect(await page.locator('[data-testid="verdict-criterion"]').count()).toBe(4); // three metrics and the class
    await page.waitForFunction(() => document.querySelector('[data-testid="metamer-canvas"]')?.getAttribute('data-step') === String(2000));
    const last = Number(await textOf(page, 'replay-step'));
    expect(last).toBe(entry.budget.steps);
    await page.screenshot({ path: `${SCREENSHOTS}/prepared-replay-1280x720.png` });

    // Scrub to the start: the noise, no verdict yet, no loss; then back to the end.
    await page.locator('[data-testid="replay-scrubber"]').fill('0');
    await page.waitForFunction(() => document.querySelector('[data-testid="replay-step"]')?.textContent === '0');
    expect(await page.locator('[data-testid="verdict-summary"]').count()).toBe(0);
    expect(await page.locator('[data-testid="replay-no-verdict"]').count()).toBe(1);
    await page.waitForFunction(() => document.querySelector('[data-testid="metamer-canvas"]')?.getAttribute('data-step') === '0');
    await page.locator('[data-testid="replay-scrubber"]').press('End');
    await page.locator('[data-testid="verdict-summary"]').waitFor();

    // Another stage of the set: its own verdict and metamer.
    await page.locator(`[data-testid="replay-stage"][data-stage="${entry.stages[0]}"]`).click();
    await page.waitForFunction((s) => document.querySelector('[data-testid="verdict-summary"]')?.textContent?.includes(`at ${s}`), entry.stages[0]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('replays an audio set with both cochleagrams and the A/B players', async () => {
    const entry = index.entries.find((e) => e.modality === 'audio')!;
    const { page, errors } = await openPage(context, new URL(`?replay=${entry.id}`, baseUrl).toString(), { width: 1280, height: 720 });
    await page.locator('[data-testid="verdict-summary"]').waitFor({ timeout: 60_000 });
    await page.locator('[data-testid="replay-metamer-cochleagram"]').waitFor();
    expect(await page.locator('button', { hasText: 'A/B' }).count()).toBeGreaterThan(0);
    expect(await textOf(page, 'replay-budget')).toContain('short budget');
    await page.screenshot({ path: `${SCREENSHOTS}/prepared-replay-audio.png` });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('says in one line which prepared run does not exist', async () => {
    const { page } = await openPage(context, new URL('?replay=no-such-run', baseUrl).toString());
    await page.locator('[data-testid="error"]').waitFor({ timeout: 30_000 });
    expect(await textOf(page, 'error')).toMatch(/^no prepared run "no-such-run" \(there are: /);
    await page.close();
  });
});

describe('a lecturer\'s own run as a prepared set', () => {
  it('exports a finished run for a lecture and opens it again from the file', async () => {
    const { page, errors } = await openPage(context, new URL('?model=fmnist-alexnet&backend=wasm&stage=relu1&steps=40&seed=3&autostart=1', baseUrl).toString());
    await waitForStatus(page, ['done'], 300_000);
    const file = await download(page, 'export-prepared');
    expect(file.name).toMatch(/^prepared-fmnist-alexnet-.+\.json$/);
    const set = JSON.parse(file.bytes.toString('utf8'));
    expect(set.schema).toBe('metamer-prepared-set/1');
    expect(set.runs[0].record.schema).toBe('metamer-run-export/1');
    expect(set.runs[0].frames.map((f: { step: number }) => f.step)).toEqual([0, 40]);

    const fresh = await openPage(context, new URL('?backend=wasm', baseUrl).toString());
    await fresh.page.locator('[data-testid="prepared-gallery"] summary').click();
    await fresh.page.locator('[data-testid="prepared-file"]').setInputFiles({ name: file.name, mimeType: 'application/json', buffer: file.bytes });
    await fresh.page.locator('[data-testid="verdict-summary"]').waitFor({ timeout: 30_000 });
    expect(await textOf(fresh.page, 'replay-title')).toContain('stage relu1');
    expect(await textOf(fresh.page, 'verdict-budget')).toBe('after 40 of 40 steps');
    expect([...errors, ...fresh.errors]).toEqual([]);
    await page.close();
    await fresh.page.close();
  });
});
