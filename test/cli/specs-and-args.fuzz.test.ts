/**
 * Fuzzing the JSON readers and the command line: input spec files (applyInputSpecFile), null
 * distribution files (readNullFile) and random argument lists for every command. Inputs are
 * built from a pool of hostile values (strings for numbers, 1e999, negative and huge numbers,
 * nested objects) and random edits of valid files; each outcome is a valid result or a
 * one-line error naming the file (for the CLI: exit 1 or 2 with exactly one stderr line).
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyInputSpecFile, type ImportInputSpec } from '../../src/models/import/input-spec-file.ts';
import { readNullFile } from '../../src/cli/model-arg.ts';
import { writeNpy } from '../../src/io/npy.ts';
import { Rng, outcome, tally } from '../io/fuzz-kit.ts';
import { cliInProcess, REPO } from './run-cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'metamer-fuzz-spec-'));

/** JSON texts of hostile values (1e999 must stay text: JSON.stringify cannot write it). */
const HOSTILE = ['0', '1', '-1', '255', '1e999', '-1e999', '1e308', '"0"', '"abc"', 'null', 'true', '[]', '{}', '[0]', '[0, 1]', '[1, 0]',
  '[0, 1e999]', '["0", "1"]', '[0, 1, 2]', '[224, 224, 3]', '[0, 224, 3]', '[-3, 2]', '[1.5, 2]', '{"mean": 0.5, "std": 0.05}',
  '{"mean": "a", "std": 1}', '{"mean": [0.5], "std": [0]}', '{"mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}',
  '"image"', '"audio"', '"text"', '"NCHW"', '"NHWC"', '"BGR"', '"RGB"', '20000', '0.5', '1e12', '[1e12, 1e12, 3]'];
const FIELDS = ['modality', 'shape', 'range', 'init', 'normalization', 'sampleRate', 'layout', 'channelOrder', 'bogus'];

const GUESS: ImportInputSpec = {
  inputSpec: { modality: 'image', shape: [224, 224, 3], range: [0, 1], init: { mean: 0.5, std: 0.05 }, normalization: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } },
  layout: 'NCHW',
  channelOrder: 'RGB',
};

function randomSpecText(rng: Rng): string {
  const n = 1 + rng.int(3);
  const parts = Array.from({ length: n }, () => `"${FIELDS[rng.int(FIELDS.length)]}": ${HOSTILE[rng.int(HOSTILE.length)]}`);
  const text = `{${parts.join(', ')}}`;
  // Sometimes break the JSON itself.
  return rng.int(8) === 0 ? text.slice(0, rng.int(text.length)) : text;
}

describe('fuzz: input spec files', () => {
  it('600 random specs: a valid spec (finite numeric range, lo < hi) or one line naming the file', async () => {
    const rng = new Rng(6607);
    const results = [];
    for (let i = 0; i < 600; i++) {
      const text = randomSpecText(rng);
      results.push(await outcome('spec.json', `spec ${i}: ${text}`, () => applyInputSpecFile(text, 'spec.json', GUESS), (s) => {
        const [lo, hi] = s.inputSpec.range;
        expect(typeof lo === 'number' && typeof hi === 'number' && Number.isFinite(lo) && Number.isFinite(hi) && lo < hi, text).toBe(true);
        expect(s.inputSpec.shape.every((d) => Number.isInteger(d) && d > 0), text).toBe(true);
        expect(['NCHW', 'NHWC']).toContain(s.layout);
      }));
    }
    const t = tally(results);
    expect(t.accepted).toBeGreaterThan(30);
    expect(t.refused).toBeGreaterThan(200);
  });

  it("the issue's examples: a range of [0, 1e999] or of strings is refused", () => {
    expect(() => applyInputSpecFile('{"range": [0, 1e999]}', 'spec.json', GUESS)).toThrow(/^input spec spec\.json: range must be \[lo, hi\], two finite numbers with lo < hi \(got \[0,null\]\)/);
    expect(() => applyInputSpecFile('{"range": ["0", "1"]}', 'spec.json', GUESS)).toThrow(/^input spec spec\.json: range must be \[lo, hi\], two finite numbers/);
  });
});

/** Replaces one random leaf of a JSON value with a hostile value. */
function mutateJson(value: unknown, rng: Rng): unknown {
  if (Array.isArray(value)) {
    if (value.length === 0) return JSON.parse(HOSTILE[rng.int(HOSTILE.length)].replace(/-?1e999/g, '1e308'));
    const copy = [...value];
    const i = rng.int(copy.length);
    copy[i] = rng.int(4) === 0 ? JSON.parse(HOSTILE[rng.int(HOSTILE.length)].replace(/-?1e999/g, '1e308')) : mutateJson(copy[i], rng);
    return copy;
  }
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value);
    const k = keys[rng.int(keys.length)];
    const copy = { ...(value as Record<string, unknown>) };
    if (rng.int(6) === 0) delete copy[k];
    else copy[k] = rng.int(4) === 0 ? JSON.parse(HOSTILE[rng.int(HOSTILE.length)].replace(/-?1e999/g, '1e308')) : mutateJson(copy[k], rng);
    return copy;
  }
  return JSON.parse(HOSTILE[rng.int(HOSTILE.length)].replace(/-?1e999/g, '-1e308'));
}

describe('fuzz: null distribution files', () => {
  it('150 edited null files: a valid null, or one line naming the file', async () => {
    const base = JSON.parse(readFileSync(join(REPO, 'models', 'hmax', 'null.json'), 'utf8'));
    const rng = new Rng(7703);
    const path = join(tmp, 'edited-null.json');
    const results = [];
    for (let i = 0; i < 150; i++) {
      let text = JSON.stringify(mutateJson(mutateJson(base, rng), rng));
      if (rng.int(10) === 0) text = text.slice(0, rng.int(text.length));
      writeFileSync(path, text);
      results.push(await outcome('edited-null.json', `null ${i}`, () => readNullFile(path), (n) => {
        for (const stage of Object.values(n.stages)) for (const s of Object.values(stage)) expect(Number.isFinite(s.max) && Number.isFinite(s.min)).toBe(true);
      }));
    }
    const t = tally(results);
    expect(t.refused).toBeGreaterThan(30);
  });
});

describe('fuzz: command-line arguments', () => {
  const npyA = join(tmp, 'a.npy');
  const npyB = join(tmp, 'b.npy');
  writeFileSync(npyA, writeNpy(Float32Array.from([1, 2, 3, 4]), [4]));
  writeFileSync(npyB, writeNpy(Float32Array.from([1, 2, 3, 5]), [4]));
  const COMMANDS = ['metrics', 'cochleagram', 'stages', 'activations', 'generate', 'null', 'models', 'bogus'];
  // Never a real model: a run must not start (missing.onnx fails at once).
  const TOKENS = ['--steps', '-5', '--steps', '1e999', '--seed', '-1', '--seed', 'x', '--out', join('/proc', 'nope', 'deep'), '--out', join(tmp, 'o'),
    '--model', join(tmp, 'missing.onnx'), '--model', 'nosuch', '--stage', 'relu0', '--input', npyA, '--input', join(tmp, 'nope.png'), '--pairs', '0',
    '--pairs', '-3', '--preset', 'slow', '--backend', 'tpu', '--backend', 'cpu', '--input-spec', join(tmp, 'nope.json'), '--stages', ',', '--json',
    '--measure', 'x', '--', '-', '--help=1', '--no-fake-relu', npyA, npyB, join(tmp, 'missing.npy'), '--pool', '5'];

  it('120 random argument lists: exit 0, or exit 1/2 with exactly one stderr line and no stack trace', async () => {
    const rng = new Rng(8803);
    for (let i = 0; i < 120; i++) {
      const argv = [COMMANDS[rng.int(COMMANDS.length)], ...Array.from({ length: rng.int(7) }, () => TOKENS[rng.int(TOKENS.length)])];
      if (argv.includes('--help') || argv[0] === 'models') continue;
      const r = await cliInProcess(argv);
      const context = `argv ${JSON.stringify(argv)}`;
      expect([0, 1, 2], context).toContain(r.code);
      if (r.code !== 0) {
        expect(r.err.trimEnd().split('\n'), `${context}: ${r.err}`).toHaveLength(1);
        expect(r.err, context).not.toMatch(/\n\s+at /);
        expect(r.err, context).not.toMatch(/ambiguous|Invalid typed array|Cannot read propert/);
      }
    }
  });
});
