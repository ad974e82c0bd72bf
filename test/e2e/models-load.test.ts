/**
 * Every built-in model loads in the browser (the worker fetches, hash-checks and builds it) and
 * runs one step at its first stage to a final verdict, against the production build. On wasm, the
 * fastest backend on this GPU-less machine; WebGPU runs are in the playground and first-page tests.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { launchChromium } from './chromium.ts';
import { waitForStatus } from './page-status.ts';
import { openPage, textOf } from './page-helpers.ts';

const baseUrl = inject('baseUrl');
const MODELS = readdirSync('models').filter((d) => existsSync(join('models', d, 'manifest.json')));

let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  browser = await launchChromium();
  context = await browser.newContext();
});

afterAll(async () => {
  await browser?.close();
});

describe('built-in models in the browser', () => {
  it.each(MODELS)('%s loads and runs a step at its first stage', async (id) => {
    const manifest = JSON.parse(readFileSync(join('models', id, 'manifest.json'), 'utf8'));
    const first = manifest.stages[0].name;
    const { page, errors } = await openPage(context,
      new URL(`?model=${id}&backend=wasm&stage=${first}&steps=1&seed=1&measure=stage&autostart=1`, baseUrl).toString());
    try {
      await waitForStatus(page, ['done'], 300_000);
      await page.waitForSelector('[data-testid="grid-verdict"]', { timeout: 60_000 });
      expect(await textOf(page, 'step')).toBe('1');
      expect(await page.locator('[data-testid="stage-pipeline"] [data-stage]').count()).toBe(manifest.stages.length);
      expect(await page.locator(`[data-testid="stage-metrics-grid"] tr[data-stage="${first}"] td[data-metric="snrDb"]`).count()).toBe(1);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
