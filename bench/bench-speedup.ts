/**
 * `npm run bench -- --speedup`: every built-in model at its first and last stage, steps/s with
 * the fast gradient paths off ("before": the plain formulations) and on ("after"), alternating
 * within one run so that both see the same machine load. Rates are the difference of an N2-
 * and an N1-step run after a warm-up step (first-call set-up excluded).
 */
import { MetamerRun } from '../src/engine/metamer-run.ts';
import { makeRunConfig } from '../src/engine/presets.ts';
import { BUILTIN_MODEL_IDS, loadBuiltinModel, loadReference } from '../src/models/registry.ts';
import { nodeModelSource } from '../src/models/source-node.ts';
import { setFastGradients } from '../src/engine/fast-gradients.ts';
import { rateOf } from './bench-vs-torch.ts';

export interface SpeedupRow {
  model: string;
  stage: string;
  before: number[];
  after: number[];
}

/** Timed steps (N1, N2) for a model whose steps take about `secondsPerStep`. */
function stepsFor(secondsPerStep: number): [number, number] {
  if (secondsPerStep > 0.5) return [1, 2];
  if (secondsPerStep > 0.05) return [2, 6];
  return [10, 40];
}

export async function benchSpeedup(models: readonly string[], rounds: number): Promise<SpeedupRow[]> {
  const source = nodeModelSource();
  const rows: SpeedupRow[] = [];
  for (const id of models) {
    if (!BUILTIN_MODEL_IDS.includes(id)) throw new Error(`--models: unknown built-in model "${id}" (${BUILTIN_MODEL_IDS.join(', ')})`);
    const { manifest, model } = await loadBuiltinModel(id, source);
    const reference = await loadReference(manifest, source);
    const stages = [...new Set([model.stages[0], model.stages[model.stages.length - 1]])];
    try {
      for (const stage of stages) {
        const row: SpeedupRow = { model: id, stage, before: [], after: [] };
        // One run per setting, built with that setting (constants such as phase filters are cached per run).
        const runs = [false, true].map((fast) => {
          setFastGradients(fast);
          return new MetamerRun(model, reference, makeRunConfig(stage, { passes: 1, itersPerPass: 1_000_000 }));
        });
        try {
          setFastGradients(true);
          const t0 = performance.now();
          runs[1].stepOnce();
          const [n1, n2] = stepsFor((performance.now() - t0) / 1000);
          for (let r = 0; r < rounds; r++) {
            for (const fast of [false, true]) {
              setFastGradients(fast);
              const run = runs[fast ? 1 : 0];
              const rate = rateOf((n) => {
                for (let i = 0; i < n; i++) run.stepOnce();
              }, n1, n2);
              (fast ? row.after : row.before).push(rate);
            }
            console.error(`  ${id} ${stage} round ${r + 1}: before ${row.before.at(-1)!.toFixed(3)}, after ${row.after.at(-1)!.toFixed(3)} steps/s`);
          }
        } finally {
          for (const run of runs) run.dispose();
          setFastGradients(true);
        }
        rows.push(row);
      }
    } finally {
      reference.dispose();
      model.dispose();
    }
  }
  return rows;
}
