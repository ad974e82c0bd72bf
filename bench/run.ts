/**
 * `npm run bench`: optimizer steps/s of every built-in model at its first and last stage,
 * per tfjs backend available in Node (wasm, cpu), plus the cochleagram's forward and
 * forward+backward time per 2-s clip. Results go to bench/results.json and
 * bench/results.md. A benchmark, not a test: numbers depend on the machine.
 *
 * Options: --steps N (timed steps per case, default 5), --backends wasm,cpu (add webgpu for
 * WebGPU in Node through Dawn: the GPU, or with --allow-software-gpu a software device; its
 * rows name the adapter), --models a,b (default: every built-in model),
 * --cochleagram-backends wasm (backends on which the cochleagram and the audio models are
 * measured: the pure-JS cpu backend needs minutes per cochleagram pass; add cpu to measure it),
 * --browser webgpu|webgl|wasm|none (the cochleagram in headless Chromium; none skips it),
 * --merge (keep the rows of the existing results file for backends not measured in this run,
 * e.g. `--backends none --merge` adds the browser numbers to the Node ones).
 *
 * --vs-torch [--cases resnet96,alexnet224,cochleagram] [--rounds 3]: this project next to
 * PyTorch on the CPU, same weights, stage and loop (bench-vs-torch.ts; needs python3-torch).
 * --speedup [--models hmax,...] [--rounds 3]: built-in models with the fast gradient paths
 * off and on (bench-speedup.ts). Each mode rewrites its own section of the results files.
 */
import { parseArgs } from 'node:util';
import { existsSync, readFileSync } from 'node:fs';
import { ANY_NODE_BACKENDS, useNodeBackend, type AnyNodeBackend } from '../src/platform/tf-node.ts';
import { nodeGpuAdapter } from '../src/platform/webgpu-node.ts';
import { benchModels, type BenchRow } from './bench-models.ts';
import { benchCochleagram } from './bench-cochleagram.ts';
import { benchBrowserCochleagram } from './bench-browser.ts';
import { benchVsTorch, TORCH_CASES, type TorchCase } from './bench-vs-torch.ts';
import { machineMeta, versionsOf, writeResults, type BenchResults } from './results-file.ts';
import { benchSpeedup } from './bench-speedup.ts';
import { BUILTIN_MODEL_IDS } from '../src/models/registry.ts';
import * as tf from '@tensorflow/tfjs';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '5' },
    backends: { type: 'string', default: 'wasm,cpu' },
    'allow-software-gpu': { type: 'boolean', default: false },
    'cochleagram-backends': { type: 'string', default: 'wasm' },
    browser: { type: 'string', default: 'webgpu' },
    out: { type: 'string', default: 'bench/results' },
    merge: { type: 'boolean', default: false },
    'vs-torch': { type: 'boolean', default: false },
    cases: { type: 'string', default: TORCH_CASES.join(',') },
    rounds: { type: 'string', default: '3' },
    speedup: { type: 'boolean', default: false },
    models: { type: 'string', default: BUILTIN_MODEL_IDS.join(',') },
  },
});

const resultsFile = `${values.out}.json`;
const earlierResults: Partial<BenchResults> = existsSync(resultsFile) ? (JSON.parse(readFileSync(resultsFile, 'utf8')) as BenchResults) : {};

// --speedup: built-in models with the fast gradient paths off and on, side by side.
if (values.speedup) {
  await useNodeBackend('wasm');
  const models = values.models!.split(',').filter(Boolean);
  const speedRows = await benchSpeedup(models, Math.max(1, Number(values.rounds)));
  const kept = earlierResults.speedup?.rows.filter((r) => !models.includes(r.model)) ?? [];
  writeResults(values.out!, {
    ...earlierResults,
    speedup: { meta: { ...machineMeta(), tfjs: tf.version.tfjs, backend: 'wasm' }, rows: [...kept, ...speedRows] },
  } as BenchResults);
  process.exit(0);
}

// --vs-torch: only the side-by-side against PyTorch; the other sections of the results stay.
if (values['vs-torch']) {
  await useNodeBackend('wasm');
  const cases = values.cases!.split(',').filter(Boolean) as TorchCase[];
  for (const c of cases) if (!TORCH_CASES.includes(c)) throw new Error(`--cases: unknown case "${c}" (${TORCH_CASES.join(', ')})`);
  const { rows: vsRows, versions } = await benchVsTorch(cases, Math.max(1, Number(values.rounds)));
  const earlierVs = earlierResults.vsTorch?.rows.filter((r) => !cases.includes(r.case)) ?? [];
  writeResults(values.out!, {
    ...earlierResults,
    vsTorch: { meta: { ...machineMeta(), tfjs: tf.version.tfjs, backend: 'wasm', threads: 1, ...versionsOf(versions) }, rows: [...earlierVs, ...vsRows] },
  } as BenchResults);
  process.exit(0);
}

const steps = Number(values.steps);
const backends = values.backends!.split(',').filter((b) => b && b !== 'none') as AnyNodeBackend[];
for (const b of backends) if (!ANY_NODE_BACKENDS.includes(b)) throw new Error(`--backends: unknown backend "${b}" (${ANY_NODE_BACKENDS.join(', ')})`);
const modelIds = values.models!.split(',').filter(Boolean);
for (const id of modelIds) if (!BUILTIN_MODEL_IDS.includes(id)) throw new Error(`--models: unknown model "${id}" (${BUILTIN_MODEL_IDS.join(', ')})`);
const adapters: Record<string, string> = {};
const cochleagramBackends = values['cochleagram-backends']!.split(',');
const rows: BenchRow[] = [];

for (const backend of backends) {
  const tf = await useNodeBackend(backend, { allowSoftwareGpu: values['allow-software-gpu'] });
  // WebGPU rows name the adapter they ran on, like the browser rows.
  const adapter = backend === 'webgpu' ? await nodeGpuAdapter() : null;
  const label = adapter ? `node webgpu (${adapter.vendor} / ${adapter.architecture})` : backend;
  if (adapter) adapters[label] = `${adapter.vendor} ${adapter.architecture} (${adapter.description})${adapter.software ? ', software device' : ''}`;
  console.error(`# backend ${tf.getBackend()}${adapter ? ` on ${adapters[label]}` : ''}`);
  rows.push(...(await benchModels(label, steps, cochleagramBackends.includes(backend), modelIds)));
  if (cochleagramBackends.includes(backend)) {
    rows.push(...(await benchCochleagram(label, Math.max(2, Math.min(steps, 3)))));
  }
}

// The cochleagram in headless Chromium (WebGPU by default; --browser none to skip).
if (values.browser !== 'none') rows.push(...(await benchBrowserCochleagram(values.browser)));

// Rows of an earlier run for backends this run did not measure (--merge).
if (values.merge && earlierResults.rows) {
  const measured = new Set(rows.map((r) => r.backend));
  const kept = earlierResults.rows.filter((r) => !measured.has(r.backend));
  rows.unshift(...kept);
  for (const [label, adapter] of Object.entries(earlierResults.meta?.webgpuAdapters ?? {})) {
    if (kept.some((r) => r.backend === label)) adapters[label] = adapter;
  }
}

const webgpu = Object.keys(adapters).length > 0 ? { webgpuAdapters: adapters } : {};
writeResults(values.out!, { ...earlierResults, meta: { ...machineMeta(), stepsPerCase: steps, ...webgpu }, rows } as BenchResults);
