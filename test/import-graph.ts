/**
 * The import graph of src/ and the layering rules it must keep (issue 12: types live in the
 * lowest layer that uses them; nothing imports upward; no import cycle). Pure over a map of
 * file path -> source text, so a test can plant a bad import without touching the tree.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';

/**
 * What each layer (the first folder under src/) may import besides itself. Lowest first:
 * engine, audio and io are leaves; models builds on them; platform stands alone; export and
 * plots sit on models; store on export; worker on store and platform; batch (plans, shards,
 * summaries of many runs) on export; app and cli on top.
 */
export const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  engine: [],
  audio: ['engine'],
  io: [],
  models: ['engine', 'audio', 'io'],
  platform: [],
  export: ['engine', 'models', 'audio', 'io'],
  plots: ['engine', 'audio'],
  store: ['engine', 'models', 'export', 'io'],
  worker: ['engine', 'models', 'audio', 'io', 'platform', 'store', 'export'],
  batch: ['engine', 'export'],
  app: ['engine', 'models', 'audio', 'io', 'platform', 'export', 'plots', 'store', 'worker'],
  cli: ['engine', 'models', 'audio', 'io', 'platform', 'export', 'batch'],
  main: ['app'],
};

export type SourceTree = Map<string, string>;

/** Every .ts and .svelte file under `root`/src, by its repository-relative path. */
export function readSourceTree(root: string): SourceTree {
  const tree: SourceTree = new Map();
  const walk = (dir: string): void => {
    for (const name of readdirSync(join(root, dir))) {
      const path = join(dir, name);
      if (statSync(join(root, path)).isDirectory()) walk(path);
      else if (/\.(ts|svelte)$/.test(name)) tree.set(path, readFileSync(join(root, path), 'utf8'));
    }
  };
  walk('src');
  return tree;
}

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|new\s+URL\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g;

/** The src/ files a file imports (relative specifiers only; packages are not layers). */
export function importsOf(path: string, source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(SPECIFIER)) out.push(normalize(join(dirname(path), m[1])));
  return out;
}

export function layerOf(path: string): string {
  const rest = path.split('/').slice(1);
  return rest.length === 1 ? rest[0].replace(/\.(ts|svelte)$/, '') : rest[0];
}

export interface Violation {
  from: string;
  to: string;
  why: string;
}

/** Imports that break the layering, and import cycles (each reported once, as a path). */
export function checkBoundaries(tree: SourceTree): Violation[] {
  const violations: Violation[] = [];
  const graph = new Map<string, string[]>();
  for (const [path, source] of tree) {
    const targets = importsOf(path, source).filter((t) => t.startsWith('src/'));
    graph.set(path, targets.filter((t) => tree.has(t)));
    const from = layerOf(path);
    const allowed = ALLOWED[from];
    for (const to of targets) {
      const layer = layerOf(to);
      // Stylesheets, JSON and other assets are not modules of a layer.
      if (!/\.(ts|svelte|js)$/.test(to)) continue;
      if (!tree.has(to)) violations.push({ from: path, to, why: 'imports a file that does not exist' });
      else if (layer === from) continue;
      else if (!allowed) violations.push({ from: path, to, why: `layer "${from}" is not in the layering table` });
      else if (!allowed.includes(layer)) violations.push({ from: path, to, why: `${from}/ may not import ${layer}/ (allowed: ${allowed.join(', ') || 'nothing'})` });
    }
  }
  // Cycles: depth-first search, reporting the back edge's loop.
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') {
        const loop = [...stack.slice(stack.indexOf(next)), next];
        violations.push({ from: node, to: next, why: `import cycle: ${loop.join(' -> ')}` });
      } else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return violations.sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
}
