/**
 * Bring your own model, end to end against the production build (wasm backend, for speed) —
 * issue 6's acceptance path: the small PyTorch AlexNet and ResNet-50 fixtures are dragged and
 * dropped on the import panel, their paper stages come back pre-checked, they are imported,
 * their nulls are built in the worker (progress bar), and short metamers get null-tested chips
 * and a verdict. A corrupt file dropped on the panel shows an inline error while the app keeps
 * working; after a reload the model is still listed (IndexedDB) with its null, and runs again
 * with a verdict; the file chooser reads files too.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './chromium.ts';
import { waitForStatus } from './page-status.ts';
import { SCREENSHOTS, dropFiles, openPage, textOf } from './page-helpers.ts';

const baseUrl = inject('baseUrl');
const FIXTURES = join(import.meta.dirname, '../fixtures/onnx');
const MODEL_ID = 'imported-alexnet';
const PAPER_STAGES = ['relu0', 'relu1', 'relu2', 'relu3', 'relu4', 'fc0_relu', 'fc1_relu', 'final'];
const RESNET_STAGES = ['conv1_relu1', 'layer1', 'layer2', 'layer3', 'layer4', 'avgpool', 'final'];
const SETTINGS = 'backend=wasm&steps=3&seed=1&measure=stage';
const TIMEOUT = 240_000;

let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  browser = await launchChromium();
  // One context: its pages share IndexedDB, as the tabs of one browser profile do.
  context = await browser.newContext();
});

afterAll(async () => {
  await browser?.close();
});

/** Drags one file (name, bytes) onto the import zone and drops it; the zone must accept the drag. */
async function dropFile(page: Page, name: string, bytes: Uint8Array): Promise<void> {
  expect(await dropFiles(page, 'import-drop', [{ name, bytes }])).toBe(true);
}

/** Drops the fixture `<name>.onnx` on the import zone. */
function dropFixture(page: Page, name: string): Promise<void> {
  return dropFile(page, `${name}.onnx`, readFileSync(join(FIXTURES, `${name}.onnx`)));
}

/** The stages of the inspected draft that start checked, in order. */
function checkedStages(page: Page): Promise<(string | undefined)[]> {
  return page.$$eval('[data-testid="import-stage"]', (boxes) =>
    (boxes as HTMLInputElement[]).filter((b) => b.checked).map((b) => b.dataset.stage));
}

/** Waits for the inspected draft; throws with the panel's inline error if the import fails instead. */
async function waitForDraft(page: Page): Promise<void> {
  const handle = await page.waitForFunction(() => document.querySelector('[data-testid="import-draft"]') ? 'ok'
    : document.querySelector('[data-testid="import-error"]')?.textContent ?? null, null, { timeout: TIMEOUT, polling: 100 });
  const outcome = await handle.jsonValue();
  if (outcome !== 'ok') throw new Error(`import failed: ${outcome}`);
}

/** Runs the picked model at its first stage to the end; returns when the verdict is shown. */
async function runToVerdict(page: Page): Promise<void> {
  await page.click('[data-testid="run"]');
  await waitForStatus(page, ['done'], TIMEOUT);
  await page.waitForSelector('[data-testid="grid-verdict"]', { timeout: 60_000 });
}

describe('importing a model in the app', () => {
  it('imports the dropped AlexNet fixture, builds its null, runs a metamer with null-tested chips; bad files fail inline', async () => {
    const { page, errors } = await openPage(context, new URL(`?${SETTINGS}`, baseUrl).toString());
    try {
      await waitForStatus(page, ['ready'], 120_000);
      await page.click('[data-testid="import-open"]');
      await dropFixture(page, 'alexnet');
      await waitForDraft(page);
      expect(await textOf(page, 'import-architecture')).toMatch(/^AlexNet/);
      expect(await checkedStages(page)).toEqual(PAPER_STAGES);
      expect(await page.inputValue('[data-testid="import-name"]')).toBe('alexnet');
      // The guess for a PyTorch [1, 3, 224, 224] input: 224x224 RGB in [0, 1], ImageNet normalisation.
      expect(await page.inputValue('[data-testid="import-height"]')).toBe('224');
      expect(await page.isChecked('[data-testid="import-normalize"]')).toBe(true);
      await page.locator('[data-testid="import-panel"]').screenshot({ path: `${SCREENSHOTS}/import-panel-draft.png` });

      await page.click('[data-testid="import-submit"]');
      await page.waitForSelector('[data-testid="import-notice"]', { timeout: TIMEOUT });
      expect(await textOf(page, 'import-notice')).toMatch(/saved in this browser/);
      const card = page.locator(`[data-testid="model-cards"] [data-model-id="${MODEL_ID}"]`);
      expect(await card.locator('[data-testid="imported-badge"]').textContent()).toMatch(/imported · no null/);
      expect(await card.getAttribute('class')).toMatch(/selected/);
      expect(await page.$$eval('[data-testid="stage-pipeline"] [data-stage]', (els) => els.map((e) => (e as HTMLElement).dataset.stage)))
        .toEqual(PAPER_STAGES);

      // A long null build shows its progress and can be cancelled; the model keeps no null.
      await page.fill('[data-testid="null-pairs"]', '5000');
      await page.click('[data-testid="null-build"]');
      await page.waitForFunction(() => Number((document.querySelector('[data-testid="null-progress"]') as HTMLProgressElement | null)?.value) > 0,
        null, { timeout: TIMEOUT, polling: 50 });
      expect(await textOf(page, 'null-status')).toMatch(/^Building: activations of natural stimulus \d+ of 142/);
      await page.locator('[data-testid="null-builder"]').screenshot({ path: `${SCREENSHOTS}/import-null-running.png` });
      await page.click('[data-testid="null-cancel"]');
      await page.waitForSelector('[data-testid="null-status"][data-status="cancelled"]', { timeout: 60_000 });
      expect(await textOf(page, 'null-state')).toMatch(/^none yet/);

      // The null: 40 pairs of natural photo crops, built in the worker with a progress bar.
      await page.fill('[data-testid="null-pairs"]', '40');
      await page.click('[data-testid="null-build"]');
      await page.waitForSelector('[data-testid="null-status"][data-status="done"]', { timeout: TIMEOUT });
      expect(await textOf(page, 'null-status')).toMatch(/Built from 40 pairs\. Saved with the model\./);
      expect(await page.getAttribute('[data-testid="null-progress"]', 'value')).toBe('1');
      expect(await textOf(page, 'null-state')).toBe('built');
      expect(await card.locator('[data-testid="imported-badge"]').textContent()).toMatch(/null built/);
      await page.locator('[data-testid="null-builder"]').screenshot({ path: `${SCREENSHOTS}/import-null-built.png` });

      // A short metamer at relu0: the generation stage's row has null-tested chips and the verdict.
      expect(await page.inputValue('[data-testid="stage-select"]')).toBe('relu0');
      await runToVerdict(page);
      const row = page.locator('[data-testid="stage-metrics-grid"] tr[data-stage="relu0"]');
      expect(await row.locator('[data-testid="chip-snrDb"]').count()).toBe(1);
      expect(await row.locator('[data-testid="null-max"]').count()).toBe(3);
      await page.screenshot({ path: `${SCREENSHOTS}/import-run-done.png`, fullPage: true });

      // A corrupt file dropped on the panel: an inline, one-line error naming it; the app keeps working.
      await dropFile(page, 'broken.onnx', Uint8Array.of(0xff, 0xff, 0xff, 0x01, 0x02, 0x03));
      await page.waitForSelector('[data-testid="import-error"]', { timeout: 60_000 });
      const message = await textOf(page, 'import-error');
      expect(message).toMatch(/broken\.onnx/);
      expect(message).not.toMatch(/\n/);
      expect(await page.locator('[data-testid="import-draft"]').count()).toBe(0);
      expect(await textOf(page, 'status')).toBe('done');
      await page.locator('[data-testid="import-panel"]').screenshot({ path: `${SCREENSHOTS}/import-panel-error.png` });
      // A dropped .json that is not a TF.js model is refused by name too.
      await dropFile(page, 'notes.json', new TextEncoder().encode('{"a": 1}'));
      await page.waitForFunction(() => /notes\.json is not a TF\.js model\.json/.test(document.querySelector('[data-testid="import-error"]')?.textContent ?? ''), null, { timeout: 60_000 });
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('imports the dropped ResNet-50 fixture with the paper\'s stage names and runs a short metamer with null-tested chips', async () => {
    const { page, errors } = await openPage(context, new URL(`?${SETTINGS}`, baseUrl).toString());
    try {
      await waitForStatus(page, ['ready'], 120_000);
      await page.click('[data-testid="import-open"]');
      await dropFixture(page, 'resnet50');
      await waitForDraft(page);
      expect(await textOf(page, 'import-architecture')).toMatch(/^ResNet/);
      expect(await checkedStages(page)).toEqual(RESNET_STAGES);
      expect(await page.inputValue('[data-testid="import-name"]')).toBe('resnet50');

      await page.click('[data-testid="import-submit"]');
      await page.waitForSelector('[data-testid="import-notice"]', { timeout: TIMEOUT });
      const card = page.locator('[data-testid="model-cards"] [data-model-id="imported-resnet50"]');
      expect(await card.getAttribute('class')).toMatch(/selected/);
      expect(await page.$$eval('[data-testid="stage-pipeline"] [data-stage]', (els) => els.map((e) => (e as HTMLElement).dataset.stage)))
        .toEqual(RESNET_STAGES);

      // A small null (ResNet-50's forward passes dominate this test's time); the chips need one, not a tight one.
      await page.fill('[data-testid="null-pairs"]', '12');
      await page.click('[data-testid="null-build"]');
      await page.waitForSelector('[data-testid="null-status"][data-status="done"]', { timeout: TIMEOUT });
      expect(await textOf(page, 'null-status')).toMatch(/Built from 12 pairs\./);

      // A 3-step metamer at conv1_relu1: live null-tested chips and a verdict (random weights: values not asserted).
      expect(await page.inputValue('[data-testid="stage-select"]')).toBe('conv1_relu1');
      await runToVerdict(page);
      const row = page.locator('[data-testid="stage-metrics-grid"] tr[data-stage="conv1_relu1"]');
      expect(await row.locator('[data-testid="chip-snrDb"]').count()).toBe(1);
      expect(await row.locator('[data-testid="null-max"]').count()).toBe(3);
      await page.screenshot({ path: `${SCREENSHOTS}/import-resnet50.png`, fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('after a reload the imported model is still listed with its null, and runs again to a verdict', async () => {
    const { page, errors } = await openPage(context, new URL(`?${SETTINGS}`, baseUrl).toString());
    try {
      await waitForStatus(page, ['ready'], 120_000);
      const card = page.locator(`[data-testid="model-cards"] [data-model-id="${MODEL_ID}"]`);
      expect(await card.locator('[data-testid="imported-badge"]').textContent()).toMatch(/imported · null built/);
      await card.locator('[role="radio"]').click();
      expect(await textOf(page, 'null-state')).toBe('built');
      await runToVerdict(page);
      expect(await page.locator('[data-testid="stage-metrics-grid"] tr[data-stage="relu0"] [data-testid="chip-snrDb"]').count()).toBe(1);

      // A TF.js model.json chosen with the file chooser without its weight shard: the missing file is named.
      // (The panel opens from the keyboard.)
      await page.focus('[data-testid="import-open"]');
      await page.keyboard.press('Enter');
      await page.setInputFiles('[data-testid="import-file"]', {
        name: 'model.json', mimeType: 'application/json', buffer: readFileSync(join(import.meta.dirname, '../../models/fmnist-alexnet/model.json')),
      });
      await page.waitForFunction(() => /weights\.bin/.test(document.querySelector('[data-testid="import-error"]')?.textContent ?? ''), null, { timeout: 60_000 });

      // A TF.js LayersModel from a URL (here the app's own Fashion-MNIST model.json, whose shard is fetched beside it).
      await page.fill('[data-testid="import-url"]', 'models/fmnist-alexnet/model.json');
      await page.click('[data-testid="import-url-go"]');
      await waitForDraft(page);
      expect(await textOf(page, 'import-draft')).toMatch(/model\.json \(TF\.js layers model, .*2 files\)/);
      await page.fill('[data-testid="import-name"]', 'Fashion copy');
      await page.click('[data-testid="import-submit"]');
      await page.waitForSelector('[data-testid="model-cards"] [data-model-id="imported-fashion-copy"] [data-testid="imported-badge"]', { timeout: TIMEOUT });

      // Delete (two clicks): gone from the cards, another model is picked.
      await card.locator('[data-testid="model-delete"]').click();
      await card.locator('[data-testid="model-delete"]').click();
      await page.waitForFunction((id) => !document.querySelector(`[data-model-id="${id}"]`), MODEL_ID, { timeout: 30_000 });
      expect(await page.locator('[data-testid="model-cards"] [role="radio"][aria-checked="true"]').count()).toBe(1);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
