/**
 * Manual check (not in CI: the files are 100-250 MB) that full-size PyTorch exports import and
 * match onnxruntime-web, the way test/models/onnx-parity.test.ts checks the narrow fixtures:
 *
 *   /usr/bin/python3 scripts/models/onnx_fixtures/export.py --full     # -> /tmp/onnx-full
 *   npx tsx scripts/models/onnx_fixtures/check-full.ts [/tmp/onnx-full] [--backend wasm|cpu]
 *
 * For each <name>.onnx there: parse, probe shapes, discover stages, run the suggested stages
 * through the importer and through onnxruntime, and print each stage's relative L2 plus
 * onnxruntime vs torch on the logits and the wall time of each engine.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { parseNpy } from '../../../src/io/npy.ts';
import { parseOnnx } from '../../../src/models/onnx/onnx-parse.ts';
import { OnnxWeights, probeShapes, runOnnxGraph } from '../../../src/models/onnx/onnx-runner.ts';
import { detectArchitecture, discoverStages, suggestedStages } from '../../../src/models/import/stage-discovery.ts';
import { useNodeBackend, type NodeBackend } from '../../../src/platform/tf-node.ts';
import { runOnnxOracle } from '../../../test/models/onnx-oracle.ts';
import { relativeL2 } from '../../../test/audio/fixtures.ts';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const b = args.indexOf('--backend');
  const backend = (b >= 0 ? args.splice(b, 2)[1] : 'wasm') as NodeBackend;
  const dir = args[0] ?? '/tmp/onnx-full';
  await useNodeBackend(backend);
  const input = parseNpy(readFileSync(join(dir, 'image-224.input.npy')));
  let worstOverall = 0;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.onnx')).sort()) {
    const name = file.replace(/\.onnx$/, '');
    const bytes = readFileSync(join(dir, file));
    let t = performance.now();
    const graph = parseOnnx(bytes, file);
    const weights = new OnnxWeights(graph);
    const shapes = probeShapes(graph, input.shape, weights);
    const stages = suggestedStages(discoverStages(graph, shapes));
    const wanted = stages.map((s) => s.value);
    const prepare = performance.now() - t;
    t = performance.now();
    const x = tf.tensor(input.data, input.shape);
    const got = runOnnxGraph(graph, { [graph.inputs[0].name]: x }, wanted, { weights });
    const data = Object.fromEntries(wanted.map((w) => [w, got[w].dataSync()]));
    const tfjsMs = performance.now() - t;
    tf.dispose([x, ...Object.values(got)]);
    weights.dispose();
    t = performance.now();
    const oracle = await runOnnxOracle(bytes, { [graph.inputs[0].name]: { data: input.data, dims: input.shape } }, wanted);
    const ortMs = performance.now() - t;
    const torch = parseNpy(readFileSync(join(dir, `${name}.logits.npy`)));
    const logits = graph.outputs[0].name;
    console.log(
      `${name}: ${(bytes.length / 1e6).toFixed(1)} MB, architecture ${detectArchitecture(graph)}, ` +
        `parse+probe+discover ${(prepare / 1000).toFixed(1)} s, tfjs ${backend} ${(tfjsMs / 1000).toFixed(1)} s, ` +
        `onnxruntime ${(ortMs / 1000).toFixed(1)} s, onnxruntime vs torch logits ${relativeL2(oracle[logits].data, torch.data).toExponential(2)}`,
    );
    for (const s of stages) {
      const rel = relativeL2(data[s.value], oracle[s.value].data);
      worstOverall = Math.max(worstOverall, rel);
      console.log(`  ${s.name.padEnd(12)} [${s.shape.join(', ')}]`.padEnd(36) + `rel L2 vs onnxruntime ${rel.toExponential(2)}`);
    }
  }
  console.log(`worst stage relative L2: ${worstOverall.toExponential(2)} (bound 1e-4)`);
  if (!(worstOverall < 1e-4)) process.exitCode = 1;
}

await main();
