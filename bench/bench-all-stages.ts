/**
 * All stages in one pass (issue 11 part 3): the time of `steps` optimizer steps of every
 * stage of a model, batched (BatchedMetamerRun: one pass for all stages) against one stage
 * after another (a MetamerRun per stage), measured side by side in one process, step by step
 * interleaved. The ratio is
 * sequential time / batched time (> 1: the batch is faster), the median over the rounds. First steps (kernel set-up,
 * shader compilation) are excluded from both. Models without a batched forward are listed as
 * sequential (they run that way).
 */
import { BatchedMetamerRun } from '../src/engine/batched-metamer-run.ts';
import { MetamerRun } from '../src/engine/metamer-run.ts';
import { makeRunConfig } from '../src/engine/presets.ts';
import { BUILTIN_MODEL_IDS, loadBuiltinModel, loadReference } from '../src/models/registry.ts';
import { nodeModelSource } from '../src/models/source-node.ts';
import type { BenchRow } from './bench-models.ts';

function median(xs: number[]): number {
  const sorted = xs.slice().sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** User + system CPU seconds of this process (all its threads). */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Timed steps: at least `steps`, and for fast models enough for this much batched time. */
const MIN_SECONDS = 4;
const MAX_STEPS = 200;

export async function benchAllStages(backend: string, steps: number, ids: readonly string[] = BUILTIN_MODEL_IDS): Promise<BenchRow[]> {
  const source = nodeModelSource();
  const rows: BenchRow[] = [];
  for (const id of ids) {
    const { manifest, model } = await loadBuiltinModel(id, source);
    const stages = model.stages;
    if (!model.forwardEach) {
      console.error(`  ${id}: no batched forward (runs its stages one after another)`);
      rows.push({ backend, case: `${id} all stages: batched / sequential`, stage: `${stages.length} stages`, value: 1, unit: 'x (sequential fallback)' });
      model.dispose();
      continue;
    }
    const reference = await loadReference(manifest, source);
    const config = makeRunConfig(stages[0], { passes: 1, itersPerPass: MAX_STEPS + steps + 2, metricsEvery: 0, snapshotEvery: 0 });

    // Interleaved (a batched step, then one step of each separate run, repeated), so that a
    // change in the machine's load during the measurement hits both sides alike.
    const runs = stages.map((stage) => new MetamerRun(model, reference, { ...config, stage }));
    // itersPerPass covers the warm-up, the probe and the timed steps (one pass: eta stays 1).
    const batch = new BatchedMetamerRun(model, reference, config, stages);
    let sequential = 0;
    let batched = 0;
    let timed = steps;
    /** Per round (one batched step, then one step of each run): separate time / batched time. */
    const rounds: number[] = [];
    /** The same with the process's CPU time (user + system), which other processes' load hardly changes. */
    const cpuRounds: number[] = [];
    try {
      batch.stepOnce(); // warm-up: kernel set-up is not optimisation time
      for (const run of runs) run.stepOnce();
      // Small models: enough steps for about MIN_SECONDS of batched time (timer noise), at most MAX_STEPS.
      const probe = performance.now();
      batch.stepOnce();
      const perStep = (performance.now() - probe) / 1000;
      for (const run of runs) run.stepOnce();
      timed = Math.min(MAX_STEPS, Math.max(steps, Math.ceil(MIN_SECONDS / Math.max(perStep, 1e-6))));
      for (let i = 0; i < timed; i++) {
        let t0 = performance.now();
        let c0 = cpuSeconds();
        batch.stepOnce();
        const b = (performance.now() - t0) / 1000;
        const cb = cpuSeconds() - c0;
        t0 = performance.now();
        c0 = cpuSeconds();
        for (const run of runs) run.stepOnce();
        const q = (performance.now() - t0) / 1000;
        const cq = cpuSeconds() - c0;
        batched += b;
        sequential += q;
        rounds.push(q / b);
        cpuRounds.push(cq / cb);
      }
    } finally {
      batch.dispose();
      for (const run of runs) run.dispose();
    }

    // The median round: robust to load spikes of a shared machine hitting one side of a round.
    const ratio = median(rounds);
    const cpuRatio = median(cpuRounds);
    console.error(`  ${id}: ${stages.length} stages x ${timed} steps: sequential ${sequential.toFixed(2)} s, batched ${batched.toFixed(2)} s, median round ratio ${ratio.toFixed(2)} wall, ${cpuRatio.toFixed(2)} CPU time (total ${(sequential / batched).toFixed(2)})`);
    const stageLabel = `${stages.length} stages`;
    rows.push(
      { backend, case: `${id} all stages, one after another (per step of all stages)`, stage: stageLabel, value: (sequential / timed) * 1000, unit: 'ms' },
      { backend, case: `${id} all stages, batched (per step of all stages)`, stage: stageLabel, value: (batched / timed) * 1000, unit: 'ms' },
      { backend, case: `${id} all stages: sequential / batched wall time (median of ${timed} interleaved rounds)`, stage: stageLabel, value: ratio, unit: 'x' },
      { backend, case: `${id} all stages: sequential / batched CPU time (median of ${timed} interleaved rounds)`, stage: stageLabel, value: cpuRatio, unit: 'x' },
    );
    reference.dispose();
    model.dispose();
  }
  return rows;
}
