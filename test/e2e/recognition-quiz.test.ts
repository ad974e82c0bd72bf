/**
 * Who else is fooled, end to end in real Chromium (wasm backend, production build): an
 * all-stages batch of fmnist-alexnet gets the "recognised by" column and the stage x model
 * matrix from the other Fashion-MNIST models, and the finished run its own list; then a short recognition quiz is built from the
 * grid, answered (practice, then the block with known answers), and its exported JSON and CSV
 * are checked against the answers given; a second student's file dropped on the results is
 * merged into one class result. ?quiz= with shipped prepared sets builds the quiz from them (and
 * the replay view links there); an unknown ?quiz= name gives one clear line.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './chromium.ts';
import { waitForStatus } from './page-status.ts';
import { SCREENSHOTS, download, dropFiles, openPage } from './page-helpers.ts';
import { BUILTIN_MODEL_IDS } from '../../src/models/registry.ts';
import type { QuizResult } from '../../src/app/quiz/quiz-results.ts';

const baseUrl = inject('baseUrl');
const MODEL = 'fmnist-alexnet';
const CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
const OTHERS = BUILTIN_MODEL_IDS.filter((id) => id.startsWith('fmnist-') && id !== MODEL);

let browser: Browser;
/** The grid's quiz as a file (downloaded in the first test, opened by ?quiz= in the presenter test). */
let quizFile: Buffer | null = null;
let context: BrowserContext;

beforeAll(async () => {
  browser = await launchChromium();
  context = await browser.newContext({ acceptDownloads: true });
});

afterAll(async () => {
  await browser?.close();
});

/** The true class of a grid quiz item: references come in class order; every metamer has reference 0's class. */
function labelOf(itemId: string): string {
  const natural = /^natural-(\d+)$/.exec(itemId);
  return natural ? CLASSES[Number(natural[1])] : CLASSES[0];
}

async function phase(page: Page): Promise<string> {
  return (await page.locator('[data-testid="quiz"]').getAttribute('data-phase')) ?? '';
}

describe('recognition by other models and by people', () => {
  it('fills the recognised-by column and matrix, runs a quiz from the grid, exports and merges its results', async () => {
    const { page, errors } = await openPage(context, new URL(`?model=${MODEL}&backend=wasm&stage=relu0&steps=2&seed=3&measure=stage`, baseUrl).toString());
    try {
      await waitForStatus(page, ['ready'], 120_000);
      await page.click('[data-testid="generate-all"]');
      await page.waitForFunction(() => /^8 of 8 done/.test(document.querySelector('[data-testid="grid-summary"]')?.textContent ?? ''),
        null, { timeout: 300_000, polling: 500 });
      // Every stage's metamer is read by every other Fashion-MNIST model.
      await page.waitForFunction((n) => {
        const cells = [...document.querySelectorAll('[data-testid="recognised-by"]')];
        return cells.length === 8 && cells.every((c) => new RegExp(`^\\d+/${n}$`).test(c.textContent?.trim() ?? ''));
      }, OTHERS.length, { timeout: 120_000, polling: 300 });
      const matrix = page.locator('[data-testid="recognition-matrix"]');
      expect(await matrix.locator('tbody tr').count()).toBe(8);
      expect(await matrix.locator('thead th').count()).toBe(1 + 1 + OTHERS.length);
      expect(await matrix.locator('td[data-correct="true"], td[data-correct="false"]').count()).toBe(8 * (1 + OTHERS.length));
      expect(await page.locator('[data-testid="chance-line"]').count()).toBe(1);
      // The finished run (the last stage's) is classified by every reader too.
      await page.waitForSelector('[data-testid="run-recognition"] li[data-reader]', { timeout: 60_000 });
      expect(await page.locator('[data-testid="run-recognition"] li[data-reader]').count()).toBe(1 + OTHERS.length);
      expect(await page.locator('[data-testid="run-recognition"] li').first().getAttribute('data-reader')).toBe(MODEL);
      await page.screenshot({ path: `${SCREENSHOTS}/recognition-grid.png`, fullPage: true });

      // The quiz built from this grid: 10 natural references + 8 metamers.
      await page.click('[data-testid="grid-quiz"]');
      quizFile = (await download(page, 'quiz-download-set')).bytes;
      await page.fill('[data-testid="quiz-participant"]', 'alice');
      await page.click('[data-testid="quiz-start"]');
      for (let i = 0; i < 2; i++) {
        expect(await phase(page)).toBe('practice');
        await page.locator('[data-testid="quiz-choice"]').first().click();
        await page.waitForSelector('[data-testid="quiz-feedback"]');
        await page.click('[data-testid="quiz-next"]');
      }
      await page.click('[data-testid="quiz-begin-block"]');
      const given: { item: string; answer: string }[] = [];
      while ((await phase(page)) === 'block') {
        const item = (await page.locator('[data-testid="quiz-stimulus"]').getAttribute('data-item'))!;
        // No feedback in the block; answer by position so some answers are right and some wrong.
        expect(await page.locator('[data-testid="quiz-feedback"]').count()).toBe(0);
        const answer = CLASSES[(given.length * 3) % 10];
        given.push({ item, answer });
        if (given.length % 2 === 0) await page.keyboard.press(String((CLASSES.indexOf(answer) + 1) % 10));
        else await page.click(`[data-testid="quiz-choice"][data-choice="${answer}"]`);
        await page.waitForFunction((n) => {
          const q = document.querySelector('[data-testid="quiz"]');
          return q?.getAttribute('data-phase') !== 'block' || document.querySelector('[data-testid="quiz-progress"]')?.textContent?.includes(`Trial ${n + 1} `);
        }, given.length, { timeout: 10_000 });
      }
      expect(given).toHaveLength(18);
      expect(new Set(given.map((g) => g.item)).size).toBe(18);
      await page.waitForSelector('[data-testid="quiz-results"]');
      await page.screenshot({ path: `${SCREENSHOTS}/recognition-quiz-results.png`, fullPage: true });

      const json = await download(page, 'quiz-export-json');
      const result = JSON.parse(json.bytes.toString('utf8')) as QuizResult;
      expect(result.participants).toEqual(['alice']);
      expect(result.chance).toBeCloseTo(0.1, 12);
      expect(result.responses.map((r) => [r.itemId, r.answer, r.correct])).toEqual(
        given.map((g) => [g.item, g.answer, g.answer === labelOf(g.item)]));
      expect(Object.keys(result.modelRecognition ?? {}).sort()).toEqual([MODEL, ...OTHERS].sort());
      // The page's table: natural first, then each stage (one metamer each), proportion correct.
      const naturalRight = given.filter((g) => g.item.startsWith('natural-') && g.answer === labelOf(g.item)).length;
      const row = page.locator('[data-testid="quiz-summary"] tr[data-stage="natural"]');
      expect((await row.locator('[data-testid="quiz-p"]').textContent())?.trim()).toBe((naturalRight / 10).toFixed(2));
      for (const g of given.filter((x) => x.item.startsWith('metamer-'))) {
        const stage = g.item.slice('metamer-'.length);
        const p = (await page.locator(`[data-testid="quiz-summary"] tr[data-stage="${stage}"] [data-testid="quiz-p"]`).textContent())?.trim();
        expect(p).toBe(g.answer === CLASSES[0] ? '1.00' : '0.00');
      }

      const csv = await download(page, 'quiz-export-csv');
      const lines = csv.bytes.toString('utf8').trim().split('\n');
      expect(lines[0]).toBe('set,model,participant,mode,trial,item,stage,label,answer,count,correct,rt_ms,chance');
      expect(lines).toHaveLength(19);

      // A second student's file (same set) dropped on the results: one class result.
      const bob = { ...result, participants: ['bob'], responses: result.responses.map((r) => ({ ...r, participant: 'bob' })) };
      expect(await dropFiles(page, 'quiz-merge', [{ name: 'bob.json', bytes: new TextEncoder().encode(JSON.stringify(bob)) }])).toBe(true);
      await page.waitForFunction(() => document.querySelector('[data-testid="quiz-results"] p')?.textContent?.startsWith('2 participant'),
        null, { timeout: 10_000 });
      const naturalN = await page.locator('[data-testid="quiz-summary"] tr[data-stage="natural"] td').first().textContent();
      expect(naturalN?.trim()).toBe('20');
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('presenter: the quiz file opened by ?quiz=, show-of-hands counts per choice, exported as counts', async () => {
    expect(quizFile).not.toBeNull();
    const { page, errors } = await openPage(context, new URL('?quiz=&seed=4', baseUrl).toString());
    try {
      await page.setInputFiles('[data-testid="quiz-file"] input[type="file"]', { name: 'quiz.json', mimeType: 'application/json', buffer: quizFile! });
      await page.click('[data-testid="quiz-mode-presenter"]');
      await page.click('[data-testid="quiz-start"]');
      // Practice: counts, then the right answer is shown.
      while ((await phase(page)) === 'practice') {
        await page.locator('[data-testid="quiz-count"]').first().fill('2');
        await page.click('[data-testid="quiz-submit-counts"]');
        await page.waitForSelector('[data-testid="quiz-feedback"]');
        await page.click('[data-testid="quiz-next"]');
      }
      await page.click('[data-testid="quiz-begin-block"]');
      // Each trial: 5 hands for the right class, 3 for "Bag" (or "Coat" when Bag is right).
      const seen: string[] = [];
      while ((await phase(page)) === 'block') {
        const item = (await page.locator('[data-testid="quiz-stimulus"]').getAttribute('data-item'))!;
        seen.push(item);
        const right = labelOf(item);
        const wrong = right === 'Bag' ? 'Coat' : 'Bag';
        await page.fill(`[data-testid="quiz-count"][data-choice="${right}"]`, '5');
        await page.fill(`[data-testid="quiz-count"][data-choice="${wrong}"]`, '3');
        await page.click('[data-testid="quiz-submit-counts"]');
        await page.waitForFunction((n) => document.querySelector('[data-testid="quiz"]')?.getAttribute('data-phase') !== 'block'
          || document.querySelector('[data-testid="quiz-progress"]')?.textContent?.includes(`Trial ${n + 1} `), seen.length, { timeout: 10_000 });
      }
      expect(seen).toHaveLength(18);
      const result = JSON.parse((await download(page, 'quiz-export-json')).bytes.toString('utf8')) as QuizResult;
      expect(result.mode).toBe('presenter');
      expect(result.responses).toHaveLength(36);
      for (const stage of result.stages) {
        const rows = result.responses.filter((r) => r.stage === stage);
        const n = rows.reduce((a, r) => a + r.count, 0);
        const k = rows.filter((r) => r.correct).reduce((a, r) => a + r.count, 0);
        expect(k / n).toBeCloseTo(5 / 8, 12);
      }
      expect((await page.locator('[data-testid="quiz-summary"] tr[data-stage="natural"] [data-testid="quiz-p"]').textContent())?.trim()).toBe('0.63');
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('?quiz= with shipped prepared sets: builds the quiz from them and answers the first trial', async () => {
    const ids = ['fmnist-alexnet-sneaker', 'fmnist-alexnet-trouser'];
    const { page, errors } = await openPage(context, new URL(`?quiz=${ids.join(',')}&seed=2`, baseUrl).toString());
    try {
      await page.waitForSelector('[data-testid="quiz-start"]', { timeout: 30_000 });
      expect(await page.locator('[data-testid="quiz-note"]').textContent()).toMatch(/generating model's own class readout/);
      await page.fill('[data-testid="quiz-participant"]', 'carol');
      await page.click('[data-testid="quiz-start"]');
      expect(await phase(page)).toBe('practice');
      expect(await page.locator('[data-testid="quiz-choice"]').count()).toBe(10);
      const item = (await page.locator('[data-testid="quiz-stimulus"]').getAttribute('data-item'))!;
      // Items are natural-<set> or metamer-<set>-<stage>: the set's reference class is the right answer.
      const set = ids.find((id) => item === `natural-${id}` || item.startsWith(`metamer-${id}-`));
      expect(set).toBeDefined();
      const right = set === 'fmnist-alexnet-sneaker' ? 'Sneaker' : 'Trouser';
      // The stimulus is drawn (a decoded PNG from the set).
      await page.waitForFunction(() => {
        const img = document.querySelector('[data-testid="quiz-stimulus"] img') as HTMLImageElement | null;
        return !!img && img.complete && img.naturalWidth === 28;
      }, null, { timeout: 10_000 });
      await page.click(`[data-testid="quiz-choice"][data-choice="${right}"]`);
      await page.waitForSelector('[data-testid="quiz-feedback"]');
      expect(await page.locator('[data-testid="quiz-feedback"]').getAttribute('class')).toMatch(/\bright\b/);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('the replay view links to its model\'s quiz', async () => {
    const { page } = await openPage(context, new URL('?replay=fmnist-alexnet-trouser', baseUrl).toString());
    try {
      const link = page.locator('[data-testid="replay-quiz"]');
      await link.waitFor({ timeout: 30_000 });
      expect(await link.getAttribute('href')).toBe('?quiz=fmnist-alexnet');
      await link.click();
      await page.waitForSelector('[data-testid="quiz-start"]', { timeout: 30_000 });
      expect(await page.locator('h1').textContent()).toMatch(/Fashion-MNIST AlexNet-style CNN: \d+ prepared sets/);
    } finally {
      await page.close();
    }
  });

  it('?quiz= with an unknown prepared set or model says so in one line', async () => {
    const { page } = await openPage(context, new URL('?quiz=no-such-set', baseUrl).toString());
    try {
      await page.waitForSelector('[data-testid="quiz-error"]', { timeout: 30_000 });
      const text = (await page.locator('[data-testid="quiz-error"]').textContent()) ?? '';
      expect(text).toMatch(/^\?quiz=no-such-set: no prepared set or model "no-such-set" in prepared\/index\.json \(models: .*fmnist-alexnet/);
      expect(text).not.toContain('\n');
    } finally {
      await page.close();
    }
  });
});
