import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Rng } from '../../src/engine/random.ts';
import { isUnfinished, newRunId, summarizeRun } from '../../src/export/saved-run.ts';
import { weightsHashOf, weightsHashText } from '../../src/models/weights-hash.ts';
import { sha256Fallback, sha256Hex } from '../../src/io/sha256.ts';
import { sampleRun } from '../store/sample-run.ts';

const opensslSha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

afterEach(() => vi.unstubAllGlobals());

describe('sha256', () => {
  it('matches the FIPS 180-2 "abc" vector on both paths', async () => {
    const abc = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    expect(await sha256Hex('abc')).toBe(abc);
    expect(sha256Fallback(new TextEncoder().encode('abc'))).toBe(abc);
  });

  it('pure-JS fallback agrees with OpenSSL around every padding boundary', () => {
    const rng = new Rng(7);
    for (const n of [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 4099]) {
      const bytes = Uint8Array.from({ length: n }, () => rng.int(256));
      expect(sha256Fallback(bytes), `length ${n}`).toBe(opensslSha256(bytes));
    }
  });

  it('falls back to pure JS where crypto.subtle is missing (insecure http origin)', async () => {
    vi.stubGlobal('crypto', {});
    expect(await sha256Hex('héllo wörld')).toBe(opensslSha256('héllo wörld'));
  });
});

describe('weightsHashOf', () => {
  const manifest = {
    weights: [
      { path: 'prototypes.bin', sha256: '11'.repeat(32), bytes: 10 },
      { path: 'readout/w.bin', sha256: '22'.repeat(32), bytes: 20 },
    ],
  };

  it('hashes the sha256sum-style lines of the weight files, in manifest order', async () => {
    const text = `${'11'.repeat(32)}  prototypes.bin\n${'22'.repeat(32)}  readout/w.bin`;
    expect(weightsHashText(manifest)).toBe(text);
    expect(await weightsHashOf(manifest)).toBe(opensslSha256(text));
  });

  it('changes when any weight file changes and is the empty-string hash without weights', async () => {
    const changed = { weights: [manifest.weights[0], { ...manifest.weights[1], sha256: '23'.repeat(32) }] };
    expect(await weightsHashOf(changed)).not.toBe(await weightsHashOf(manifest));
    expect(await weightsHashOf({ weights: [] })).toBe(opensslSha256(''));
  });
});

describe('saved run helpers', () => {
  it('newRunId sorts by creation time and differs within one millisecond', () => {
    const rng = new Rng(3);
    const random = () => rng.uniform();
    const a = newRunId(1_700_000_000_000, random);
    const b = newRunId(1_700_000_000_000, random);
    const later = newRunId(1_700_000_000_001, random);
    expect(a).not.toBe(b);
    expect(a.slice(0, 9)).toBe(b.slice(0, 9));
    expect([later, b, a].sort()[2]).toBe(later);
    expect(newRunId()).toMatch(/^[0-9a-z]{9}-[0-9a-z]{8}$/);
  });

  it('summarizeRun keeps only the list fields and the verdict as pass', () => {
    const run = sampleRun({ group: 'g', verdict: { stage: 'C1', pass: true, criteria: [] } });
    expect(summarizeRun(run)).toEqual({
      id: run.id, modelId: 'hmax', modelName: 'HMAX', stage: 'C1', status: 'paused', step: 4, totalSteps: 10,
      createdAt: run.createdAt, updatedAt: run.updatedAt, pass: true, group: 'g',
    });
    expect(summarizeRun(sampleRun()).pass).toBeNull();
  });

  it('only running and paused runs are unfinished', () => {
    expect((['running', 'paused', 'done', 'stopped', 'error'] as const).filter(isUnfinished)).toEqual(['running', 'paused']);
  });
});
