/** `metamer null`: builds a model's null distribution from random natural stimuli. */
import { writeFile } from 'node:fs/promises';
import { COMMON_OPTIONS, backendOption, intOption, parse, requireString } from '../args.ts';
import { cliBackend } from '../backend.ts';
import { UsageError } from '../errors.ts';
import { bar, progressReporter, type CliIo } from '../io.ts';
import type { Command } from './command.ts';
import { buildNullDistribution } from '../../engine/null-builder.ts';
import { loadBuiltinModel, naturalStimuli } from '../../models/registry.ts';
import { nodeModelSource } from '../../models/source-node.ts';

/** Smallest pool whose distinct pairs number at least twice `pairs` (so pairs stay varied). */
export function defaultPoolSize(pairs: number): number {
  let n = 2;
  while ((n * (n - 1)) / 2 < 2 * pairs) n++;
  return n;
}

export const nullCommand: Command = {
  name: 'null',
  summary: "build a model's null distribution (metrics between random natural stimuli)",
  usage: `Usage: metamer null --model ID --pairs N --out FILE [--seed S] [--pool P]
                   [--stages a,b,...] [--backend wasm|cpu] [--models-dir DIR]

Draws P random natural stimuli of the model (default: the smallest pool with at least
2N distinct pairs), computes each one's activations once per stage, and measures Spearman,
Pearson and SNR (dB) between N random distinct pairs at every stage (the reference member of
each pair is chosen at random). Writes a metamer-null/1 JSON file; point the model's
manifest "null" field at it to enable the success test. --models-dir DIR reads models from
DIR instead of the repository's models/ folder.`,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values } = parse(argv, {
      ...COMMON_OPTIONS,
      model: { type: 'string' },
      pairs: { type: 'string' },
      out: { type: 'string' },
      seed: { type: 'string' },
      pool: { type: 'string' },
      stages: { type: 'string' },
    });
    if (values.help) {
      io.out(`${this.usage}\n`);
      return 0;
    }
    const id = requireString(values.model, 'model');
    const pairs = intOption(values.pairs, 'pairs', undefined, 1);
    const out = requireString(values.out, 'out');
    const seed = intOption(values.seed, 'seed', 0);
    const pool = intOption(values.pool, 'pool', defaultPoolSize(pairs), 2);
    if (pairs > (pool * (pool - 1)) / 2) throw new UsageError(`--pairs ${pairs} exceeds the ${(pool * (pool - 1)) / 2} distinct pairs of a pool of ${pool}`);
    const tf = await cliBackend(backendOption(values.backend));

    const source = nodeModelSource(values['models-dir']);
    const loaded = await loadBuiltinModel(id, source);
    const stages = values.stages ? values.stages.split(',').map((s) => s.trim()) : [...loaded.model.stages];
    for (const s of stages) if (!loaded.model.stages.includes(s)) throw new UsageError(`model "${id}" has no stage "${s}" (stages: ${loaded.model.stages.join(', ')})`);

    const progress = progressReporter(io);
    io.err(`null for ${id}: ${pairs} pairs from ${pool} natural stimuli (seed ${seed}), stages ${stages.join(', ')}\n`);
    const stimuli = await naturalStimuli(loaded.manifest, source, pool, seed);
    const started = Date.now();
    try {
      const dist = await buildNullDistribution({
        model: loaded.model,
        stimuli,
        pairs,
        seed,
        stages,
        sourceDescription: `random crops of the natural images listed in ${id}/manifest.json (params.natural), tfjs ${tf.getBackend()} backend`,
        onProgress: (p) => {
          const what = p.phase === 'activations' ? `activations ${p.stages.join('+')}` : `pairs ${p.stages[0]}`;
          progress.update(`${bar(p.done, p.total)} ${what} ${p.done}/${p.total}`);
        },
      });
      await writeFile(out, `${JSON.stringify(dist, null, 1)}\n`);
      progress.done(`wrote ${out} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    } finally {
      tf.dispose(stimuli);
      loaded.model.dispose();
    }
    return 0;
  },
};
