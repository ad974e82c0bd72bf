/**
 * Which share of a batch (or of a null build) one process runs: "--shard i/n" (0-based i), or
 * the scheduler's own variables - a Slurm array task or a Kubernetes Indexed Job pod.
 */

export interface Shard {
  index: number;
  count: number;
  /** Where the shard came from, for messages ("--shard", "Slurm array task 3", ...). */
  source: string;
}

/** "i/n" with 0 <= i < n; throws a one-line message otherwise. */
export function parseShard(text: string, source = '--shard'): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new Error(`${source} must look like i/n (e.g. 0/4, 0-based), got "${text}"`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1) throw new Error(`${source}: the shard count must be at least 1, got ${count}`);
  if (index >= count) throw new Error(`${source}: shard index ${index} is outside 0..${count - 1} (0-based)`);
  return { index, count, source };
}

function intVar(env: Record<string, string | undefined>, name: string): number | undefined {
  const v = env[name];
  if (v === undefined || v === '') return undefined;
  if (!/^\d+$/.test(v.trim())) throw new Error(`${name} must be a non-negative integer, got "${v}"`);
  return Number(v);
}

/**
 * The shard from the environment: a Slurm array (SLURM_ARRAY_TASK_ID with SLURM_ARRAY_TASK_COUNT,
 * or _MIN/_MAX, and _STEP), else a Kubernetes Indexed Job (JOB_COMPLETION_INDEX; the count from
 * `fallbackCount`, i.e. the --shards flag or the plan's shard count). Null when neither is set.
 */
export function shardFromEnv(env: Record<string, string | undefined>, fallbackCount: number | null): Shard | null {
  const id = intVar(env, 'SLURM_ARRAY_TASK_ID');
  if (id !== undefined) {
    const min = intVar(env, 'SLURM_ARRAY_TASK_MIN') ?? 0;
    const max = intVar(env, 'SLURM_ARRAY_TASK_MAX');
    const step = intVar(env, 'SLURM_ARRAY_TASK_STEP') ?? 1;
    if (step < 1) throw new Error('SLURM_ARRAY_TASK_STEP must be at least 1');
    let count = intVar(env, 'SLURM_ARRAY_TASK_COUNT');
    if (count === undefined && max !== undefined) count = Math.floor((max - min) / step) + 1;
    if (count === undefined) throw new Error('SLURM_ARRAY_TASK_ID is set but neither SLURM_ARRAY_TASK_COUNT nor SLURM_ARRAY_TASK_MAX is');
    if (id < min || (id - min) % step !== 0) throw new Error(`SLURM_ARRAY_TASK_ID ${id} is not in the array ${min}-${max ?? '?'}:${step}`);
    return checked({ index: (id - min) / step, count, source: `Slurm array task ${id}` });
  }
  const k8s = intVar(env, 'JOB_COMPLETION_INDEX');
  if (k8s !== undefined) {
    if (fallbackCount === null) {
      throw new Error('JOB_COMPLETION_INDEX is set but the shard count is unknown: pass --shards N (the Job\'s completions) or plan with --shards N');
    }
    return checked({ index: k8s, count: fallbackCount, source: `Kubernetes completion index ${k8s}` });
  }
  return null;
}

function checked(s: Shard): Shard {
  if (s.count < 1) throw new Error(`${s.source}: the shard count must be at least 1`);
  if (s.index >= s.count) throw new Error(`${s.source}: shard ${s.index} is outside 0..${s.count - 1}`);
  return s;
}

/** The job indices of one shard: round robin, so every shard gets a mix of shallow and deep stages. */
export function shardIndices(total: number, shard: Pick<Shard, 'index' | 'count'>): number[] {
  const out: number[] = [];
  for (let i = shard.index; i < total; i += shard.count) out.push(i);
  return out;
}

/** A contiguous range [start, end) of `total` items for shard i of n (sizes differ by at most one). */
export function shardRange(total: number, shard: Pick<Shard, 'index' | 'count'>): [number, number] {
  const start = Math.floor((total * shard.index) / shard.count);
  const end = Math.floor((total * (shard.index + 1)) / shard.count);
  return [start, end];
}
