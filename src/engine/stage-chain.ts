/**
 * Batched forward passes for all-stages runs (issue 11 part 3). A model whose stages form a
 * chain (each stage computed from the previous stage's state, nothing else) describes itself
 * as a StageChain; forwardChainEach then runs a batch of images, image b up to ITS OWN stage
 * only: the images are ordered shallow to deep, and after each stage the images that stop
 * there leave the batch. So a batch costs what the separate runs cost, in one pass (fewer,
 * larger kernels), and each image gets the fake ReLU at its own stage only.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * A model as a chain of blocks. The state is a list of tensors whose first axis is the batch
 * (HMAX keeps one map per scale; a conv net one tensor).
 */
export interface StageChain {
  /** Ordered shallow to deep; block k ends at stage k. */
  readonly stages: readonly string[];
  /**
   * Block k: the state after stage k-1 (the normalised input [B, ...] as [x] for k = 0) to
   * the state after stage k. fake[b]: image b gets the fake ReLU at this stage's ReLU (if the
   * stage ends in one). Runs inside a tidy.
   */
  block(k: number, state: tf.Tensor[], fake: readonly boolean[]): tf.Tensor[];
  /** Stage k's activation [B, ...stageShape] from the state after block k. */
  read(k: number, state: tf.Tensor[]): tf.Tensor;
}

/** The stage index of each image; throws unless they are known and ordered shallow to deep. */
export function chainDepths(stages: readonly string[], stageOf: readonly string[]): number[] {
  const depths = stageOf.map((s) => {
    const k = stages.indexOf(s);
    if (k < 0) throw new Error(`Unknown stage "${s}"; this model has: ${stages.join(', ')}`);
    return k;
  });
  for (let b = 1; b < depths.length; b++) {
    if (depths[b] < depths[b - 1]) {
      throw new Error(`A batched forward needs its images ordered shallow to deep; got [${stageOf.join(', ')}]`);
    }
  }
  return depths;
}

/** The first `count` rows of a batch-first tensor and the rest (one split: its gradient is one concat). */
function splitRows(t: tf.Tensor, count: number): [tf.Tensor, tf.Tensor | null] {
  if (count === t.shape[0]) return [t, null];
  const [head, tail] = tf.split(t, [count, t.shape[0] - count], 0);
  return [head, tail];
}

/**
 * Image b's activation at stageOf[b], as [1, ...stageShape] each, from a batch x [B, ...]
 * (already normalised). Differentiable w.r.t. x; call inside a tidy.
 */
export function forwardChainEach(chain: StageChain, x: tf.Tensor, stageOf: readonly string[], fakeRelu: boolean): tf.Tensor[] {
  const depths = chainDepths(chain.stages, stageOf);
  if (x.shape[0] !== depths.length) throw new Error(`A batch of ${x.shape[0]} inputs for ${depths.length} stages`);
  const out: tf.Tensor[] = new Array(depths.length);
  let state: tf.Tensor[] = [x];
  let first = 0; // index of the first image still in the batch
  const deepest = depths.length === 0 ? -1 : depths[depths.length - 1];
  for (let k = 0; k <= deepest; k++) {
    const fake = depths.slice(first).map((d) => fakeRelu && d === k);
    state = chain.block(k, state, fake);
    let stop = first;
    while (stop < depths.length && depths[stop] === k) stop++;
    if (stop === first) continue;
    // The images that end here leave the batch: their rows of the state give their activations.
    const parts = state.map((t) => splitRows(t, stop - first));
    const acts = chain.read(k, parts.map((p) => p[0]));
    const each = stop - first === 1 ? [acts] : tf.split(acts, stop - first, 0);
    for (let b = first; b < stop; b++) out[b] = each[b - first];
    state = parts.map((p) => p[1]).filter((t): t is tf.Tensor => t !== null);
    first = stop;
  }
  return out;
}
