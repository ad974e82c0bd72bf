import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const SCRIPT = join(import.meta.dirname, '..', '..', 'scripts', 'check-system-deps.mjs');

describe('scripts/check-system-deps.mjs (run first by npm test)', () => {
  it('stops at once with the exact install command when a dependency is missing', () => {
    const r = spawnSync(process.execPath, [SCRIPT, '--no-install'], { encoding: 'utf8', env: { ...process.env, CHROMIUM_PATH: '/nonexistent/chromium' } });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/missing chromium \(headless browser tests\)/);
    expect(r.stderr).toMatch(/(apt-get install -y|equivalents\):) chromium\b/);
  });
});
