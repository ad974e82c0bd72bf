/**
 * RunList.svelte in real Chromium: open, two-step delete, cancel, Escape, keyboard only.
 * The component is bundled with a tiny mount harness by Vite (Svelte plugin) and loaded into
 * a blank page; callbacks are recorded on window so the test reads what the component emitted.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import type { Browser, Page } from 'playwright-core';
import { build, type Rollup } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/export/saved-run.ts';
import { CHROMIUM_PATH, launchChromium } from './chromium.ts';

/** Machines without Debian's chromium skip (and say so); the e2e suite needs it anyway. */
const noChromium = !existsSync(CHROMIUM_PATH);

let browser: Browser;
let bundle: string;
let dir: string;

beforeAll(async () => {
  if (noChromium) return;
  dir = mkdtempSync(join(tmpdir(), 'run-list-dom-'));
  const entry = join(dir, 'harness.js');
  writeFileSync(
    entry,
    `import { mount, unmount } from 'svelte';
import RunList from ${JSON.stringify(join(process.cwd(), 'src/app/RunList.svelte'))};
let app = null;
window.calls = [];
window.show = (runs, currentId) => {
  if (app) unmount(app);
  app = mount(RunList, { target: document.body, props: { runs, currentId,
    onopen: (id) => window.calls.push(['open', id]), ondelete: (id) => window.calls.push(['delete', id]) } });
};`,
  );
  const result = (await build({
    configFile: false,
    root: process.cwd(),
    logLevel: 'silent',
    plugins: [svelte()],
    build: { write: false, minify: false, lib: { entry, formats: ['iife'], name: 'harness', fileName: 'harness' } },
  })) as Rollup.RollupOutput[];
  bundle = (result[0].output[0] as Rollup.OutputChunk).code;
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const summary = (id: string, over: Partial<RunSummary> = {}): RunSummary => ({
  id, modelId: 'hmax', modelName: 'HMAX', stage: 'C1', status: 'done', step: 10, totalSteps: 10,
  createdAt: 1_700_000_000_000, updatedAt: 1_700_000_000_000, pass: true, ...over,
});

async function page(runs: RunSummary[], currentId: string | null = null): Promise<Page> {
  const p = await browser.newPage();
  await p.setContent('<!doctype html><html><body></body></html>');
  await p.addScriptTag({ content: bundle });
  await p.evaluate(([r, c]) => (window as unknown as { show: (r: unknown, c: unknown) => void }).show(r, c), [runs, currentId] as const);
  return p;
}

const calls = (p: Page) => p.evaluate(() => (window as unknown as { calls: string[][] }).calls);

describe.skipIf(noChromium)('RunList in Chromium', () => {
  it('opens a run and deletes only after "Confirm delete"', async () => {
    const p = await page([summary('a'), summary('b', { stage: 'S2' })], 'a');
    await p.click('[data-run-id="b"] [data-testid="open-run"]');
    expect(await calls(p)).toEqual([['open', 'b']]);

    const del = p.locator('[data-run-id="b"] [data-testid="delete-run"]');
    await del.click();
    expect(await del.textContent()).toBe('Confirm delete');
    expect(await calls(p)).toEqual([['open', 'b']]); // nothing deleted yet
    // Only one row asks at a time: asking on "a" withdraws the question on "b".
    await p.click('[data-run-id="a"] [data-testid="delete-run"]');
    expect(await del.textContent()).toBe('Delete');
    await p.click('[data-run-id="a"] [data-testid="cancel-delete"]');
    expect(await p.locator('[data-testid="cancel-delete"]').count()).toBe(0);

    await del.click();
    await del.click();
    expect(await calls(p)).toEqual([['open', 'b'], ['delete', 'b']]);
    expect(await del.textContent()).toBe('Delete');
    await p.close();
  });

  it('works from the keyboard alone, and Escape backs out of a delete', async () => {
    const p = await page([summary('a')]);
    await p.keyboard.press('Tab'); // the open button
    await p.keyboard.press('Enter');
    await p.keyboard.press('Tab'); // the delete button
    await p.keyboard.press('Enter');
    const del = p.locator('[data-testid="delete-run"]');
    expect(await del.textContent()).toBe('Confirm delete');
    expect(await p.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('delete-run'); // focus kept
    await p.keyboard.press('Escape');
    expect(await del.textContent()).toBe('Delete');
    await p.keyboard.press('Enter');
    await p.keyboard.press('Space');
    expect(await calls(p)).toEqual([['open', 'a'], ['delete', 'a']]);
    await p.close();
  });

  it('lists an all-stages batch as one entry that opens to its stages, and deletes it whole', async () => {
    const batch = ['S1', 'C1', 'S2'].map((stage, i) => summary(`g-${stage}`, { stage, group: 'g', createdAt: 1_700_000_000_000 + i, pass: i < 2 }));
    const p = await page([summary('solo'), ...batch]);
    expect(await p.locator('[data-testid="run-list"] > li').count()).toBe(2);
    expect(await p.locator('[data-testid="batch-verdicts"]').textContent()).toBe('2/3 pass');
    await p.click('[data-testid="run-batch"] summary');
    await p.click('[data-run-id="g-C1"] [data-testid="open-run"]');
    await p.click('[data-testid="delete-batch"]');
    expect(await p.locator('[data-testid="delete-batch"]').textContent()).toBe('Confirm delete');
    await p.click('[data-testid="delete-batch"]');
    expect(await calls(p)).toEqual([['open', 'g-C1'], ['delete', 'g-S1'], ['delete', 'g-C1'], ['delete', 'g-S2']]);
    await p.close();
  });
});
