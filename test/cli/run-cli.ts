/** Helpers to run the CLI in process (captured output) or as a real child process. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { runCli } from '../../src/cli/cli.ts';
import type { CliIo } from '../../src/cli/io.ts';

export const REPO = join(import.meta.dirname, '..', '..');
export const BIN = join(REPO, 'bin', 'metamer.js');

export async function cliInProcess(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => (out += t), err: (t) => (err += t), errIsTty: false };
  const code = await runCli(argv, io);
  return { code, out, err };
}

export function cliSpawn(argv: string[], timeout = 110_000): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...argv], { cwd: REPO, encoding: 'utf8', timeout });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
