import { describe, expect, it } from 'vitest';
import { parseShard, shardFromEnv, shardIndices, shardRange } from '../../src/batch/shard.ts';

describe('shards', () => {
  it('parses i/n (0-based) and rejects the rest with one line', () => {
    expect(parseShard('2/5')).toMatchObject({ index: 2, count: 5 });
    expect(() => parseShard('5/5')).toThrow(/outside 0..4/);
    expect(() => parseShard('1-3')).toThrow(/i\/n/);
    expect(() => parseShard('0/0')).toThrow(/at least 1/);
  });

  it('reads a Slurm array task: COUNT, or MIN/MAX with a step', () => {
    expect(shardFromEnv({ SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_COUNT: '4' }, null)).toMatchObject({ index: 3, count: 4 });
    // --array=1-4: ids 1..4 are shards 0..3.
    expect(shardFromEnv({ SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_MAX: '4' }, null)).toMatchObject({ index: 0, count: 4 });
    // --array=0-10:5: ids 0, 5, 10.
    expect(shardFromEnv({ SLURM_ARRAY_TASK_ID: '10', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_MAX: '10', SLURM_ARRAY_TASK_STEP: '5' }, null)).toMatchObject({ index: 2, count: 3 });
    expect(() => shardFromEnv({ SLURM_ARRAY_TASK_ID: '1' }, null)).toThrow(/SLURM_ARRAY_TASK_COUNT/);
  });

  it('reads a Kubernetes completion index with the count from the flag or the plan', () => {
    expect(shardFromEnv({ JOB_COMPLETION_INDEX: '2' }, 3)).toMatchObject({ index: 2, count: 3, source: 'Kubernetes completion index 2' });
    expect(() => shardFromEnv({ JOB_COMPLETION_INDEX: '2' }, null)).toThrow(/--shards N/);
    expect(() => shardFromEnv({ JOB_COMPLETION_INDEX: '3' }, 3)).toThrow(/outside 0..2/);
    expect(shardFromEnv({}, 3)).toBeNull();
  });

  it('splits jobs and pairs into disjoint shares that cover everything once', () => {
    for (const [total, n] of [[10, 3], [2, 5], [7, 7], [0, 2]]) {
      const seen = Array.from({ length: n }, (_, i) => shardIndices(total, { index: i, count: n })).flat().sort((a, b) => a - b);
      expect(seen).toEqual(Array.from({ length: total }, (_, i) => i));
      const ranges = Array.from({ length: n }, (_, i) => shardRange(total, { index: i, count: n }));
      expect(ranges[0][0]).toBe(0);
      expect(ranges[n - 1][1]).toBe(total);
      for (let i = 1; i < n; i++) expect(ranges[i][0]).toBe(ranges[i - 1][1]);
      for (const [a, b] of ranges) expect(Math.abs(b - a - total / n)).toBeLessThan(1);
    }
  });
});
