/**
 * The run on one screen (issue 14 part 1), in headless Chromium at 1280x720 against the
 * production build: once a run starts (autostart), the page itself brings the run view into
 * sight, and the reference, the metamer and the stage-match grid lie inside the viewport while
 * the run goes and when it ends, in normal and in projector mode, without the test scrolling.
 */
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './chromium.ts';
import { SCREENSHOTS, openPage, waitForStep } from './page-helpers.ts';
import { waitForStatus } from './page-status.ts';

const baseUrl = inject('baseUrl');
const VIEWPORT = { width: 1280, height: 720 };
let browser: Browser;

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

/** The element's box, which must lie wholly inside the viewport (as the page scrolled it). */
async function expectInView(page: Page, selector: string): Promise<void> {
  const box = await page.locator(selector).first().boundingBox();
  expect(box, selector).not.toBeNull();
  const { x, y, width, height } = box!;
  expect({ selector, x, y, right: x + width, bottom: y + height }).toEqual({
    selector,
    x: expect.toSatisfy((v: number) => v >= 0),
    y: expect.toSatisfy((v: number) => v >= 0),
    right: expect.toSatisfy((v: number) => v <= VIEWPORT.width),
    bottom: expect.toSatisfy((v: number) => v <= VIEWPORT.height),
  });
}

const PANELS = ['[data-testid="reference-canvas"]', '[data-testid="metamer-canvas"]', '[data-testid="stage-metrics-grid"]'];

describe.each([['normal', '0'], ['projector', '1']])('the run view at 1280x720 (%s mode)', (mode, projector) => {
  it('keeps reference, metamer and stage-match grid on screen during the run and at its end', async () => {
    const context = await browser.newContext();
    const { page, errors } = await openPage(context,
      new URL(`?model=fmnist-alexnet&backend=wasm&stage=relu1&steps=600&seed=2&autostart=1&projector=${projector}`, baseUrl).toString(), VIEWPORT);
    await waitForStep(page, 1, 120_000);
    await page.waitForTimeout(300); // let the scroll into view settle
    for (const selector of PANELS) await expectInView(page, selector);
    await page.screenshot({ path: `${SCREENSHOTS}/run-view-${mode}-running.png` });
    await waitForStatus(page, ['done'], 300_000);
    await page.locator('[data-testid="verdict-summary"]').waitFor();
    for (const selector of [...PANELS, '[data-testid="verdict-summary"]', '[data-testid="run"]']) await expectInView(page, selector);
    await page.screenshot({ path: `${SCREENSHOTS}/run-view-${mode}-done.png` });
    expect(errors).toEqual([]);
    await context.close();
  });
});
