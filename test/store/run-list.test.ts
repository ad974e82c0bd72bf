/**
 * RunList.svelte rendered on the server (svelte/server): the markup the page starts from.
 * The vitest config has no Svelte plugin, so the test compiles the component itself.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compile } from 'svelte/compiler';
import { render } from 'svelte/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Component } from 'svelte';
import type { RunSummary } from '../../src/export/saved-run.ts';

type Props = { runs: RunSummary[]; currentId: string | null; onopen: (id: string) => void; ondelete: (id: string) => void };
let RunList: Component<Props>;
let dir: string;

beforeAll(async () => {
  const source = readFileSync(new URL('../../src/app/RunList.svelte', import.meta.url), 'utf8');
  const { js } = compile(source, { generate: 'server', filename: 'RunList.svelte' });
  // The compiled module imports svelte's server runtime by bare name; point it at this checkout's copy.
  const runtime = pathToFileURL(join(process.cwd(), 'node_modules/svelte/src/internal/server/index.js')).href;
  dir = mkdtempSync(join(tmpdir(), 'run-list-'));
  const file = join(dir, 'RunList.js');
  // Its relative imports (e.g. ./run-list-rows.ts) resolve against the component's own folder.
  const appDir = pathToFileURL(join(process.cwd(), 'src/app/')).href;
  const code = js.code
    .replaceAll("'svelte/internal/server'", `'${runtime}'`)
    .replace(/from '(\.\.?\/[^']+)'/g, (_, rel: string) => `from '${new URL(rel, appDir).href}'`);
  writeFileSync(file, code);
  RunList = (await import(/* @vite-ignore */ pathToFileURL(file).href)).default;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const summary = (id: string, over: Partial<RunSummary> = {}): RunSummary => ({
  id, modelId: 'hmax', modelName: 'HMAX', stage: 'C1', status: 'done', step: 2400, totalSteps: 2400,
  createdAt: Date.UTC(2026, 0, 2, 3, 4), updatedAt: Date.UTC(2026, 0, 2, 4, 0), pass: null, ...over,
});

function html(runs: RunSummary[], currentId: string | null = null): string {
  return render(RunList, { props: { runs, currentId, onopen: () => {}, ondelete: () => {} } }).body;
}

describe('RunList (server render)', () => {
  it('renders one row per run with model, stage, status, steps, verdict chip and date', () => {
    const out = html([
      summary('r1', { pass: true }),
      summary('r2', { stage: 'S2', status: 'paused', step: 300, pass: false, group: 'batch' }),
      summary('r3', { status: 'running', step: 12 }),
    ], 'r1');
    expect(out).toMatch(/data-testid="run-list"/);
    expect(out.match(/data-run-id="/g)).toHaveLength(3);
    const rows = out.split('data-run-id="').slice(1);
    expect(rows[0]).toMatch(/^r1"/);
    expect(rows[0]).toMatch(/HMAX[\s\S]*C1[\s\S]*done[\s\S]*2400\/2400[\s\S]*>pass</);
    expect(rows[0]).toMatch(/aria-current="true"/);
    expect(rows[0]).toMatch(/datetime="2026-01-02T03:04:00.000Z"/);
    expect(rows[1]).toMatch(/S2[\s\S]*paused[\s\S]*300\/2400[\s\S]*>fail<[\s\S]*>grid</);
    expect(rows[1]).not.toMatch(/aria-current/);
    // A stored 'running' run that is not the current one was cut off by a reload.
    expect(rows[2]).toMatch(/>interrupted</);
    expect(rows[2]).not.toMatch(/>pass<|>fail</);
    for (const row of rows) expect(row).toMatch(/>Delete<\/button>/);
    expect(out).not.toMatch(/Confirm delete/);
  });

  it('shows an empty state that still carries the test id', () => {
    expect(html([])).toMatch(/data-testid="run-list"[^>]*>No saved runs yet/);
  });
});
