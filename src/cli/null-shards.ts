/**
 * Null distributions built in shards: `metamer null --shard i/n` computes the values of its
 * contiguous share of the drawn pairs (the pairs are drawn in full by every shard, from the
 * same seed) and writes them exactly (float64, base64) to a `metamer-null-shard/1` file;
 * `metamer null merge` checks the shards belong together, concatenates their values in pair
 * order and summarises them exactly as one unsharded build does.
 */
import { NULL_METRICS, type MetricName, type NullDistribution } from '../engine/types.ts';
import { nullDistributionFromValues, type NullValues } from '../engine/null-builder.ts';

export const NULL_SHARD_FORMAT = 'metamer-null-shard/1';

export interface NullShardFile {
  format: typeof NULL_SHARD_FORMAT;
  model: string;
  shard: { index: number; count: number };
  /** Pairs of the whole build, and this shard's [start, end). */
  pairs: number;
  range: [number, number];
  seed: number;
  poolSize: number;
  stages: string[];
  sourceDescription: string;
  /** Per stage and metric: the shard's pair values, float64 little-endian, base64. */
  values: Record<string, Record<MetricName, string>>;
}

function f64ToBase64(a: Float64Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

function base64ToF64(s: string): Float64Array {
  const b = new Uint8Array(Buffer.from(s, 'base64'));
  if (b.byteLength % 8 !== 0) throw new Error('truncated float64 data');
  return new Float64Array(b.buffer);
}

export function nullShardFile(
  model: string, shard: { index: number; count: number }, pairs: number, range: [number, number], seed: number,
  sourceDescription: string, computed: NullValues, stages: readonly string[],
): NullShardFile {
  const values: NullShardFile['values'] = {};
  for (const s of stages) {
    values[s] = Object.fromEntries(NULL_METRICS.map((m) => [m, f64ToBase64(computed.values[s][m])])) as Record<MetricName, string>;
  }
  return { format: NULL_SHARD_FORMAT, model, shard: { ...shard }, pairs, range, seed, poolSize: computed.poolSize, stages: [...stages], sourceDescription, values };
}

/** Merges parsed shard files (any order) into the null distribution of the whole build. */
export function mergeNullShards(files: { name: string; json: unknown }[]): NullDistribution {
  if (files.length === 0) throw new Error('no shard files to merge');
  const shards = files.map(({ name, json }) => {
    const f = json as Partial<NullShardFile>;
    if (!f || f.format !== NULL_SHARD_FORMAT) throw new Error(`${name}: not a ${NULL_SHARD_FORMAT} file (made by "metamer null --shard i/n")`);
    return { name, f: f as NullShardFile };
  });
  const first = shards[0].f;
  const same = (key: keyof NullShardFile) => JSON.stringify(first[key]);
  for (const { name, f } of shards) {
    for (const key of ['model', 'pairs', 'seed', 'poolSize', 'stages', 'sourceDescription'] as const) {
      if (JSON.stringify(f[key]) !== same(key)) throw new Error(`${name}: ${key} ${JSON.stringify(f[key])} differs from ${shards[0].name}'s ${same(key)}: not shards of one build`);
    }
    if (f.shard.count !== first.shard.count) throw new Error(`${name}: shard of ${f.shard.count}, ${shards[0].name} of ${first.shard.count}`);
  }
  const count = first.shard.count;
  const byIndex = new Map<number, { name: string; f: NullShardFile }>();
  for (const s of shards) {
    const other = byIndex.get(s.f.shard.index);
    if (other) throw new Error(`${s.name} and ${other.name} are both shard ${s.f.shard.index}/${count}`);
    byIndex.set(s.f.shard.index, s);
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length > 0) throw new Error(`missing shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${count}`).join(', ')}`);
  const values: NullValues['values'] = {};
  for (const stage of first.stages) {
    values[stage] = {} as Record<MetricName, Float64Array>;
    for (const m of NULL_METRICS) {
      const all = new Float64Array(first.pairs);
      let at = 0;
      for (let i = 0; i < count; i++) {
        const { name, f } = byIndex.get(i)!;
        if (f.range[0] !== at) throw new Error(`${name}: covers pairs from ${f.range[0]}, expected ${at}`);
        const part = base64ToF64(f.values[stage]?.[m] ?? '');
        if (part.length !== f.range[1] - f.range[0]) throw new Error(`${name}: ${stage} ${m} has ${part.length} values for pairs [${f.range[0]}, ${f.range[1]})`);
        all.set(part, at);
        at += part.length;
      }
      if (at !== first.pairs) throw new Error(`the shards cover ${at} of ${first.pairs} pairs`);
      values[stage][m] = all;
    }
  }
  return nullDistributionFromValues(first.model, values, first.poolSize, { pairs: first.pairs, seed: first.seed, sourceDescription: first.sourceDescription });
}
