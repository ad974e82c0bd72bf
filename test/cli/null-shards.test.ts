/** `metamer null --shard i/n` + `metamer null merge` = one unsharded `metamer null`, and merge refuses shards that do not belong together. */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliInProcess } from './run-cli.ts';
import { mergeNullShards } from '../../src/cli/null-shards.ts';

const ARGS = ['--model', 'fmnist-alexnet', '--pairs', '45', '--stages', 'relu1,fc1_relu', '--seed', '9'];

function withoutTime(path: string): unknown {
  const d = JSON.parse(readFileSync(path, 'utf8'));
  delete d.createdAt;
  return d;
}

describe('metamer null in shards', () => {
  it('three shards merged (in any order) give the unsharded null distribution exactly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'metamer-null-shards-'));
    const full = await cliInProcess(['null', ...ARGS, '--out', join(dir, 'full.json')]);
    expect(full.code, full.err).toBe(0);
    for (const i of [0, 1, 2]) {
      const r = await cliInProcess(['null', ...ARGS, '--shard', `${i}/3`, '--out', join(dir, `s${i}.json`)]);
      expect(r.code, r.err).toBe(0);
      expect(r.err).toMatch(new RegExp(`shard ${i}/3: pairs ${i * 15}\\.\\.${i * 15 + 14} of 45`));
    }
    const merged = await cliInProcess(['null', 'merge', '--out', join(dir, 'merged.json'), join(dir, 's2.json'), join(dir, 's0.json'), join(dir, 's1.json')]);
    expect(merged.code, merged.err).toBe(0);
    const a = withoutTime(join(dir, 'full.json')) as { stages: Record<string, { spearman: { pairs: number } }> };
    expect(withoutTime(join(dir, 'merged.json'))).toEqual(a);
    expect(a.stages.relu1.spearman.pairs).toBe(45);

    const missing = await cliInProcess(['null', 'merge', '--out', join(dir, 'x.json'), join(dir, 's0.json'), join(dir, 's2.json')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/missing shard 1\/3/);
    const twice = await cliInProcess(['null', 'merge', '--out', join(dir, 'x.json'), join(dir, 's0.json'), join(dir, 's0.json'), join(dir, 's1.json')]);
    expect(twice.err).toMatch(/both shard 0\/3/);
    const other = JSON.parse(readFileSync(join(dir, 's1.json'), 'utf8'));
    other.seed = 10;
    writeFileSync(join(dir, 's1-other.json'), JSON.stringify(other));
    const mixed = await cliInProcess(['null', 'merge', '--out', join(dir, 'x.json'), join(dir, 's0.json'), join(dir, 's1-other.json'), join(dir, 's2.json')]);
    expect(mixed.err).toMatch(/s1-other\.json: seed 10 differs .* not shards of one build/);
    expect(() => mergeNullShards([{ name: 'full.json', json: JSON.parse(readFileSync(join(dir, 'full.json'), 'utf8')) }])).toThrow(/full\.json: not a metamer-null-shard\/1 file/);
    expect((await cliInProcess(['null', ...ARGS, '--shard', '3/3', '--out', join(dir, 'y.json')])).code).toBe(2);
  });
});
