/**
 * Where one optimizer step's time goes, per tfjs kernel (tf.profile), on the wasm backend:
 *
 *   npx tsx bench/profile-step.ts MODEL STAGE [--input-spec FILE] [--reference FILE.npy] [--steps N]
 *
 * MODEL is a built-in id or a .onnx path (as the CLI's --model). Prints the kernels sorted by
 * total time over N profiled steps (after a warm-up step), with call counts, plus the new
 * tensors per step (tensor churn) and the whole step's wall time.
 */
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { useNodeBackend } from '../src/platform/tf-node.ts';
import { resolveModel } from '../src/cli/model-arg.ts';
import { MetamerRun } from '../src/engine/metamer-run.ts';
import { makeRunConfig } from '../src/engine/presets.ts';
import { loadReference } from '../src/models/registry.ts';
import { nodeModelSource } from '../src/models/source-node.ts';
import { parseNpy } from '../src/io/npy.ts';
import { setFastGradients } from '../src/engine/fast-gradients.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'input-spec': { type: 'string' },
    reference: { type: 'string' },
    steps: { type: 'string', default: '2' },
    slow: { type: 'boolean', default: false },
  },
});
const [modelArg, stage] = positionals;
await useNodeBackend('wasm');
if (values.slow) setFastGradients(false);
const loaded = await resolveModel(modelArg, { inputSpecFile: values['input-spec'], stages: modelArg.endsWith('.onnx') ? [stage] : undefined });
const { model, manifest } = loaded;
let reference: tf.Tensor;
if (values.reference) {
  const npy = parseNpy(readFileSync(values.reference));
  reference = tf.tensor(npy.data as Float32Array, npy.shape);
} else if (modelArg.endsWith('.onnx')) {
  reference = tf.randomUniform([1, ...model.inputSpec.shape], 0, 1, 'float32', 5);
} else {
  reference = await loadReference(manifest, nodeModelSource());
}
const run = new MetamerRun(model, reference, makeRunConfig(stage, { passes: 1, itersPerPass: 1_000_000 }));
run.stepOnce();
const steps = Number(values.steps);
const t0 = performance.now();
const info = await tf.profile(() => {
  for (let i = 0; i < steps; i++) run.stepOnce();
});
const wall = (performance.now() - t0) / steps;
const byKernel = new Map<string, { ms: number; calls: number }>();
const detail = process.env.PROFILE_SHAPES === '1';
for (const k of info.kernels) {
  const key = detail ? `${k.name} ${k.inputShapes.map((s) => `[${s}]`).join('')}->[${k.outputShapes[0]}]` : k.name;
  const e = byKernel.get(key) ?? { ms: 0, calls: 0 };
  e.ms += Number(k.kernelTimeMs) || 0;
  e.calls++;
  byKernel.set(key, e);
}
const total = [...byKernel.values()].reduce((a, b) => a + b.ms, 0);
console.log(`${modelArg} ${stage}: ${wall.toFixed(1)} ms/step (profiled), kernels ${(total / steps).toFixed(1)} ms/step, ${info.newTensors / steps} new tensors/step`);
for (const [name, e] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25)) {
  console.log(`  ${name.padEnd(detail ? 90 : 32)} ${(e.ms / steps).toFixed(2).padStart(9)} ms  ${(e.calls / steps).toFixed(0).padStart(5)} calls  ${((100 * e.ms) / total).toFixed(1)}%`);
}
run.dispose();
model.dispose();
reference.dispose();
