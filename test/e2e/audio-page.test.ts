/**
 * The audio view end to end, in headless Chromium against the production build: a 2-step
 * spectemp run on wasm at the cochleagram stage; the waveforms and the worker-computed
 * cochleagrams are drawn; Export WAV downloads the metamer as a 40000-sample 16-bit WAV; a corrupt upload
 * is reported in the error area and the page keeps working.
 */
import { describe, expect, inject, it } from 'vitest';
import type { Page } from 'playwright-core';
import { waitForStatus } from './page-status.ts';
import { SCREENSHOTS, download, useChromium } from './page-helpers.ts';
import { encodeWav } from '../../src/audio/wav.ts';

const STEPS = 2;

const browser = useChromium();
const baseUrl = inject('baseUrl');

/** A hash of a canvas's pixels, to tell two drawings apart. */
function canvasHash(page: Page, testid: string): Promise<number> {
  return page.evaluate((id) => {
    const canvas = document.querySelector(`[data-testid="${id}"]`) as HTMLCanvasElement;
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let h = 0;
    for (let i = 0; i < data.length; i++) h = (Math.imul(h, 31) + data[i]) | 0;
    return h;
  }, testid);
}

/** Width, height and the number of distinct RGB colours of a canvas, read inside the page. */
function canvasSummary(page: Page, testid: string): Promise<{ width: number; height: number; colours: number }> {
  return page.evaluate((id) => {
    const canvas = document.querySelector(`[data-testid="${id}"]`) as HTMLCanvasElement;
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    const colours = new Set<number>();
    for (let i = 0; i < data.length; i += 4) colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
    return { width: canvas.width, height: canvas.height, colours: colours.size };
  }, testid);
}

describe('audio page', () => {
  it('runs spectemp on wasm: waveforms, cochleagrams, players, WAV download, own reference (picker, drop), bad files', async () => {
    const started = Date.now();
    const page = await browser().newPage({ viewport: { width: 1200, height: 1100 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    try {
      await page.goto(new URL('?model=spectemp&backend=wasm&stage=cochleagram&steps=2&seed=1&autostart=1&measure=stage', baseUrl).toString());
      await waitForStatus(page, ['done'], 170_000);
      // The final metamer's cochleagram is computed before 'done' is posted.
      await page.waitForFunction((n) => document.querySelector('[data-testid="metamer-cochleagram"]')?.getAttribute('data-step') === String(n),
        STEPS, { timeout: 10_000 });
      await page.screenshot({ path: `${SCREENSHOTS}/audio-done.png`, fullPage: true });

      // No image canvases for an audio model.
      expect(await page.locator('[data-testid="reference-canvas"]').count()).toBe(0);
      for (const id of ['reference-cochleagram', 'metamer-cochleagram']) {
        const c = await canvasSummary(page, id);
        expect([c.width, c.height]).toEqual([390, 211]); // frames x channels
        expect(c.colours).toBeGreaterThan(20);
      }
      expect(await page.locator('[data-testid="start-cochleagram"]').getAttribute('data-step')).toBe('0');
      const waveform = page.locator('[data-testid="metamer-waveform"]');
      expect(await waveform.getAttribute('data-step')).toBe(String(STEPS));
      expect(await waveform.getAttribute('data-samples')).toBe('40000');
      expect(((await waveform.locator('path').last().getAttribute('d')) ?? '').length).toBeGreaterThan(100);
      expect(await page.locator('[data-testid="reference-waveform"]').getAttribute('data-samples')).toBe('40000');
      // Frequency axis labelled in Hz.
      expect(await page.locator('[data-testid="reference-cochleagram"] ~ svg').textContent()).toContain('1 k');

      // The Export WAV button: a 16-bit mono 20 kHz WAV of 40000 samples, named after model and stage.
      const file = await download(page, 'export-metamer');
      expect(file.name).toMatch(/spectemp.*cochleagram.*\.wav$/);
      const bytes = new Uint8Array(file.bytes);
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const tag = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
      expect({
        size: bytes.length, riff: tag(0), riffSize: view.getUint32(4, true), wave: tag(8), fmt: tag(12),
        format: view.getUint16(20, true), channels: view.getUint16(22, true), rate: view.getUint32(24, true),
        bits: view.getUint16(34, true), data: tag(36), dataBytes: view.getUint32(40, true),
      }).toEqual({
        size: 44 + 80000, riff: 'RIFF', riffSize: 36 + 80000, wave: 'WAVE', fmt: 'fmt ',
        format: 1, channels: 1, rate: 20000, bits: 16, data: 'data', dataBytes: 80000,
      });

      // Players are plain, enabled buttons (keyboard reachable).
      for (const id of ['play-reference', 'play-metamer', 'ab-toggle']) {
        expect(await page.locator(`[data-testid="${id}"]`).isEnabled()).toBe(true);
      }

      // A/B from the keyboard: the reference first, then the metamer (both at RMS 0.1).
      await page.locator('[data-testid="ab-toggle"]').focus();
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.querySelector('[data-testid="playing"]')?.textContent === 'playing reference', null, { timeout: 10_000 });
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.querySelector('[data-testid="playing"]')?.textContent === 'playing metamer', null, { timeout: 10_000 });
      await page.locator('[data-testid="stop-audio"]').click();
      expect(await page.locator('[data-testid="playing"]').textContent()).toBe('');

      // A corrupt upload: the decoder's message in the alert area; nothing else changes.
      await page.locator('[data-testid="reference-file"]').setInputFiles({
        name: 'x.wav', mimeType: 'audio/wav', buffer: Buffer.from('this is not audio at all, just some garbage bytes'),
      });
      const alert = page.locator('[role="alert"][data-testid="error"]');
      await alert.waitFor({ timeout: 20_000 });
      expect(await alert.textContent()).toContain('"x.wav"');
      await page.screenshot({ path: `${SCREENSHOTS}/audio-corrupt-upload.png`, fullPage: true });
      expect(await page.locator('[data-testid="status"]').textContent()).toBe('done');
      expect(await page.locator('[data-testid="run"]').isEnabled()).toBe(true);
      expect(await page.locator('[data-testid="metamer-cochleagram"]').getAttribute('data-step')).toBe(String(STEPS));

      // A valid 1-s WAV at 44.1 kHz (a two-tone chord): refused as too short, then padded and used.
      const rate = 44100;
      const tone = Float32Array.from({ length: rate }, (_, i) => 0.3 * Math.sin((2 * Math.PI * 440 * i) / rate) + 0.2 * Math.sin((2 * Math.PI * 2500 * i) / rate));
      const toneFile = { name: 'tone.wav', mimeType: 'audio/wav', buffer: Buffer.from(encodeWav(tone, rate)) };
      await page.locator('[data-testid="reference-file"]').setInputFiles(toneFile);
      await page.waitForFunction(() => /shorter/.test(document.querySelector('[data-testid="error"]')?.textContent ?? ''), null, { timeout: 20_000 });
      expect(await alert.textContent()).toContain('"tone.wav"');
      const bundledHash = await canvasHash(page, 'reference-cochleagram');
      await page.locator('[data-testid="pad-zeros"]').check();
      await page.locator('[data-testid="reference-file"]').setInputFiles(toneFile);
      await waitForStatus(page, ['loading', 'running'], 20_000);
      await waitForStatus(page, ['done'], 120_000);
      await page.waitForFunction((n) => document.querySelector('[data-testid="metamer-cochleagram"]')?.getAttribute('data-step') === String(n),
        STEPS, { timeout: 10_000 });
      expect(await page.locator('[data-testid="error"]').count()).toBe(0);
      expect(await page.locator('[data-testid="audio-view"] h2').first().textContent()).toContain('tone.wav');
      expect(await canvasHash(page, 'reference-cochleagram')).not.toBe(bundledHash);
      expect((await canvasSummary(page, 'reference-cochleagram')).colours).toBeGreaterThan(20);
      await page.screenshot({ path: `${SCREENSHOTS}/audio-own-reference.png`, fullPage: true });

      // Drag and drop onto the reference panel: a silent clip is refused with the clip's message.
      const silent = Array.from(encodeWav(new Float32Array(50000), 20000));
      await page.evaluate((bytes) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([new Uint8Array(bytes)], 'quiet.wav', { type: 'audio/wav' }));
        const panel = document.querySelector('[data-testid="audio-view"] .reference')!;
        panel.dispatchEvent(new DragEvent('dragover', { dataTransfer: transfer, bubbles: true, cancelable: true }));
        panel.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
      }, silent);
      await page.waitForFunction(() => /quiet\.wav.*silent/.test(document.querySelector('[data-testid="error"]')?.textContent ?? ''), null, { timeout: 20_000 });
      expect(await page.locator('[data-testid="status"]').textContent()).toBe('done');

      // Back to the bundled speech: a new run whose reference cochleagram is the first one again.
      await page.locator('[data-testid="use-bundled"]').click();
      await waitForStatus(page, ['loading', 'running'], 20_000);
      await waitForStatus(page, ['done'], 120_000);
      await page.waitForFunction(() => document.querySelector('[data-testid="reference-cochleagram"]')?.getAttribute('data-step') === '0', null, { timeout: 10_000 });
      expect(await page.locator('[data-testid="audio-view"] h2').first().textContent()).toContain('bundled speech');
      expect(await canvasHash(page, 'reference-cochleagram')).toBe(bundledHash);

      // The decoder may log its refusal; everything else must be clean.
      expect(errors.filter((e) => !/decod/i.test(e))).toEqual([]);
      console.log(`spectemp wasm: ${STEPS} steps to done with cochleagrams in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    } catch (err) {
      await page.screenshot({ path: `${SCREENSHOTS}/audio-failed.png`, fullPage: true }).catch(() => {});
      throw err;
    } finally {
      await page.close();
    }
  });
});
