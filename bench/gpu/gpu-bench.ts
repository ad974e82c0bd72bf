/**
 * The project's side of the GPU benchmark (bench/gpu/): the metamer loop on WebGPU in Node,
 * bundled by pack.ts into one script that runs on the GPU machine with the packed Node.
 *
 *   node bench.mjs --models-dir DIR --onnx-dir DIR --out webgpu.json [--steps N] [--warmup N]
 *                  [--models a,b] [--allow-software-gpu] [--cochleagram-repeats N]
 *
 * Measures optimizer steps/s at the first and last stage of every built-in model found in
 * --models-dir, of every ONNX model listed in --onnx-dir/index.json (written by torch_bench.py:
 * the same weights PyTorch times), and the cochleagram's forward and forward+backward time.
 * Every case runs on its own; a failing case is recorded with its error and the rest go on.
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cpus } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { useNodeBackend } from '../../src/platform/tf-node.ts';
import { describeAdapter, nodeGpuAdapter, takeUncapturedWebGpuErrors } from '../../src/platform/webgpu-node.ts';
import { BUILTIN_MODEL_IDS, loadBuiltinModel, loadReference } from '../../src/models/registry.ts';
import { nodeModelSource } from '../../src/models/source-node.ts';
import { resolveModel } from '../../src/cli/model-arg.ts';
import { Rng } from '../../src/engine/random.ts';
import { timeSteps } from '../time-steps.ts';
import { benchCochleagram } from '../bench-cochleagram.ts';
import type { StagedModel } from '../../src/engine/types.ts';

/** One ONNX model exported by torch_bench.py, with the stages both sides time. */
export interface OnnxEntry {
  name: string;
  file: string;
  inputSpec: string;
  stages: string[];
  description: string;
}

export interface GpuRow {
  case: string;
  model?: string;
  stage?: string;
  stepsPerSecond?: number;
  ms?: number;
  /** Wall time of the warm-up steps (shader compilation included). */
  warmupMs?: number;
  error?: string;
}

const { values } = parseArgs({
  options: {
    'models-dir': { type: 'string' },
    'onnx-dir': { type: 'string' },
    out: { type: 'string', default: 'webgpu.json' },
    steps: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '3' },
    models: { type: 'string' },
    'allow-software-gpu': { type: 'boolean', default: false },
    'cochleagram-repeats': { type: 'string', default: '10' },
  },
});
const steps = Number(values.steps);
const warmup = Number(values.warmup);
const rows: GpuRow[] = [];

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Throws when WebGPU reported an error during the case: its numbers would be meaningless. */
function checkWebGpuErrors(): void {
  const errors = takeUncapturedWebGpuErrors();
  if (errors.length > 0) throw new Error(`WebGPU error: ${errors[0].split('\n')[0]}${errors.length > 1 ? ` (+${errors.length - 1} more)` : ''}`);
}

async function stageRows(label: string, model: StagedModel, reference: tf.Tensor, stages: string[]): Promise<void> {
  for (const stage of stages) {
    try {
      takeUncapturedWebGpuErrors();
      const t = await timeSteps(model, reference, stage, steps, warmup);
      checkWebGpuErrors();
      rows.push({ case: 'optimizer', model: label, stage, stepsPerSecond: t.stepsPerSecond, warmupMs: t.warmupMs });
      log(`  ${label} ${stage}: ${t.stepsPerSecond.toFixed(2)} steps/s (warm-up ${(t.warmupMs / 1000).toFixed(1)} s)`);
    } catch (e) {
      rows.push({ case: 'optimizer', model: label, stage, error: (e as Error).message });
      log(`  ${label} ${stage}: FAILED ${(e as Error).message}`);
    }
  }
}

const tfjs = await useNodeBackend('webgpu', { allowSoftwareGpu: values['allow-software-gpu'] });
const adapter = (await nodeGpuAdapter())!;
log(`# WebGPU in Node on ${describeAdapter(adapter)}; tfjs ${tfjs.version.tfjs}`);

// Built-in models: the first and the last stage, from the bundled reference.
if (values['models-dir']) {
  const source = nodeModelSource(values['models-dir']);
  const ids = values.models ? values.models.split(',') : BUILTIN_MODEL_IDS.filter((id) => existsSync(join(values['models-dir']!, id, 'manifest.json')));
  for (const id of ids) {
    let model: StagedModel | undefined;
    let reference: tf.Tensor | undefined;
    try {
      const loaded = await loadBuiltinModel(id, source);
      model = loaded.model;
      reference = await loadReference(loaded.manifest, source);
      await stageRows(id, model, reference, [...new Set([model.stages[0], model.stages[model.stages.length - 1]])]);
    } catch (e) {
      rows.push({ case: 'optimizer', model: id, error: (e as Error).message });
      log(`  ${id}: FAILED ${(e as Error).message}`);
    } finally {
      reference?.dispose();
      model?.dispose();
    }
  }
}

// ONNX exports of PyTorch models (same weights as the PyTorch side), from a seeded image.
if (values['onnx-dir']) {
  const entries = JSON.parse(readFileSync(join(values['onnx-dir'], 'index.json'), 'utf8')) as OnnxEntry[];
  for (const entry of entries) {
    let model: StagedModel | undefined;
    let reference: tf.Tensor | undefined;
    try {
      const t0 = performance.now();
      const loaded = await resolveModel(join(values['onnx-dir'], entry.file), {
        inputSpecFile: join(values['onnx-dir'], entry.inputSpec),
        stages: entry.stages,
      });
      model = loaded.model;
      log(`  ${entry.name}: imported in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      const spec = model.inputSpec;
      const [lo, hi] = spec.range;
      const size = spec.shape.reduce((a, b) => a * b, 1);
      const image = new Rng(11).normalArray(size, (lo + hi) / 2, (hi - lo) / 4).map((v) => Math.min(hi, Math.max(lo, v)));
      reference = tf.tensor(image, [1, ...spec.shape]);
      await stageRows(entry.name, model, reference, entry.stages);
    } catch (e) {
      rows.push({ case: 'optimizer', model: entry.name, error: (e as Error).message });
      log(`  ${entry.name}: FAILED ${(e as Error).message}`);
    } finally {
      reference?.dispose();
      model?.dispose();
    }
  }
}

// The cochleagram of a 2-s clip, forward and forward+backward.
const repeats = Number(values['cochleagram-repeats']);
if (repeats > 0) {
  try {
    takeUncapturedWebGpuErrors();
    const coch = await benchCochleagram('webgpu', repeats);
    checkWebGpuErrors();
    for (const r of coch) {
      rows.push({ case: r.case.includes('backward') ? 'cochleagram forward+backward' : 'cochleagram forward', ms: r.value });
    }
  } catch (e) {
    rows.push({ case: 'cochleagram', error: (e as Error).message });
    log(`  cochleagram: FAILED ${(e as Error).message}`);
  }
}

const result = {
  side: 'webgpu',
  date: new Date().toISOString(),
  node: process.version,
  tfjs: tfjs.version.tfjs,
  adapter,
  cpu: cpus()[0]?.model ?? 'unknown',
  steps,
  warmup,
  rows,
};
writeFileSync(values.out!, `${JSON.stringify(result, null, 2)}\n`);
log(`wrote ${values.out}`);
process.exit(0); // Dawn's device must not keep a time-limited GPU session waiting
