/**
 * The audio reference from the microphone and from a chosen window of a long file, in headless
 * Chromium against the production build (spectemp on wasm, 1 step at the cochleagram stage).
 * Chromium's fake capture device (--use-fake-device-for-media-stream, a periodic beep) stands in
 * for the microphone, and --use-fake-ui-for-media-stream grants the permission.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { waitForStatus as waitForStatusEvery } from './page-status.ts';
import { launchChromium } from './chromium.ts';
import { encodeWav } from '../../src/audio/wav.ts';

/** These tests poll the status faster (short, quick transitions). */
const waitForStatus = (page: Page, wanted: string[], timeoutMs: number) => waitForStatusEvery(page, wanted, timeoutMs, 100);

const SCREENSHOTS = 'test-results/screenshots';
const PAGE = '?model=spectemp&backend=wasm&stage=cochleagram&steps=1&seed=1&measure=stage';
const PERMISSION_MESSAGE = "Microphone permission was denied: allow it in the browser's site settings, or open a file instead";

let browser: Browser;
const baseUrl = inject('baseUrl');

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  browser = await launchChromium(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream']);
});

afterAll(async () => {
  await browser?.close();
});

/** Waits for a run to start and finish, with the final metamer's cochleagram drawn. */
async function waitForRun(page: Page, timeoutMs: number): Promise<void> {
  await waitForStatus(page, ['loading', 'running'], 20_000);
  await waitForStatus(page, ['done'], timeoutMs);
  await page.waitForFunction(() => document.querySelector('[data-testid="metamer-cochleagram"]')?.getAttribute('data-step') === '1', null,
    { timeout: 10_000 });
}

/** A hash of a canvas's pixels and its number of distinct colours. */
function canvasHash(page: Page, testid: string): Promise<{ hash: number; colours: number }> {
  return page.evaluate((id) => {
    const canvas = document.querySelector(`[data-testid="${id}"]`) as HTMLCanvasElement;
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let hash = 0;
    const colours = new Set<number>();
    for (let i = 0; i < data.length; i += 4) {
      colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
      for (let k = 0; k < 4; k++) hash = (Math.imul(hash, 31) + data[i + k]) | 0;
    }
    return { hash, colours: colours.size };
  }, testid);
}

/** Brightness (R+G+B summed over the row) of the rows of the canvas's top and bottom halves, and the brightest row (0 = top). */
function rowBrightness(page: Page, testid: string): Promise<{ top: number; bottom: number; brightestRow: number; height: number }> {
  return page.evaluate((id) => {
    const canvas = document.querySelector(`[data-testid="${id}"]`) as HTMLCanvasElement;
    const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    const rows = Array.from({ length: canvas.height }, (_, y) => {
      let sum = 0;
      for (let x = 0; x < canvas.width; x++) {
        const i = (y * canvas.width + x) * 4;
        sum += d[i] + d[i + 1] + d[i + 2];
      }
      return sum;
    });
    const half = Math.floor(canvas.height / 2);
    const add = (a: number, b: number) => a + b;
    return {
      top: rows.slice(0, half).reduce(add, 0), bottom: rows.slice(half).reduce(add, 0),
      brightestRow: rows.indexOf(Math.max(...rows)), height: canvas.height,
    };
  }, testid);
}

function referenceHeading(page: Page): Promise<string | null> {
  return page.locator('[data-testid="audio-view"] h2').first().textContent();
}

/** The error text wherever the page shows it (the page's error area, or the audio panel's own). */
function inputErrorText(page: Page): Promise<string> {
  return page.evaluate(() =>
    ['error', 'audio-input-error'].map((id) => document.querySelector(`[data-testid="${id}"]`)?.textContent ?? '').join(' '));
}

describe('audio input', () => {
  it('a denied microphone permission is reported and the page stays usable', async () => {
    const page = await browser.newPage();
    await page.addInitScript(() => {
      navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
    });
    try {
      await page.goto(new URL(PAGE, baseUrl).toString());
      await waitForStatus(page, ['ready'], 60_000);
      const record = page.getByRole('button', { name: 'Record 2 s' });
      await record.click();
      await page.waitForFunction((m) => ['error', 'audio-input-error'].some((id) =>
        (document.querySelector(`[data-testid="${id}"]`)?.textContent ?? '').includes(m)), PERMISSION_MESSAGE, { timeout: 10_000 });
      expect(await page.locator('[role="alert"]').first().textContent()).toContain(PERMISSION_MESSAGE);
      expect(await record.isEnabled()).toBe(true);
      expect(await page.locator('[data-testid="record-state"]').getAttribute('data-phase')).toBe('idle');
      expect(await page.locator('[data-testid="status"]').textContent()).toBe('ready');
      expect(await page.locator('[data-testid="run"]').isEnabled()).toBe(true);
    } finally {
      await page.close();
    }
  });

  it('records 2 s from the (fake) microphone with a countdown and runs with it; then a chosen window of a 4-s file', async () => {
    const started = Date.now();
    const page = await browser.newPage({ viewport: { width: 1200, height: 1100 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    try {
      await page.goto(new URL(PAGE, baseUrl).toString());
      await waitForStatus(page, ['ready'], 60_000);
      // No run yet: the reference cochleagram's canvas is blank.
      const before = await canvasHash(page, 'reference-cochleagram');
      expect(before.colours).toBeLessThanOrEqual(1);

      // From the keyboard: focus the button and press Enter.
      await page.getByRole('button', { name: 'Record 2 s' }).focus();
      await page.keyboard.press('Enter');
      const state = page.locator('[data-testid="record-state"]');
      await page.waitForFunction(() => document.querySelector('[data-testid="record-state"]')?.textContent?.trim() === '3', null, { timeout: 10_000, polling: 50 });
      expect(await page.getByRole('button', { name: 'Record 2 s' }).isDisabled()).toBe(true);
      await page.waitForFunction(() => document.querySelector('[data-testid="record-state"]')?.textContent?.trim() === '1', null, { timeout: 5_000, polling: 50 });
      await page.waitForFunction(() => {
        const p = document.querySelector('[data-testid="record-progress"]') as HTMLProgressElement | null;
        return p !== null && p.value > 0 && p.value < 1;
      }, null, { timeout: 5_000, polling: 50 });
      await page.screenshot({ path: `${SCREENSHOTS}/audio-recording.png`, fullPage: true });
      await waitForRun(page, 150_000);
      expect(await state.getAttribute('data-phase')).toBe('idle');
      expect(await inputErrorText(page)).toBe(' ');
      expect(await referenceHeading(page)).toContain('microphone recording');
      expect(await page.locator('[data-testid="reference-waveform"]').getAttribute('data-samples')).toBe('40000');
      const recorded = await canvasHash(page, 'reference-cochleagram');
      expect(recorded.hash).not.toBe(before.hash);
      expect(recorded.colours).toBeGreaterThan(20);
      // A recording is exactly 2 s: no window to choose.
      expect(await page.locator('[data-testid="clip-window"]').count()).toBe(0);
      await page.screenshot({ path: `${SCREENSHOTS}/audio-recorded.png`, fullPage: true });

      // A 4-s file at 44.1 kHz: a low tone for 2 s, then a high one. The centred window is used first.
      const rate = 44100;
      const twoTones = Float32Array.from({ length: 4 * rate }, (_, i) =>
        0.3 * Math.sin((2 * Math.PI * (i < 2 * rate ? 300 : 4000) * i) / rate));
      await page.locator('[data-testid="reference-file"]').setInputFiles({
        name: 'two-tones.wav', mimeType: 'audio/wav', buffer: Buffer.from(encodeWav(twoTones, rate)),
      });
      await waitForRun(page, 120_000);
      expect(await referenceHeading(page)).toContain('two-tones.wav');
      const centred = await canvasHash(page, 'reference-cochleagram');
      const centredRows = await rowBrightness(page, 'reference-cochleagram');
      expect(centred.hash).not.toBe(recorded.hash);

      const slider = page.getByLabel('window start (s)');
      expect(await slider.getAttribute('min')).toBe('0');
      expect(await slider.getAttribute('max')).toBe('2');
      expect(await slider.getAttribute('step')).toBe('0.01');
      expect(await slider.inputValue()).toBe('1');
      await slider.focus();
      await page.keyboard.press('End');
      expect(await page.locator('[data-testid="window-start-value"]').textContent()).toBe('2.00');
      // The shaded window now covers the second half of the overview.
      const rect = page.locator('[data-testid="clip-window-rect"]');
      expect(Number(await rect.getAttribute('x'))).toBeCloseTo(160, 3);
      await page.getByRole('button', { name: 'Use this window' }).click();
      await waitForRun(page, 120_000);
      expect(await referenceHeading(page)).toContain('two-tones.wav @ 2.00 s');
      const late = await canvasHash(page, 'reference-cochleagram');
      expect(late.hash).not.toBe(centred.hash);
      expect(late.colours).toBeGreaterThan(20);
      // Only the 4-kHz tone is left in the window: the 300-Hz row (bottom half, low channels) went dark,
      // and the brightest row is in the top half (high frequencies are drawn at the top).
      const lateRows = await rowBrightness(page, 'reference-cochleagram');
      expect(lateRows.brightestRow).toBeLessThan(lateRows.height / 2);
      expect(lateRows.bottom).toBeLessThan(0.5 * centredRows.bottom);
      expect(await page.locator('[data-testid="clip-window"]').count()).toBe(1);
      await page.screenshot({ path: `${SCREENSHOTS}/audio-window.png`, fullPage: true });
      expect(errors).toEqual([]);
      console.log(`audio input: record + 3 runs in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    } catch (err) {
      await page.screenshot({ path: `${SCREENSHOTS}/audio-input-failed.png`, fullPage: true }).catch(() => {});
      throw err;
    } finally {
      await page.close();
    }
  });
});
