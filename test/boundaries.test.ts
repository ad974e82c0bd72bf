/**
 * Boundaries that hold (issue 12): nothing in src/ imports upward (store/ and platform/ never
 * reach into worker/, worker/ never into app/, ...), there is no import cycle (models/import/
 * had one), and test/ mirrors src/. Checked over the real tree, and shown to fail on planted
 * bad imports.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ALLOWED, checkBoundaries, layerOf, readSourceTree } from './import-graph.ts';

const ROOT = join(import.meta.dirname, '..');

describe('import boundaries of src/', () => {
  const tree = readSourceTree(ROOT);

  it('every layer is in the table, and no file imports upward or in a cycle', () => {
    expect(tree.size).toBeGreaterThan(200);
    for (const path of tree.keys()) expect(Object.keys(ALLOWED), path).toContain(layerOf(path));
    expect(checkBoundaries(tree)).toEqual([]);
  });

  it('fails on a planted upward import, naming the file and the rule', () => {
    const planted = new Map(tree);
    planted.set('src/store/planted.ts', "import type { WorkerEvent } from '../worker/protocol.ts';\n");
    planted.set('src/worker/planted.ts', "import { parsePageParams } from '../app/url-params.ts';\n");
    planted.set('src/engine/planted.ts', "export { x } from '../models/manifest.ts';\n");
    expect(checkBoundaries(planted)).toEqual([
      { from: 'src/engine/planted.ts', to: 'src/models/manifest.ts', why: 'engine/ may not import models/ (allowed: nothing)' },
      { from: 'src/store/planted.ts', to: 'src/worker/protocol.ts', why: 'store/ may not import worker/ (allowed: engine, models, export, io)' },
      { from: 'src/worker/planted.ts', to: 'src/app/url-params.ts', why: expect.stringMatching(/^worker\/ may not import app\//) },
    ].sort((a, b) => a.from.localeCompare(b.from)));
  });

  it('fails on a planted import cycle (e.g. inside models/import/)', () => {
    const planted = new Map(tree);
    planted.set('src/models/import/cycle-a.ts', "import { b } from './cycle-b.ts';\nexport const a = 1;\n");
    planted.set('src/models/import/cycle-b.ts', "import { a } from './cycle-a.ts';\nexport const b = 2;\n");
    expect(checkBoundaries(planted)).toEqual([{
      from: 'src/models/import/cycle-b.ts', to: 'src/models/import/cycle-a.ts',
      why: 'import cycle: src/models/import/cycle-a.ts -> src/models/import/cycle-b.ts -> src/models/import/cycle-a.ts',
    }]);
  });
});

describe('test/ mirrors src/', () => {
  it('every test folder has its src/ (or scripts/) folder', () => {
    const extra: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(join(ROOT, dir))) {
        const path = join(dir, name);
        if (!statSync(join(ROOT, path)).isDirectory()) continue;
        // Fixtures, the browser tests and the small harness pages are not code mirrors.
        if (name === 'fixtures' || path === 'test/e2e' || existsSync(join(ROOT, path, 'index.html'))) continue;
        const mirror = path.replace(/^test\//, 'src/');
        const script = path.replace(/^test\//, '');
        if (!existsSync(join(ROOT, mirror)) && !existsSync(join(ROOT, script))) extra.push(path);
        walk(path);
      }
    };
    walk('test');
    expect(extra).toEqual([]);
  });
});
