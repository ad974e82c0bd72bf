/**
 * Headless Debian Chromium with a working WebGPU adapter (SwiftShader), launched through
 * playwright-core with the flags measured in the shared environment guide (shared/guides/environment.md).
 * playwright's launch() already gives every browser a fresh temporary --user-data-dir
 * (it refuses that flag in `args`), so no state leaks between runs.
 */
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless=new',
  '--enable-unsafe-webgpu',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** extraArgs are added after the defaults (e.g. the fake microphone flags for the audio-input tests). */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    // Playwright adds the old --headless; drop it so --headless=new (which has WebGPU) is used.
    ignoreDefaultArgs: ['--headless'],
    args: [...CHROMIUM_ARGS, ...extraArgs],
  });
}
