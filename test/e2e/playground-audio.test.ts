/**
 * The playground end to end for an audio model (spectemp, cochleagram stage) against the
 * production build: pause, reload, resume from the saved checkpoint to the same end as an
 * uninterrupted run opened from the shared URL, and the WAV and JSON exports checked against
 * what the page shows. On wasm: on this GPU-less machine WebGPU is SwiftShader, where one
 * cochleagram gradient takes minutes (bench/results.md); the WebGPU playground flows are
 * covered with the image model (playground-image.test.ts). Corrupt audio uploads: audio-page.test.ts.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import type { Browser, BrowserContext } from 'playwright-core';
import { decodeWav } from '../../src/audio/wav.ts';
import { launchChromium } from './chromium.ts';
import { waitForStatus } from './page-status.ts';
import { SCREENSHOTS, download, openPage, textOf, waitForStep } from './page-helpers.ts';

const baseUrl = inject('baseUrl');
const STEPS = 4;
const SETTINGS = `model=spectemp&backend=wasm&stage=cochleagram&steps=${STEPS}&seed=2&measure=stage`;
const RUN_TIMEOUT = 300_000;

let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  browser = await launchChromium();
  context = await browser.newContext({ acceptDownloads: true });
});

afterAll(async () => {
  await browser?.close();
});

describe('playground, audio model', () => {
  it('pauses, reloads, resumes to the end of an uninterrupted run (shared URL); exports WAV and JSON', async () => {
    const { page, errors } = await openPage(context, new URL(`?${SETTINGS}`, baseUrl).toString());
    try {
      await waitForStatus(page, ['ready'], 120_000);
      expect(await page.locator('[data-testid="audio-view"]').count()).toBe(1);
      await page.click('[data-testid="run"]');
      await waitForStep(page, 1, RUN_TIMEOUT);
      await page.click('[data-testid="pause"]');
      await waitForStatus(page, ['paused'], RUN_TIMEOUT);
      const pausedAt = Number(await textOf(page, 'step'));
      expect(pausedAt).toBeGreaterThan(0);
      expect(pausedAt).toBeLessThan(STEPS);
      await page.waitForTimeout(1500); // the recorder's batched write
      const shared = page.url();

      await page.reload();
      await page.waitForSelector('[data-testid="resume-banner"]', { timeout: 120_000 });
      expect(await textOf(page, 'resume-banner')).toContain(`step ${pausedAt} of ${STEPS}`);
      await page.click('[data-testid="resume-saved"]');
      await waitForStatus(page, ['done'], RUN_TIMEOUT);
      await page.waitForSelector('[data-testid="grid-verdict"]', { timeout: 60_000 });
      const resumedLoss = await textOf(page, 'loss-last');
      await page.screenshot({ path: `${SCREENSHOTS}/playground-audio-resumed.png`, fullPage: true });

      // The WAV export holds the metamer: 2 s at 20 kHz, 16-bit, not silence.
      const wav = decodeWav((await download(page, 'export-metamer')).bytes);
      expect(wav.sampleRate).toBe(20000);
      expect(wav.channels[0].length).toBe(40000);
      expect(wav.channels[0].some((v) => v !== 0)).toBe(true);
      const run = JSON.parse((await download(page, 'export-json')).bytes.toString('utf8'));
      expect(run.model.id).toBe('spectemp');
      expect(run.stage).toBe('cochleagram');
      expect(run.seed).toBe(2);
      // The history is whole: the steps before the reload and after it.
      expect(run.lossHistory.map((r: { step: number }) => r.step)).toEqual([...Array(STEPS).keys()]);

      // The shared link (no autostart written) run to the end uninterrupted gives the same loss.
      const { page: fresh, errors: freshErrors } = await openPage(context, `${shared}&autostart=1`);
      await waitForStatus(fresh, ['done'], RUN_TIMEOUT);
      expect(await textOf(fresh, 'loss-last')).toBe(resumedLoss);
      await fresh.close();
      expect(freshErrors).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
