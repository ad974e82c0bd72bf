/**
 * The pieces of one metamer step that a single run (MetamerRun) and an all-stages batch
 * (BatchedMetamerRun) share, so both take exactly the same operations (spec section 2):
 * the stage loss, the normalized-gd or Adam update with the clamp, the step's schedule
 * context, the NaN/Inf verdict and the metrics of an iterate against the reference.
 */
import * as tf from '@tensorflow/tfjs';
import { iterInPassOf, passOf } from './eta-schedule.ts';
import { relativeL2Loss } from './loss.ts';
import { stageMetrics } from './metrics.ts';
import { usesRegularizers } from './presets.ts';
import type { Rng } from './random.ts';
import { regularizedLoss } from './regularizers.ts';
import { normalizeInput } from './staged-model.ts';
import type { EngineEvent, InputSpec, MetricSet, RunConfig, StagedModel, StepContext } from './types.ts';

export const ADAM_BETA1 = 0.9;
export const ADAM_BETA2 = 0.999;
export const ADAM_EPSILON = 1e-8;
/** Added to ||g|| in the normalized step (spec section 2). */
export const GRAD_NORM_EPSILON = 1e-10;

/** The StepContext of step `step`, drawing from the run's schedule random stream. */
export function stepContext(step: number, itersPerPass: number, rng: Rng): StepContext {
  return {
    step,
    pass: passOf(step, itersPerPass),
    iterInPass: iterInPassOf(step, itersPerPass),
    itersPerPass,
    random: () => rng.uniform(),
  };
}

/** The loss at `stage` from its activations A (reference) and Ap (at x): spec section 2, or the regularised loss. */
export function stageLoss(
  inputSpec: InputSpec,
  config: RunConfig,
  stage: string,
  A: tf.Tensor,
  Ap: tf.Tensor,
  x: tf.Tensor,
  mask: tf.Tensor | null,
): tf.Scalar {
  if (A.shape.length !== Ap.shape.length || A.shape.some((d, i) => d !== Ap.shape[i])) {
    throw new Error(`Stage "${stage}" changed shape: [${A.shape}] for the reference, [${Ap.shape}] now`);
  }
  if (usesRegularizers(config)) {
    return regularizedLoss(A, Ap, normalizeInput(x, inputSpec), config.regularizers, mask);
  }
  return relativeL2Loss(A, Ap, mask);
}

/** The new iterate (and Adam moments) of one image, with ||g|| and a NaN/Inf flag to read back. */
export interface UpdatedIterate {
  x: tf.Tensor;
  m: tf.Tensor | null;
  v: tf.Tensor | null;
  /** ||g||_2, a scalar. */
  gnorm: tf.Tensor;
  /** 1 if the new iterate has a NaN/Inf, else 0 (a scalar). */
  bad: tf.Tensor;
}

/**
 * One optimizer update of x by its gradient at 0-based step `step` with step size eta, clamped
 * to `range`. Call inside a tidy; m and v are the Adam moments (optimizer 'adam' only).
 */
export function updateIterate(
  config: RunConfig,
  x: tf.Tensor,
  grad: tf.Tensor,
  moments: { m: tf.Tensor | null; v: tf.Tensor | null },
  step: number,
  eta: number,
  range: readonly [number, number],
): UpdatedIterate {
  // ||g||_2, scaled by max|g| so that tiny or huge gradients neither underflow nor overflow.
  const gmax = tf.max(tf.abs(grad));
  const gscale = tf.where(tf.greater(gmax, 0), gmax, tf.onesLike(gmax));
  const gnorm = tf.mul(gscale, tf.sqrt(tf.sum(tf.square(tf.div(grad, gscale)))));
  let xNew: tf.Tensor;
  let m: tf.Tensor | null = null;
  let v: tf.Tensor | null = null;
  if (config.optimizer === 'adam') {
    const t = step + 1;
    m = tf.add(tf.mul(ADAM_BETA1, moments.m!), tf.mul(1 - ADAM_BETA1, grad));
    v = tf.add(tf.mul(ADAM_BETA2, moments.v!), tf.mul(1 - ADAM_BETA2, tf.square(grad)));
    const mHat = tf.div(m, 1 - ADAM_BETA1 ** t);
    const vHat = tf.div(v, 1 - ADAM_BETA2 ** t);
    xNew = tf.sub(x, tf.mul(eta, tf.div(mHat, tf.add(tf.sqrt(vHat), ADAM_EPSILON))));
  } else {
    xNew = tf.sub(x, tf.mul(grad, tf.div(eta, tf.add(gnorm, GRAD_NORM_EPSILON))));
  }
  xNew = tf.clipByValue(xNew, range[0], range[1]);
  const bad = tf.logicalNot(tf.all(tf.isFinite(xNew))).toFloat();
  return { x: xNew, m, v, gnorm, bad };
}

/** Why a step's read-back values end the run (a NaN/Inf loss, gradient or iterate), or null. */
export function stepProblem(loss: number, gradNorm: number, bad: number, step: number, stage: string): string | null {
  if (!Number.isFinite(loss)) {
    return (
      `Loss became ${loss} at step ${step}: the model's activations at stage "${stage}" ` +
      'or the loss are not finite for the current input'
    );
  }
  if (!Number.isFinite(gradNorm)) {
    return `Gradient became ${gradNorm} at step ${step} (loss ${loss}): the model's backward pass is not finite`;
  }
  if (bad !== 0) return `Input became NaN/Inf at step ${step} (loss ${loss}, gradient norm ${gradNorm})`;
  return null;
}

/**
 * Metrics of the iterate x against the reference at `stages` (in model order). Reference
 * activations missing from refActs are computed in one forward pass and added to it.
 */
export async function iterateMetrics(
  model: StagedModel,
  reference: tf.Tensor,
  refActs: Record<string, tf.Tensor>,
  x: tf.Tensor,
  stages: readonly string[],
): Promise<Record<string, MetricSet>> {
  const missing = stages.filter((s) => !refActs[s]);
  if (missing.length > 0) {
    const acts = tf.tidy(() => model.forward(reference, missing));
    for (const s of missing) refActs[s] = acts[s];
  }
  const acts = tf.tidy(() => model.forward(x, stages));
  try {
    const out: Record<string, MetricSet> = {};
    for (const s of stages) out[s] = await stageMetrics(refActs[s], acts[s]);
    return out;
  } finally {
    for (const t of Object.values(acts)) t.dispose();
  }
}

/** A 'snapshot' event of the iterate x at `step`; shape is [1, ...inputShape]. */
export async function snapshotEvent(x: tf.Tensor, step: number, shape: readonly number[]): Promise<EngineEvent> {
  const data = (await x.data()) as Float32Array;
  // A copy: backends may hand out their own storage, and the receiver may transfer the buffer.
  return { type: 'snapshot', step, shape: shape.slice(1), data: new Float32Array(data) };
}
