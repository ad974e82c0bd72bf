import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { useNodeBackend } from '../../src/platform/tf-node.ts';
import { buildNullDistribution } from '../../src/engine/null-builder.ts';
import type { NullDistribution } from '../../src/engine/types.ts';
import {
  buildAndWriteNull,
  fileEntry,
  hasFlag,
  numberArg,
  sha256Hex,
  stringArg,
  writeFileMakingDirs,
} from '../../scripts/models/common.ts';
import { toyModel, toyStimuli } from '../engine/toy-model.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'scripts-common-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The SHA-256 that coreutils' sha256sum prints for the file (an implementation other than node:crypto). */
function sha256sum(path: string): string {
  return execFileSync('sha256sum', [path], { encoding: 'utf8' }).split(' ')[0];
}

describe('command-line readers', () => {
  const argv = ['node', 'build.ts', 'hmax', '--pairs', '500', '--no-null', '--skimage', '/data/sk', '--pool'];

  it('numberArg: the next word as a number, the fallback when absent, NaN for a bad or missing value', () => {
    expect(numberArg('--pairs', 20000, argv)).toBe(500);
    expect(numberArg('--threads', 2, argv)).toBe(2);
    expect(numberArg('--skimage', 1, argv)).toBeNaN();
    expect(numberArg('--pool', 240, argv)).toBeNaN(); // the flag is the last word
  });

  it('stringArg: the next word as given, the fallback when absent, undefined when nothing follows', () => {
    expect(stringArg('--skimage', '/usr/share', argv)).toBe('/data/sk');
    expect(stringArg('--pairs', 'x', argv)).toBe('500');
    expect(stringArg('--human-models', '/tmp/package', argv)).toBe('/tmp/package');
    expect(stringArg('--pool', '202', argv)).toBeUndefined();
    expect(stringArg('--tuxpaint', undefined, argv)).toBeUndefined();
    expect(stringArg('--skimage', undefined, argv)).toBe('/data/sk');
  });

  it('hasFlag: whether the exact word is present', () => {
    expect(hasFlag('--no-null', argv)).toBe(true);
    expect(hasFlag('--retrain', argv)).toBe(false);
    expect(hasFlag('--no', argv)).toBe(false);
  });

  it('read process.argv by default', () => {
    const saved = process.argv;
    process.argv = ['node', 'x', '--pairs', '7', '--human-models', '/p', '--keep-null'];
    try {
      expect(numberArg('--pairs', 1)).toBe(7);
      expect(stringArg('--human-models', '/tmp/package')).toBe('/p');
      expect(hasFlag('--keep-null')).toBe(true);
    } finally {
      process.argv = saved;
    }
  });
});

describe('file helpers', () => {
  it('fileEntry gives the path as given, the SHA-256 of sha256sum and the byte size', () => {
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 37 + 11) % 256);
    writeFileMakingDirs(join(dir, 'weights', 'w.bin'), bytes);
    const entry = fileEntry(dir, 'weights/w.bin');
    expect(entry).toEqual({
      path: 'weights/w.bin',
      sha256: sha256sum(join(dir, 'weights', 'w.bin')),
      bytes: statSync(join(dir, 'weights', 'w.bin')).size,
    });
    expect(entry.bytes).toBe(1000);
    expect(sha256Hex(bytes)).toBe(entry.sha256);
  });

  it('sha256Hex of no bytes is the published empty-input digest', () => {
    writeFileSync(join(dir, 'empty'), '');
    expect(sha256Hex(new Uint8Array(0))).toBe(sha256sum(join(dir, 'empty')));
    expect(sha256Hex(new Uint8Array(0))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('fileEntry of a missing file names it', () => {
    expect(() => fileEntry(dir, 'nope.bin')).toThrow(/nope\.bin/);
  });

  it('writeFileMakingDirs creates missing directories and overwrites', () => {
    const path = join(dir, 'a', 'b', 'c.txt');
    writeFileMakingDirs(path, 'one');
    writeFileMakingDirs(path, 'two');
    expect(readFileSync(path, 'utf8')).toBe('two');
  });
});

describe('buildAndWriteNull', () => {
  beforeAll(async () => {
    await useNodeBackend('cpu');
  });
  afterEach(() => vi.restoreAllMocks());

  /** The distribution without its creation time (the only field that differs between two builds). */
  function timeless(d: NullDistribution): Omit<NullDistribution, 'createdAt'> {
    const { createdAt: _createdAt, ...rest } = d;
    return rest;
  }

  it('writes what buildNullDistribution builds from the same options, disposes the stimuli, logs as asked', async () => {
    const model = toyModel();
    const groups = [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5];
    // The toy's degenerate stages have no finite SNR, which a null summary rejects.
    const stages = ['conv', 'relu', 'pool'];
    const options = { model, stages, pairs: 30, seed: 3, groups, memoryBudgetBytes: 4096, sourceDescription: 'toy crops' };
    const reference = toyStimuli(12, 5);
    const expected = await buildNullDistribution({ ...options, stimuli: reference });
    tf.dispose(reference);

    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const before = tf.memory().numTensors;
    const stimuli = toyStimuli(12, 5);
    const path = join(dir, 'toy', 'null.json');
    const got = await buildAndWriteNull({ ...options, stimuli, path, logEvery: 5, summary: 'null distribution: 30 pairs from 12 crops' });
    expect(tf.memory().numTensors).toBe(before);
    expect(stimuli.every((t) => t.isDisposed)).toBe(true);

    expect(timeless(got)).toEqual(timeless(expected));
    const text = readFileSync(path, 'utf8');
    expect(text).toBe(JSON.stringify(got, null, 1) + '\n');

    const lines = log.mock.calls.map((c) => String(c[0]));
    expect(lines.at(-1)).toMatch(/^null distribution: 30 pairs from 12 crops in \d+ s$/);
    const progress = lines.slice(0, -1);
    for (const line of progress) {
      const m = /^null (activations|pairs) \[[a-z,]+\] (\d+)\/(\d+)$/.exec(line);
      expect(m, line).not.toBeNull();
      expect(m![2] === m![3] || Number(m![2]) % 5 === 0, line).toBe(true);
    }
    expect(progress.filter((l) => l.startsWith('null activations') && l.endsWith(' 12/12')).length).toBeGreaterThan(0);
    expect(progress.some((l) => l.startsWith('null activations') && l.endsWith(' 5/12'))).toBe(true);
    for (const stage of stages) expect(progress).toContain(`null pairs [${stage}] 30/30`);
    model.dispose();
  });

  it('logs only the summary without logEvery, and the elapsed seconds with logElapsed', async () => {
    const model = toyModel();
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const stages = ['conv', 'pool'];
    await buildAndWriteNull({ model, stages, stimuli: toyStimuli(6, 1), pairs: 10, seed: 1, path: join(dir, 'quiet.json'), summary: 'm: null,' });
    expect(log.mock.calls.map((c) => String(c[0]))).toEqual([expect.stringMatching(/^m: null, in \d+ s$/)]);

    log.mockClear();
    await buildAndWriteNull({
      model, stages, stimuli: toyStimuli(6, 1), pairs: 10, seed: 1, path: join(dir, 'timed.json'), logEvery: 3, logElapsed: true, summary: 's',
    });
    const progress = log.mock.calls.map((c) => String(c[0])).slice(0, -1);
    expect(progress.length).toBeGreaterThan(0);
    for (const line of progress) expect(line).toMatch(/^null (activations|pairs) \[[a-z,]+\] \d+\/\d+ \d+ s$/);
    expect(existsSync(join(dir, 'timed.json'))).toBe(true);
    model.dispose();
  });
});
