/**
 * Creating an output folder and its missing parents one level at a time. Node's
 * mkdir(path, { recursive: true }) never returns for some paths (under /proc it loops
 * forever), so a bad --out would hang the CLI instead of failing at once.
 */
import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

function code(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
}

/** Makes `path` (and missing parents); throws one line naming `path` when it cannot. */
export async function ensureDir(path: string): Promise<void> {
  const fail = (why: string): never => {
    throw new Error(`cannot create output folder ${path}: ${why}`);
  };
  const target = resolve(path);
  // The missing folders, deepest first, up to the first that exists.
  const missing: string[] = [];
  for (let p = target; ; p = dirname(p)) {
    try {
      const s = await stat(p);
      if (!s.isDirectory()) fail(`${p} exists and is not a folder`);
      break;
    } catch (e) {
      if (e instanceof Error && e.message.startsWith('cannot create')) throw e;
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') fail(code(e));
      if (dirname(p) === p) fail('no existing parent folder');
      missing.push(p);
    }
  }
  for (const p of missing.reverse()) {
    try {
      await mkdir(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST' && (await stat(p)).isDirectory()) continue;
      fail(code(e));
    }
  }
}
