import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { jobSeed, planBatch, validateBatchManifest, type BatchReference, type BatchSettings } from '../../src/batch/plan.ts';

const settings: BatchSettings = { run: { steps: 10 }, passes: 1, itersPerPass: 10, backend: 'wasm', checkpointEvery: 2, modelsDir: null };
const refs = (n: number): BatchReference[] => Array.from({ length: n }, (_, index) => ({ kind: 'bundled', index, label: `L/${index}`, path: `r${index}.png` }));

describe('batch plan', () => {
  it('has one job per model x stage x reference x seed, with unique safe ids', () => {
    const m = planBatch({ models: [{ id: 'a', stages: ['s1', 's2'], references: refs(3) }, { id: 'b', stages: ['x'], references: refs(2) }], seeds: 2, batchSeed: 7, shards: null, settings });
    expect(m.jobs).toHaveLength(2 * 3 * 2 + 1 * 2 * 2);
    expect(new Set(m.jobs.map((j) => j.id)).size).toBe(m.jobs.length);
    expect(m.jobs.every((j, i) => j.index === i && /^[A-Za-z0-9._-]+$/.test(j.id))).toBe(true);
    expect(validateBatchManifest(JSON.parse(JSON.stringify(m)), 'manifest.json').jobs).toHaveLength(16);
  });

  it('derives each seed from the batch seed and the job alone (SHA-256, first 32 bits)', () => {
    const ref = refs(1)[0];
    const expected = createHash('sha256').update('7\na\ns1\nbundled:0\n1').digest().readUInt32BE(0);
    expect(jobSeed(7, 'a', 's1', ref, 1)).toBe(expected);
    const small = planBatch({ models: [{ id: 'a', stages: ['s1'], references: refs(1) }], seeds: 2, batchSeed: 7, shards: null, settings });
    const big = planBatch({ models: [{ id: 'z', stages: ['q'], references: refs(1) }, { id: 'a', stages: ['s0', 's1'], references: refs(1) }], seeds: 2, batchSeed: 7, shards: null, settings });
    for (const j of small.jobs) expect(big.jobs.find((k) => k.id === j.id)?.seed).toBe(j.seed);
    expect(new Set(big.jobs.map((j) => j.seed)).size).toBe(big.jobs.length);
  });

  it('names the file and the field of a bad manifest', () => {
    expect(() => validateBatchManifest({ format: 'x' }, 'b/manifest.json')).toThrow(/^b\/manifest.json: format must be/);
    const m = JSON.parse(JSON.stringify(planBatch({ models: [{ id: 'a', stages: ['s'], references: refs(1) }], seeds: 1, batchSeed: 0, shards: 2, settings })));
    m.jobs[0].seed = -1;
    expect(() => validateBatchManifest(m, 'm.json')).toThrow(/jobs\[0\].seed/);
  });
});
