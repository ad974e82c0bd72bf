/**
 * Optimizer steps/s for every built-in model at its first and last stage on the current
 * tfjs backend (any, WebGPU in Node included). The first step (kernel set-up, shader
 * compilation) is excluded.
 */
import { timeSteps } from './time-steps.ts';
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
export async function benchModels(backend: string, steps: number, includeAudio = true, ids: readonly string[] = BUILTIN_MODEL_IDS): Promise<BenchRow[]> {
  const source = nodeModelSource();
  const rows: BenchRow[] = [];
  for (const id of ids) {
    const { manifest, model } = await loadBuiltinModel(id, source);
    if (manifest.inputSpec.modality === 'audio' && !includeAudio) {
      model.dispose();
      continue;
    }
    const reference = await loadReference(manifest, source);
    const stages = [...new Set([model.stages[0], model.stages[model.stages.length - 1]])];
    for (const stage of stages) {
      const { stepsPerSecond } = await timeSteps(model, reference, stage, steps);
      rows.push({ backend, case: `${id} optimizer`, stage, value: stepsPerSecond, unit: 'steps/s' });
      console.error(`  ${id} ${stage}: ${stepsPerSecond.toFixed(3)} steps/s`);
    }
    reference.dispose();
    model.dispose();
  }
  return rows;
}
