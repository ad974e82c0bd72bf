/** `metamer null`: builds a model's null distribution from random natural stimuli. */
import { readFile, writeFile } from 'node:fs/promises';
import type * as tfTypes from '@tensorflow/tfjs';
import { COMMON_OPTIONS, backendChoice, intOption, parse, requireString } from '../args.ts';
import { cliBackend } from '../backend.ts';
import { UsageError } from '../errors.ts';
import { bar, progressReporter, type CliIo } from '../io.ts';
import type { Command } from './command.ts';
import { computeNullValues, nullDistributionFromValues } from '../../engine/null-builder.ts';
import { parseShard, shardRange } from '../../batch/shard.ts';
import { mergeNullShards, nullShardFile } from '../null-shards.ts';
import { naturalStimuli } from '../../models/registry.ts';
import { nodeModelSource } from '../../models/source-node.ts';
import { importNaturalStimuli } from '../../models/import/natural-for-import.ts';
import { resolveModel, stageList } from '../model-arg.ts';

/** Smallest pool whose distinct pairs number at least twice `pairs` (so pairs stay varied). */
export function defaultPoolSize(pairs: number): number {
  let n = 2;
  while ((n * (n - 1)) / 2 < 2 * pairs) n++;
  return n;
}

/**
 * Pool size for an imported model's natural crops: pairs of crops of one photo are skipped,
 * about 1 in 13 (the bundled photos) of all pairs; 1.25x the plain pool leaves ample room.
 */
export function importPoolSize(pairs: number): number {
  return Math.ceil(1.25 * defaultPoolSize(pairs));
}

export const nullCommand: Command = {
  name: 'null',
  summary: "build a model's null distribution (metrics between random natural stimuli)",
  usage: `Usage: metamer null --model ID|PATH --pairs N --out FILE [--seed S] [--pool P]
                   [--stages a,b,...] [--backend wasm|cpu|webgpu [--allow-software-gpu]] [--models-dir DIR]
                   [--input-spec FILE] [--shard i/n]
       metamer null merge --out FILE SHARD_FILE...

Draws P random natural stimuli of the model (default: the smallest pool with at least
2N distinct pairs), computes each one's activations once per stage, and measures Spearman,
Pearson and SNR (dB) between N random distinct pairs at every stage (the reference member of
each pair is chosen at random). Writes a metamer-null/1 JSON file; point the model's
manifest "null" field at it to enable the success test. --models-dir DIR reads models from
DIR instead of the repository's models/ folder.

--model PATH imports a model file (.onnx, or TF.js model.json with its shards; see
"metamer stages PATH"); --stages then picks among its candidate stages (default: the
suggested ones) and --input-spec FILE overrides its guessed input spec. Its natural
stimuli are random crops of the bundled photos (images; no pair of crops of one photo) or
the bundled 2-s word clips (audio). Pass the file to "metamer generate --null FILE".

--shard i/n (0-based) computes only the i-th of n contiguous shares of the pairs (every
shard draws the same pairs from --seed) and writes their exact values to a
metamer-null-shard/1 file; "metamer null merge --out FILE SHARDS..." joins all n shard
files into the same null distribution one unsharded build gives.`,
  async run(argv: string[], io: CliIo): Promise<number> {
    if (argv[0] === 'merge') return mergeCommand(argv.slice(1), io);
    const { values } = parse(argv, {
      ...COMMON_OPTIONS,
      model: { type: 'string' },
      pairs: { type: 'string' },
      out: { type: 'string' },
      seed: { type: 'string' },
      pool: { type: 'string' },
      stages: { type: 'string' },
      'input-spec': { type: 'string' },
      shard: { type: 'string' },
    });
    if (values.help) {
      io.out(`${this.usage}\n`);
      return 0;
    }
    const id = requireString(values.model, 'model');
    const pairs = intOption(values.pairs, 'pairs', undefined, 1);
    const out = requireString(values.out, 'out');
    const seed = intOption(values.seed, 'seed', 0);
    const poolGiven = values.pool !== undefined;
    let pool = intOption(values.pool, 'pool', defaultPoolSize(pairs), 2);
    if (pairs > (pool * (pool - 1)) / 2) throw new UsageError(`--pairs ${pairs} exceeds the ${(pool * (pool - 1)) / 2} distinct pairs of a pool of ${pool}`);
    let shard: { index: number; count: number } | null = null;
    if (values.shard !== undefined) {
      try {
        shard = parseShard(values.shard);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
    }
    const tf = await cliBackend(backendChoice(values), io);

    const source = nodeModelSource(values['models-dir']);
    const requested = stageList(values.stages);
    const loaded = await resolveModel(id, { modelsDir: values['models-dir'], inputSpecFile: values['input-spec'], stages: requested, report: (line) => io.err(line) });
    const stages = requested ?? [...loaded.model.stages];
    for (const s of stages) if (!loaded.model.stages.includes(s)) throw new UsageError(`model "${id}" has no stage "${s}" (stages: ${loaded.model.stages.join(', ')})`);

    let stimuli: tfTypes.Tensor[] = [];
    let groups: number[] | undefined;
    let sourceDescription = `random crops of the natural images listed in ${id}/manifest.json (params.natural), tfjs ${tf.getBackend()} backend`;
    try {
      if (loaded.imported) {
        // Crops of one photo are never paired: draw a pool with enough pairs across photos.
        if (!poolGiven) pool = importPoolSize(pairs);
        const natural = await importNaturalStimuli(loaded.model.inputSpec, pool, seed, source);
        stimuli = natural.stimuli;
        groups = natural.groups;
        sourceDescription = `${natural.description}; tfjs ${tf.getBackend()} backend`;
      } else {
        stimuli = await naturalStimuli(loaded.manifest, source, pool, seed);
      }
    } catch (e) {
      loaded.model.dispose();
      throw e;
    }
    const progress = progressReporter(io);
    io.err(`null for ${loaded.manifest.id}: ${pairs} pairs from ${pool} natural stimuli (seed ${seed}), stages ${stages.join(', ')}\n`);
    const started = Date.now();
    try {
      const range = shard ? shardRange(pairs, shard) : undefined;
      if (shard && range) io.err(`shard ${shard.index}/${shard.count}: pairs ${range[0]}..${range[1] - 1} of ${pairs}\n`);
      const computed = await computeNullValues({
        model: loaded.model,
        stimuli,
        pairs,
        seed,
        stages,
        sourceDescription,
        groups,
        pairRange: range,
        onProgress: (p) => {
          const what = p.phase === 'activations' ? `activations ${p.stages.join('+')}` : `pairs ${p.stages[0]}`;
          progress.update(`${bar(p.done, p.total)} ${what} ${p.done}/${p.total}`);
        },
      });
      const text = shard && range
        ? JSON.stringify(nullShardFile(loaded.model.id, shard, pairs, range, seed, sourceDescription, computed, stages))
        : JSON.stringify(nullDistributionFromValues(loaded.model.id, computed.values, computed.poolSize, { pairs, seed, sourceDescription }), null, 1);
      await writeFile(out, `${text}\n`);
      progress.done(`wrote ${out} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    } finally {
      tf.dispose(stimuli);
      loaded.model.dispose();
    }
    return 0;
  },
};

async function mergeCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(argv, { help: { type: 'boolean', short: 'h' }, out: { type: 'string' } }, true);
  if (values.help) {
    io.out('Usage: metamer null merge --out FILE SHARD_FILE...\n\nJoins the n files of "metamer null --shard i/n" (i = 0..n-1, any order) into one null distribution,\nidentical to an unsharded build with the same options.\n');
    return 0;
  }
  const out = requireString(values.out, 'out');
  if (positionals.length === 0) throw new UsageError('give the shard files: metamer null merge --out FILE SHARD_FILE...');
  const files = [];
  for (const name of positionals) {
    let text: string;
    try {
      text = await readFile(name, 'utf8');
    } catch (e) {
      throw new Error(`cannot read ${name}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    try {
      files.push({ name, json: JSON.parse(text) as unknown });
    } catch (e) {
      throw new Error(`${name}: not valid JSON (${(e as Error).message})`);
    }
  }
  const dist = mergeNullShards(files);
  await writeFile(out, `${JSON.stringify(dist, null, 1)}\n`);
  io.err(`merged ${files.length} shards into ${out}\n`);
  return 0;
}
