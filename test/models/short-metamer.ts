/**
 * Shared by the built-in model tests: a short metamer from the model's first bundled reference
 * (or a given one) at `stage`, judged by the paper's success test (three null criteria, plus the class when the
 * model has a readout), with the tensor count checked flat across steps.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { MetamerRun } from '../../src/engine/metamer-run.ts';
import { makeRunConfig } from '../../src/engine/presets.ts';
import { successTest } from '../../src/engine/verdict.ts';
import type { RunConfig, Verdict } from '../../src/engine/types.ts';
import type { LoadedModel, ModelSource } from '../../src/models/manifest.ts';
import { loadReference } from '../../src/models/registry.ts';

export async function shortMetamerVerdict(loaded: LoadedModel, source: ModelSource, stage: string,
  budget: Partial<RunConfig> & { passes: number; itersPerPass: number },
  /** Another reference [1, ...shape] than the model's first bundled one (disposed here). */
  reference?: tf.Tensor): Promise<Verdict> {
  const { manifest, model, nullDistribution } = loaded;
  const ref = reference ?? (await loadReference(manifest, source, 0));
  const config = makeRunConfig(stage, { eta0: 1, ...budget, seed: 1, metricsEvery: 0, snapshotEvery: 0 });
  const run = new MetamerRun(model, ref, config);
  run.stepOnce();
  const afterFirst = tf.memory().numTensors;
  while (!run.finished) run.stepOnce();
  expect(tf.memory().numTensors).toBe(afterFirst);
  const metrics = (await run.measure([stage]))[stage];
  const x = run.current();
  let referenceClass: string | undefined;
  let metamerClass: string | undefined;
  if (model.readout) {
    const cls = async (input: tf.Tensor) => {
      const logits = model.readout!.logits(input);
      const index = (await logits.argMax(1).data())[0];
      logits.dispose();
      return model.readout!.labels[index];
    };
    referenceClass = await cls(ref);
    metamerClass = await cls(x);
  }
  tf.dispose([x, ref]);
  run.dispose();
  return successTest({ stage, metrics, nullDist: nullDistribution!, referenceClass, metamerClass });
}
