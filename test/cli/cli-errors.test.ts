import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeNpy } from '../../src/io/npy.ts';
import { cliInProcess, cliSpawn, REPO } from './run-cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'metamer-cli-'));
const A = join(tmp, 'a.npy');
const B = join(tmp, 'b.npy');
writeFileSync(A, writeNpy(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]));
writeFileSync(B, writeNpy(new Float32Array([1, 2, 3, 4, 5, 6]), [3, 2]));

/** Exactly one line on stderr, no stack trace. */
function oneLine(err: string): void {
  expect(err.endsWith('\n')).toBe(true);
  expect(err.trimEnd().split('\n')).toHaveLength(1);
  expect(err).not.toMatch(/\n\s+at /);
}

describe('help', () => {
  it('metamer --help lists every command; each command has --help', async () => {
    const main = await cliInProcess(['--help']);
    expect(main.code).toBe(0);
    for (const c of ['generate', 'metrics', 'models', 'null']) {
      expect(main.out).toContain(`  ${c} `);
      const r = await cliInProcess([c, '--help']);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(new RegExp(`^Usage: metamer ${c}`));
      expect(r.err).toBe('');
    }
  });

  it('no command prints the usage and exits 2', async () => {
    const r = await cliInProcess([]);
    expect(r.code).toBe(2);
    expect(r.out).toContain('Usage: metamer <command>');
  });
});

describe('usage errors exit 2 with one line', () => {
  it.each([
    [['frobnicate'], /unknown command "frobnicate"/],
    [['metrics', A], /needs two \.npy files, got 1/],
    [['metrics', A, B, '--bogus'], /Unknown option '--bogus'/],
    [['metrics', A, B, '--backend', 'tpu'], /--backend must be one of wasm, cpu/],
    [['generate', '--model', 'hmax'], /missing required option --stage/],
    [['generate', '--model', 'hmax', '--stage', 'C1', '--input', A, '--out', tmp, '--steps', 'ten'], /--steps must be an integer >= 1/],
    [['generate', '--model', 'hmax', '--stage', 'C1', '--input', A, '--out', tmp, '--preset', 'slow'], /--preset must be one of paper, quick/],
    [['null', '--model', 'hmax', '--pairs', '0', '--out', 'x.json'], /--pairs must be an integer >= 1/],
    [['null', '--model', 'hmax', '--pairs', '11', '--pool', '5', '--out', 'x.json'], /exceeds the 10 distinct pairs/],
  ])('%j', async (argv, message) => {
    const r = await cliInProcess(argv as string[]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    oneLine(r.err);
  });
});

describe('failures exit 1 with one line', () => {
  it.each([
    [['metrics', A, B], /shapes differ: .*\[2,3\].*\[3,2\]/],
    [['metrics', A, join(tmp, 'missing.npy')], /cannot read .*missing\.npy: ENOENT/],
    [['metrics', A, join(REPO, 'package.json')], /not a \.npy file/],
    [['generate', '--model', 'nosuch', '--stage', 'x', '--input', A, '--out', tmp, '--backend', 'cpu'], /unknown built-in model "nosuch"/],
    [['generate', '--model', 'hmax', '--stage', 'C1', '--input', A, '--out', tmp, '--backend', 'cpu'], /has shape \[2,3\] \(6 values\); the model's input is \[250,250,1\]/],
  ])('%j', async (argv, message) => {
    const r = await cliInProcess(argv as string[]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/error: /);
    expect(r.err).toMatch(message);
    oneLine(r.err);
  });

  it('a real process exits 1 with one stderr line and nothing on stdout', () => {
    const r = cliSpawn(['metrics', A, B]);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    oneLine(r.err);
    expect(r.err).toMatch(/^metamer metrics: error: shapes differ/);
  });

  it('a real process exits 2 on a usage error', () => {
    const r = cliSpawn(['metrics']);
    expect(r.code).toBe(2);
    oneLine(r.err);
  });
});
