/**
 * Browser check of the live views on the demo page (not part of `npm test`: it needs Chromium
 * and takes ~20 s): `npx tsx test/plots/demo/check-in-browser.ts [outDir]`. Serves the demo with
 * Vite, then in headless Chromium at 1280x720: the canvases hold the images' own pixels, the
 * difference canvas matches src/plots/difference.ts, zoom by keyboard / wheel / drag / buttons
 * moves all three views together, and the 8-stage grid fits the window. Screenshots go to outDir.
 */
import { mkdirSync } from 'node:fs';
import { createServer } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { launchChromium } from '../../e2e/chromium.ts';

const outDir = process.argv[2] ?? '/tmp/plots-demo';
mkdirSync(outDir, { recursive: true });

function check(ok: boolean, what: string): void {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) process.exitCode = 1;
}

const server = await createServer({
  configFile: false, root: process.cwd(), logLevel: 'error', plugins: [svelte()],
  server: { port: 0, host: '127.0.0.1', hmr: false },
});
await server.listen();
const address = server.httpServer!.address();
const port = typeof address === 'object' && address ? address.port : 0;
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(`http://127.0.0.1:${port}/test/plots/demo/index.html`);
  await page.waitForSelector('[data-testid="stage-metrics-grid"]', { timeout: 60_000 });
  await page.screenshot({ path: `${outDir}/demo-1280x720.png` });
  await page.screenshot({ path: `${outDir}/demo-full.png`, fullPage: true });

  const transforms = () => page.evaluate(() => ['reference-canvas', 'metamer-canvas', 'difference-canvas']
    .map((id) => (document.querySelector(`[data-testid="${id}"]`) as HTMLCanvasElement).style.transform));
  const zoomState = async () => JSON.parse((await page.textContent('[data-testid="zoom-state"]')) ?? '{}');

  const sizes = await page.evaluate(() => ['reference-canvas', 'metamer-canvas', 'difference-canvas'].map((id) => {
    const c = document.querySelector(`[data-testid="${id}"]`) as HTMLCanvasElement;
    return [c.width, c.height, getComputedStyle(c).imageRendering];
  }));
  check(sizes.every(([w, h, r]) => w === 64 && h === 64 && r === 'pixelated'), `native 64x64 pixelated canvases: ${JSON.stringify(sizes)}`);

  // The difference canvas holds a many-coloured image scaled to a positive max |difference|.
  // (No named helper functions inside evaluate: tsx adds a __name() call the page lacks.)
  const diffCheck = await page.evaluate(() => {
    const c = document.querySelector('[data-testid="difference-canvas"]') as HTMLCanvasElement;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    const distinct = new Set<string>();
    for (let i = 0; i < d.length; i += 4) distinct.add(`${d[i]},${d[i + 1]},${d[i + 2]}`);
    const maxAbs = Number(document.querySelector('[data-testid="difference-legend"]')!.getAttribute('data-max-abs'));
    return { colours: distinct.size, maxAbs };
  });
  check(diffCheck.colours > 100 && diffCheck.maxAbs > 0, `difference image drawn: ${JSON.stringify(diffCheck)}`);

  // Keyboard: focus the reference view, '+' twice -> 4x in all three.
  await page.focus('[data-testid="reference-canvas"] >> xpath=..');
  await page.keyboard.press('+');
  await page.keyboard.press('+');
  let t = await transforms();
  check(t.every((s) => s === t[0]) && t[0].includes('scale(4)'), `'+' zooms all three to 4x: ${t[0]}`);
  await page.keyboard.press('ArrowRight');
  const afterArrow = await zoomState();
  check(afterArrow.cx > 0.5, `arrow pans (cx ${afterArrow.cx})`);

  // Drag on the difference view: pans all three.
  const box = (await page.locator('[data-testid="difference-canvas"] >> xpath=..').boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + 40, box.y + box.height / 2 + 20, { steps: 4 });
  await page.mouse.up();
  const afterDrag = await zoomState();
  check(afterDrag.cx < afterArrow.cx && afterDrag.cy < 0.5, `drag pans with the pointer: ${JSON.stringify(afterDrag)}`);
  t = await transforms();
  check(t.every((s) => s === t[0]), 'views stay linked after the drag');
  await page.screenshot({ path: `${outDir}/demo-zoomed.png` });

  // '0' resets; wheel up over the metamer zooms in about the pointer.
  await page.keyboard.press('0');
  check((await zoomState()).scale === 1, "'0' resets");
  const mbox = (await page.locator('[data-testid="metamer-canvas"] >> xpath=..').boundingBox())!;
  await page.mouse.move(mbox.x + mbox.width * 0.25, mbox.y + mbox.height * 0.25);
  await page.mouse.wheel(0, -300);
  await page.waitForTimeout(200);
  const afterWheel = await zoomState();
  check(afterWheel.scale > 1.5 && afterWheel.cx < 0.5 && afterWheel.cy < 0.5, `wheel zooms about the pointer: ${JSON.stringify(afterWheel)}`);
  const scrollY = await page.evaluate(() => window.scrollY);
  check(scrollY === 0, 'the wheel zoom did not scroll the page');

  // Buttons.
  await page.getByRole('button', { name: 'reset zoom Reference' }).click();
  await page.getByRole('button', { name: 'zoom in Difference' }).click();
  check((await zoomState()).scale === 2, 'the + button zooms');

  // The grid with 8 stages fits 1280x720 (scrolled to it).
  await page.keyboard.press('0');
  const grid = await page.locator('[data-testid="stage-metrics-grid"]').boundingBox();
  check(!!grid && grid.height <= 720 && grid.width <= 1280, `8-stage grid fits 1280x720: ${JSON.stringify(grid)}`);
  await page.locator('[data-testid="stage-metrics-grid"]').screenshot({ path: `${outDir}/grid.png` });
  await page.locator('figure.loss').screenshot({ path: `${outDir}/loss.png` });
  await page.locator('[data-testid="class-readout"]').screenshot({ path: `${outDir}/readout.png` });

  // Header tooltips on keyboard focus.
  await page.focus('[data-testid="stage-metrics-grid"] th[data-metric="pearson"]');
  check(await page.locator('[data-testid="stage-metrics-grid"] th[data-metric="pearson"] .tip').isVisible(), 'header tip shows on focus');
  check(errors.length === 0, `no page errors: ${JSON.stringify(errors)}`);

  const verdictPage = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  await verdictPage.goto(`http://127.0.0.1:${port}/test/plots/demo/index.html?verdict`);
  await verdictPage.waitForSelector('[data-testid="grid-verdict"]', { timeout: 60_000 });
  await verdictPage.locator('[data-testid="stage-metrics-grid"]').screenshot({ path: `${outDir}/grid-verdict.png` });
} finally {
  await browser.close();
  await server.close();
}
