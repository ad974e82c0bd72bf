/** Shared e2e helper: wait until the page's status shows one of the wanted states. */
import type { Page } from 'playwright-core';

/**
 * Resolves with the status once it is one of `wanted`; throws with the page's error message
 * if the page reports "error" instead (unless "error" is wanted).
 */
export async function waitForStatus(page: Page, wanted: string[], timeoutMs: number, pollingMs = 250): Promise<string> {
  const handle = await page.waitForFunction(
    (states) => {
      const s = document.querySelector('[data-testid="status"]')?.textContent ?? '';
      return states.includes(s) || s === 'error' ? s : null;
    },
    wanted,
    { timeout: timeoutMs, polling: pollingMs },
  );
  const status = (await handle.jsonValue()) as string;
  if (status === 'error' && !wanted.includes('error')) {
    const message = await page.locator('[data-testid="error"]').textContent().catch(() => null);
    throw new Error(`page reported an error: ${message}`);
  }
  return status;
}
