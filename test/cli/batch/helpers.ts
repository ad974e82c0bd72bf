/** Helpers for the batch tests: spawn the CLI (in parallel), read a batch's outputs, compare runs. */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, REPO } from '../run-cli.ts';

export function cliAsync(
  argv: string[],
  env: Record<string, string> = {},
  onSpawn?: (child: ChildProcess) => void,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; err: string; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...argv], { cwd: REPO, env: { ...process.env, ...env } });
    onSpawn?.(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, out, err }));
  });
}

/**
 * SIGKILLs `child` (a pre-emption) as soon as the job in `jobDir` has checkpointed step `step` or
 * later: its heartbeat (running.json, rewritten right after each checkpoint) is polled every
 * few milliseconds, far less than the steps between checkpoints take.
 */
export function killAtCheckpoint(child: ChildProcess, jobDir: string, step: number): void {
  const heartbeat = join(jobDir, 'running.json');
  let seen = -1;
  const poll = setInterval(() => {
    if (child.exitCode !== null || child.signalCode !== null) return clearInterval(poll);
    if (!existsSync(heartbeat)) return;
    const mtime = statSync(heartbeat).mtimeMs;
    if (mtime === seen) return;
    seen = mtime;
    // Written atomically (a rename), so a present file parses.
    if (JSON.parse(readFileSync(heartbeat, 'utf8')).step >= step) {
      child.kill('SIGKILL');
      clearInterval(poll);
    }
  }, 2);
}

/** Fields of a run record that say when, not what: left out when two runs are compared. */
export function recordWithoutTimes(json: string): unknown {
  const r = JSON.parse(json);
  delete r.exportedAt;
  delete r.run.createdAt;
  delete r.run.updatedAt;
  return r;
}

/** Per job folder: the outputs that must not depend on how the batch was run. */
export function batchOutputs(dir: string): Record<string, { record: unknown; metamer: Buffer; npy: Buffer }> {
  const out: Record<string, { record: unknown; metamer: Buffer; npy: Buffer }> = {};
  for (const id of readdirSync(join(dir, 'jobs')).sort()) {
    const jd = join(dir, 'jobs', id);
    if (!existsSync(join(jd, 'done.json'))) continue;
    const done = JSON.parse(readFileSync(join(jd, 'done.json'), 'utf8'));
    out[id] = { record: recordWithoutTimes(readFileSync(join(jd, done.record), 'utf8')), metamer: readFileSync(join(jd, done.metamer)), npy: readFileSync(join(jd, done.npy)) };
  }
  return out;
}
