/**
 * Optimizer steps/s for every built-in model at its first and last stage on the current
 * tfjs backend. The first step (kernel set-up, shader compilation) is excluded.
 */
import { MetamerRun } from '../src/engine/metamer-run.ts';
import { makeRunConfig } from '../src/engine/presets.ts';
import { BUILTIN_MODEL_IDS, loadBuiltinModel, loadReference } from '../src/models/registry.ts';
import { nodeModelSource } from '../src/models/source-node.ts';

export interface BenchRow {
  backend: string;
  case: string;
  stage?: string;
  value: number;
  unit: string;
}

/** includeAudio: audio models run the cochleagram, minutes per step on the pure-JS cpu backend. */
export async function benchModels(backend: string, steps: number, includeAudio = true): Promise<BenchRow[]> {
  const source = nodeModelSource();
  const rows: BenchRow[] = [];
  for (const id of BUILTIN_MODEL_IDS) {
    const { manifest, model } = await loadBuiltinModel(id, source);
    if (manifest.inputSpec.modality === 'audio' && !includeAudio) {
      model.dispose();
      continue;
    }
    const reference = await loadReference(manifest, source);
    const stages = [...new Set([model.stages[0], model.stages[model.stages.length - 1]])];
    for (const stage of stages) {
      const run = new MetamerRun(model, reference, makeRunConfig(stage, { passes: 1, itersPerPass: steps + 1 }));
      run.stepOnce(); // warm-up: kernel compilation is not optimisation time
      const t0 = performance.now();
      for (let i = 0; i < steps; i++) run.stepOnce();
      const seconds = (performance.now() - t0) / 1000;
      run.dispose();
      rows.push({ backend, case: `${id} optimizer`, stage, value: steps / seconds, unit: 'steps/s' });
      console.error(`  ${id} ${stage}: ${(steps / seconds).toFixed(3)} steps/s`);
    }
    reference.dispose();
    model.dispose();
  }
  return rows;
}
