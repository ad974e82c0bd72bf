/**
 * The engine's shared vocabulary: the staged-model contract, run configuration,
 * and the typed events a run emits. Pure types: no tfjs kernels run here, no DOM.
 *
 * Conventions
 * - Tensors passed to and from a StagedModel carry a leading batch dimension of 1.
 * - Inputs are *raw* stimuli in the model's valid range (e.g. images in [0,1]);
 *   normalisation is the model's job, inside the differentiable graph.
 */
import type * as tf from '@tensorflow/tfjs';

export type Modality = 'image' | 'audio';

/** Per-channel (x - mean) / std, applied inside the model's graph after the clamp. */
export interface ChannelNormalization {
  mean: number[];
  std: number[];
}

/** Gaussian noise the optimisation starts from, clamped to the input range afterwards. */
export interface NoiseInit {
  mean: number;
  std: number;
}

export interface InputSpec {
  modality: Modality;
  /** Shape without the batch dimension: [H, W, C] for images, [samples] for audio. */
  shape: number[];
  /** Valid raw value range; every optimizer step clamps to it. */
  range: [number, number];
  normalization?: ChannelNormalization;
  /** Seeded noise initialisation (spec section 2: image N(0.5, 0.05^2), audio N(0, 1e-14), ...). */
  init: NoiseInit;
  /** Audio only: samples per second. */
  sampleRate?: number;
}

export interface ForwardOptions {
  /**
   * Stage whose ReLU gets the identity backward pass ("fake ReLU", spec section 2).
   * Every other ReLU keeps its true gradient. Undefined: all ReLUs are true ReLUs.
   */
  fakeReluStage?: string;
}

export interface BatchForwardOptions {
  /** Fake ReLU at each image's own stage (true ReLU everywhere else). Default false. */
  fakeRelu?: boolean;
}

/** Where the optimisation stands, handed to loss schedules. */
export interface StepContext {
  /** Global step index, 0-based. */
  step: number;
  /** Pass index (eta halves before each new pass), 0-based. */
  pass: number;
  /** Iteration inside the pass, 0-based. */
  iterInPass: number;
  itersPerPass: number;
  /** Seeded uniform [0, 1) generator belonging to the run (part of its resumable state). */
  random: () => number;
}

/**
 * A model-specific restriction of the loss to a subset of units on a schedule
 * (Spectemp coarse-to-fine, HMAX random subsets). Returns a 0/1 mask broadcastable
 * to the stage's activation tensor, or null for "all units". The schedule owns the
 * masks it returns (cache and dispose them itself); the engine never disposes them.
 */
export interface LossSchedule {
  maskFor(ctx: StepContext): tf.Tensor | null;
  dispose(): void;
}

export interface ClassReadout {
  labels: string[];
  /** Logits [1, labels.length] computed from the raw input (one forward pass). */
  logits(x: tf.Tensor): tf.Tensor;
}

/** The staged-model contract every model (built-in, imported, test fake) satisfies. */
export interface StagedModel {
  readonly id: string;
  /** Ordered shallow to deep. */
  readonly stages: readonly string[];
  readonly inputSpec: InputSpec;
  /**
   * Activations of the requested stages in ONE forward pass from the raw input x
   * ([1, ...inputSpec.shape]). Differentiable w.r.t. x. Caller disposes the results.
   */
  forward(x: tf.Tensor, stages: readonly string[], opts?: ForwardOptions): Record<string, tf.Tensor>;
  /**
   * Optional batched forward for all-stages runs (engine/batched-metamer-run.ts): x is
   * [B, ...inputSpec.shape] raw, stageOf[b] the stage of image b (ordered shallow to deep);
   * returns image b's activation at stageOf[b] as [1, ...stageShape]. With fakeRelu, image b
   * gets the fake ReLU at stageOf[b] only. Images must not interact (no batch statistics).
   * Differentiable w.r.t. x; the caller disposes the results. Models without it run an
   * all-stages batch as separate runs, one after another.
   */
  forwardEach?(x: tf.Tensor, stageOf: readonly string[], opts?: BatchForwardOptions): tf.Tensor[];
  readonly readout?: ClassReadout;
  /** Optional schedule restricting the loss at a generation stage. */
  lossSchedule?(stage: string): LossSchedule | null;
  dispose(): void;
}

/** Which stages the live metrics cover: every stage (default) or only the generation stage (faster). */
export type MeasureScope = 'all' | 'stage';

export type OptimizerKind = 'normalized-gd' | 'adam';

export interface AdamConfig {
  learningRate: number;
  /** Multiply the learning rate by `decay` every `decayEvery` steps (2019 variant: 0.95 / 1000). */
  decay: number;
  decayEvery: number;
}

export interface RegularizerConfig {
  /** Total-variation weight l_tv (0 = off). */
  tv: number;
  /** Alpha-norm weight l_a (0 = off) and exponent alpha (paper: 6). */
  alphaNorm: number;
  alpha: number;
}

export interface RunConfig {
  stage: string;
  optimizer: OptimizerKind;
  passes: number;
  itersPerPass: number;
  /** Initial step length for normalized-gd; halves before each new pass. */
  eta0: number;
  adam: AdamConfig;
  regularizers: RegularizerConfig;
  /** Fake ReLU at the generation stage (true ReLU elsewhere). */
  fakeRelu: boolean;
  /** Apply the model's loss schedule (Spectemp / HMAX) if it has one. */
  useLossSchedule: boolean;
  seed: number;
  /** Compute per-stage metrics every N steps (and at the end). 0 = only at the end. */
  metricsEvery: number;
  /** Emit the current input every N steps. 0 = only at the end. */
  snapshotEvery: number;
}

/** One optimizer step, as reported in progress deltas. */
export interface StepRecord {
  step: number;
  loss: number;
  eta: number;
  gradNorm: number;
}

export interface MetricSet {
  spearman: number;
  pearson: number;
  r2: number;
  /** Paper's definition: 10 log10(sum(a^2) / sum((a-b)^2)). */
  snrDb: number;
}

export type MetricName = 'spearman' | 'pearson' | 'snrDb';
export const NULL_METRICS: readonly MetricName[] = ['spearman', 'pearson', 'snrDb'];

export interface CriterionVerdict {
  criterion: MetricName | 'class';
  value: number | string;
  /** Null maximum for metric criteria; the reference's class for the class criterion. */
  threshold: number | string;
  pass: boolean;
}

export interface Verdict {
  stage: string;
  pass: boolean;
  criteria: CriterionVerdict[];
}

/** Typed events a run emits: deltas only, never the whole history. */
export type EngineEvent =
  | { type: 'started'; totalSteps: number; step: number }
  | { type: 'progress'; records: StepRecord[] }
  | { type: 'metrics'; step: number; stages: Record<string, MetricSet> }
  | { type: 'snapshot'; step: number; shape: number[]; data: Float32Array }
  | { type: 'paused'; step: number }
  | { type: 'done'; step: number; stopped: boolean }
  | { type: 'error'; step: number; message: string };

/** Summary of one metric's null distribution at one stage. */
export interface NullSummary {
  /** Number of stimulus pairs the summary was computed from. */
  pairs: number;
  min: number;
  max: number;
  mean: number;
  /** Quantiles at probabilities `NullDistribution.quantileLevels`, same order. */
  quantiles: number[];
  /** Equal-width histogram: counts[i] counts values in [edges[i], edges[i+1]) (last bin closed). */
  histogram: { edges: number[]; counts: number[] };
}

/** The stored null distribution file of a model (`models/<id>/null.json`). */
export interface NullDistribution {
  format: 'metamer-null/1';
  model: string;
  /** Where the natural stimuli came from (human-readable). */
  source: string;
  createdAt: string;
  quantileLevels: number[];
  stages: Record<string, Record<MetricName, NullSummary>>;
}
