/**
 * `npm run soak`: a 24000-step run (the paper's budget, 8 passes x 3000) of fmnist-alexnet at
 * relu2 on the wasm backend, with metrics at every stage and a snapshot every 1000 steps,
 * sampling tf.memory() and process memory every 500 steps. Writes bench/soak-results.json
 * and bench/soak-results.md and exits 1 when memory is not flat:
 * - tensors: the same count and bytes at every sample, and none left after disposal;
 * - process memory: after the first pass, the least-squares growth of rss and of the heap
 *   (after a forced GC: node --expose-gc) extrapolated over 24000 steps stays under 32 MB.
 *
 *   npm run soak [-- --steps-per-pass 3000 --passes 8 --backend wasm]
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cpus } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { useNodeBackend, type NodeBackend } from '../src/platform/tf-node.ts';
import { slope, soak, type SoakSample } from './soak-core.ts';

const { values } = parseArgs({ options: { passes: { type: 'string' }, 'steps-per-pass': { type: 'string' }, backend: { type: 'string' }, model: { type: 'string' }, stage: { type: 'string' } } });
const passes = Number(values.passes ?? 8);
const itersPerPass = Number(values['steps-per-pass'] ?? 3000);
const backend = (values.backend ?? 'wasm') as NodeBackend;
const modelId = values.model ?? 'fmnist-alexnet';
const stage = values.stage ?? 'relu2';
const LIMIT_MB = 32;

await useNodeBackend(backend);
const hasGc = typeof (globalThis as { gc?: unknown }).gc === 'function';
console.error(`soak: ${modelId} ${stage}, ${passes} x ${itersPerPass} steps on ${tf.getBackend()}${hasGc ? '' : ' (no --expose-gc: heap numbers include garbage)'}`);
const result = await soak({
  modelId, stage, passes, itersPerPass, sampleEvery: 500, metricsEvery: 1000,
  onSample: (s) => console.error(`  step ${s.step}: ${s.numTensors} tensors (${s.tensorBytes} B), rss ${s.rssMB.toFixed(1)} MB, heap ${s.heapUsedMB.toFixed(1)} MB`),
});

const first = result.samples[0];
const afterWarmup = result.samples.filter((s) => s.step > itersPerPass);
const growth = (pick: (s: SoakSample) => number) => slope(afterWarmup.map((s) => s.step), afterWarmup.map(pick)) * result.steps;
const checks = {
  tensorsFlat: result.samples.every((s) => s.numTensors === first.numTensors && s.tensorBytes === first.tensorBytes),
  tensorsReleased: result.tensorsAfter === result.tensorsBefore,
  rssGrowthMBPer24k: growth((s) => s.rssMB),
  heapGrowthMBPer24k: growth((s) => s.heapUsedMB),
};
const pass = checks.tensorsFlat && checks.tensorsReleased && Math.abs(checks.rssGrowthMBPer24k) < LIMIT_MB && Math.abs(checks.heapGrowthMBPer24k) < LIMIT_MB;
const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, tfjs: tf.version.tfjs, backend: tf.getBackend(), gc: hasGc };
const report = { model: modelId, stage, passes, itersPerPass, steps: result.steps, seconds: result.seconds, finalLoss: result.finalLoss, limitMB: LIMIT_MB, pass, checks, machine, date: new Date().toISOString(), samples: result.samples };
const dir = import.meta.dirname;
writeFileSync(join(dir, 'soak-results.json'), `${JSON.stringify(report, null, 1)}\n`);
const rows = result.samples.map((s) => `| ${s.step} | ${s.numTensors} | ${s.tensorBytes} | ${s.rssMB.toFixed(1)} | ${s.heapUsedMB.toFixed(1)} | ${s.externalMB.toFixed(1)} |`);
writeFileSync(join(dir, 'soak-results.md'), `# Soak check (npm run soak)

${result.steps} steps (${passes} passes x ${itersPerPass}) of \`${modelId}\` at \`${stage}\` on ${machine.backend}, metrics at every stage and a snapshot every 1000 steps,
in ${result.seconds.toFixed(0)} s (${(result.steps / result.seconds).toFixed(0)} steps/s); final loss ${result.finalLoss.toExponential(3)}.
Machine: ${machine.cpus} cores (${machine.cpu}), Node ${machine.node}, tfjs ${machine.tfjs}, forced GC before samples: ${hasGc}.

**${pass ? 'PASS' : 'FAIL'}**: tensors flat at every sample: ${checks.tensorsFlat} (${first.numTensors} tensors, ${first.tensorBytes} bytes); all released at the end: ${checks.tensorsReleased};
growth after the first pass, extrapolated to ${result.steps} steps: rss ${checks.rssGrowthMBPer24k.toFixed(1)} MB, heap ${checks.heapGrowthMBPer24k.toFixed(1)} MB (limit ${LIMIT_MB} MB).

| step | tensors | tensor bytes | rss MB | heap MB | external MB |
|---|---|---|---|---|---|
${rows.join('\n')}
`);
console.error(`soak: ${pass ? 'PASS' : 'FAIL'}; wrote bench/soak-results.{json,md}`);
process.exit(pass ? 0 : 1);
