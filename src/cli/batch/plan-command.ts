/** `metamer batch plan`: writes DIR/manifest.json, the jobs of models x stages x references x seeds. */
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { extname, join, relative, resolve } from 'node:path';
import { COMMON_OPTIONS, backendOption, intOption, parse, requireString } from '../args.ts';
import { UsageError } from '../errors.ts';
import type { CliIo } from '../io.ts';
import { RUN_SETTING_OPTIONS, cliRunSettings } from '../run-setting-options.ts';
import { planBatch, type BatchReference, type PlanModel } from '../../batch/plan.ts';
import { checkpointEvery as defaultCheckpointEvery } from '../../engine/cadence.ts';
import { totalSteps } from '../../engine/presets.ts';
import { budgetNote, stepBudget } from '../../engine/run-recipe.ts';
import type { ModelManifest } from '../../models/manifest.ts';
import { BUILTIN_MODEL_IDS, readManifest } from '../../models/registry.ts';
import { nodeModelSource } from '../../models/source-node.ts';
import { ANY_NODE_BACKENDS } from '../../platform/tf-node.ts';
import { jsonText, writeFileAtomic } from './atomic.ts';
import { MANIFEST_FILE } from './job-files.ts';

export const PLAN_USAGE = `metamer batch plan --out DIR --models a,b,... [--stages all|a,b,...]
                   [--references bundled|FOLDER] [--max-references N] [--seeds N]
                   [--seed S] [--preset quick|paper] [--steps N] [--passes P]
                   [--optimizer normalized-gd|adam] [--lr X] [--eta0 X] [--no-fake-relu]
                   [--tv X] [--alpha-norm X] [--alpha X]
                   [--backend ${ANY_NODE_BACKENDS.join('|')}] [--checkpoint-every N] [--shards N]
                   [--models-dir DIR]
  Writes DIR/manifest.json: one job per model x stage x reference x seed (--stages: names
  every model has; default all of each model's stages). References: each model's bundled
  ones (default), or every file of FOLDER the model takes (images: .png/.jpg/.jpeg, audio:
  .wav; .npy: raw values of the input shape). Each job's seed is derived from --seed and
  the job itself. The run settings are "metamer generate"'s and the page's, by the same rule
  (default the paper's 8 x 3000 steps; --steps N alone is one pass). Jobs save a checkpoint
  every --checkpoint-every steps (default: about 100 per run, as the page). --shards N is the
  default shard count for Kubernetes Indexed Jobs (JOB_COMPLETION_INDEX).`;

const IMAGE_EXT = ['.png', '.jpg', '.jpeg', '.npy'];
const AUDIO_EXT = ['.wav', '.npy'];

function folderReferences(folder: string, batchDir: string, manifest: ModelManifest): BatchReference[] {
  const want = manifest.inputSpec.modality === 'audio' ? AUDIO_EXT : IMAGE_EXT;
  return readdirSync(folder)
    .filter((f) => want.includes(extname(f).toLowerCase()) && statSync(join(folder, f)).isFile())
    .sort()
    .map((f) => ({ kind: 'file', path: relative(batchDir, resolve(folder, f)) || f, name: f.replace(/\.[^.]+$/, '') }));
}

export async function batchPlan(argv: string[], io: CliIo): Promise<number> {
  const { values } = parse(argv, {
    ...COMMON_OPTIONS,
    out: { type: 'string' },
    models: { type: 'string' },
    stages: { type: 'string' },
    references: { type: 'string' },
    'max-references': { type: 'string' },
    seeds: { type: 'string' },
    ...RUN_SETTING_OPTIONS,
    'checkpoint-every': { type: 'string' },
    shards: { type: 'string' },
  });
  if (values.help) {
    io.out(`Usage: ${PLAN_USAGE}\n`);
    return 0;
  }
  const out = resolve(requireString(values.out, 'out'));
  const modelIds = requireString(values.models, 'models').split(',').map((s) => s.trim()).filter(Boolean);
  const stagesArg = values.stages === undefined || values.stages === 'all' ? null : values.stages.split(',').map((s) => s.trim()).filter(Boolean);
  const refsArg = values.references ?? 'bundled';
  const maxRefs = values['max-references'] === undefined ? Infinity : intOption(values['max-references'], 'max-references', undefined, 1);
  const seeds = intOption(values.seeds, 'seeds', 1, 1);
  const batchSeed = intOption(values.seed, 'seed', 0);
  if (batchSeed > 0xffffffff) throw new UsageError('--seed must be below 2^32');
  // The page's and generate's settings, by the one recipe; each job adds its own seed.
  const { seed: _seed, ...run } = cliRunSettings({ ...values, seed: undefined });
  const budget = stepBudget(run);
  const total = totalSteps(budget);
  const note = budgetNote(run);
  if (note) io.err(`note: ${note}\n`);
  const checkpointEvery = intOption(values['checkpoint-every'], 'checkpoint-every', defaultCheckpointEvery(total), 0);
  const shards = values.shards === undefined ? null : intOption(values.shards, 'shards', undefined, 1);
  const backend = backendOption(values.backend);
  if (values['allow-software-gpu']) throw new UsageError('--allow-software-gpu does not apply to a batch: set METAMER_ALLOW_SOFTWARE_GPU=1 in the jobs\' environment to let --backend webgpu use a software device');
  const modelsDir = values['models-dir'] === undefined ? null : resolve(values['models-dir']);

  const unknown = modelIds.filter((m) => !BUILTIN_MODEL_IDS.includes(m) && modelsDir === null);
  if (unknown.length > 0) throw new UsageError(`unknown model${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (built-in: ${BUILTIN_MODEL_IDS.join(', ')})`);
  if (refsArg !== 'bundled' && !(existsSync(refsArg) && statSync(refsArg).isDirectory())) throw new UsageError(`--references ${refsArg}: not a folder (or "bundled")`);
  const source = nodeModelSource(modelsDir ?? undefined);
  const models: PlanModel[] = [];
  for (const id of modelIds) {
    const manifest = await readManifest(id, source);
    const all = manifest.stages.map((s) => s.name);
    const stages = stagesArg ?? all;
    for (const s of stages) if (!all.includes(s)) throw new UsageError(`model "${id}" has no stage "${s}" (stages: ${all.join(', ')})`);
    let references: BatchReference[] =
      refsArg === 'bundled'
        ? manifest.references.map((r, index) => ({ kind: 'bundled', index, label: r.label, path: r.path }))
        : folderReferences(refsArg, out, manifest);
    references = references.slice(0, maxRefs);
    if (references.length === 0) throw new UsageError(`model "${id}" gets no references from ${refsArg} (it takes ${manifest.inputSpec.modality} files)`);
    models.push({ id, stages, references });
  }
  const manifest = planBatch({
    models,
    seeds,
    batchSeed,
    shards,
    settings: {
      run,
      passes: budget.passes,
      itersPerPass: budget.itersPerPass,
      backend,
      checkpointEvery,
      modelsDir: modelsDir === null ? null : relative(out, modelsDir) || '.',
    },
  });
  mkdirSync(out, { recursive: true });
  const path = join(out, MANIFEST_FILE);
  if (existsSync(path)) throw new UsageError(`${path} exists: plan into a new folder (a plan is never overwritten under running jobs)`);
  writeFileAtomic(path, jsonText(manifest));
  io.err(`planned ${manifest.jobs.length} jobs (${models.map((m) => `${m.id}: ${m.stages.length} stages x ${m.references.length} references x ${seeds} seeds`).join('; ')}), ${total} steps each, in ${path}\n`);
  return 0;
}
