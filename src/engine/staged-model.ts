/**
 * Builders that turn a forward function or a tf.LayersModel into a StagedModel, plus the
 * input normalisation both share. The builders check the contract (known stages, input
 * shape, forward returns exactly the requested stages) and throw clear Errors.
 */
import * as tf from '@tensorflow/tfjs';
import { fakeRelu } from './fake-relu.ts';
import { fastGradients } from './fast-gradients.ts';
import { forwardChainEach, type StageChain } from './stage-chain.ts';
import type { ClassReadout, ForwardOptions, InputSpec, LossSchedule, StagedModel } from './types.ts';

/**
 * Per-channel (x - mean) / std over the last axis (spec section 2); x itself when the spec
 * has no normalization. Differentiable; call it inside a tidy.
 */
export function normalizeInput(x: tf.Tensor, spec: InputSpec): tf.Tensor {
  const n = spec.normalization;
  if (!n) return x;
  if (fastGradients() && tf.getBackend() === 'wasm') {
    const { mean, std } = fullSizeStatistics(n, x.shape);
    return tf.tidy(() => tf.div(tf.sub(x, tf.tensor(mean, x.shape)), tf.tensor(std, x.shape)));
  }
  return tf.tidy(() => tf.div(tf.sub(x, tf.tensor1d(n.mean)), tf.tensor1d(n.std)));
}

/**
 * The per-channel mean and std repeated to x's full shape, as plain arrays made once per
 * (spec, shape), on wasm only (a GPU broadcasts for free, and the upload would cost). wasm's
 * broadcasting Sub and Div (and their gradients) are a generic index
 * loop, ~5x slower than the same ops on equal shapes; the quotient of each element is the
 * same either way, so results are bit-identical.
 */
const fullSize = new WeakMap<object, Map<string, { mean: Float32Array; std: Float32Array }>>();

function fullSizeStatistics(n: { mean: number[]; std: number[] }, shape: number[]): { mean: Float32Array; std: Float32Array } {
  let byShape = fullSize.get(n);
  if (!byShape) fullSize.set(n, (byShape = new Map()));
  const key = shape.join('x');
  let stats = byShape.get(key);
  if (!stats) {
    const size = shape.reduce((a, b) => a * b, 1);
    const mean = new Float32Array(size);
    const std = new Float32Array(size);
    for (let i = 0; i < size; i++) {
      mean[i] = n.mean[i % n.mean.length];
      std[i] = n.std[i % n.std.length];
    }
    stats = { mean, std };
    byShape.set(key, stats);
  }
  return stats;
}

/** Throws an Error describing the first problem of an InputSpec. */
export function validateInputSpec(spec: InputSpec, where = 'inputSpec'): void {
  if (spec == null || typeof spec !== 'object') throw new Error(`${where} is missing`);
  if (spec.modality !== 'image' && spec.modality !== 'audio') {
    throw new Error(`${where}.modality must be "image" or "audio" (got ${JSON.stringify(spec.modality)})`);
  }
  if (!Array.isArray(spec.shape) || spec.shape.length === 0 || spec.shape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new Error(`${where}.shape must be a non-empty list of positive integers (got ${JSON.stringify(spec.shape)})`);
  }
  if (spec.shape.reduce((a, b) => a * b, 1) > 2 ** 28) throw new Error(`${where}.shape [${spec.shape}] has more than 2^28 values`);
  const r = spec.range;
  // Numbers only ("0" < "1" holds for strings too), finite (1e999 parses as Infinity).
  if (!Array.isArray(r) || r.length !== 2 || !r.every((v) => typeof v === 'number' && Number.isFinite(v)) || !(r[0] < r[1])) {
    throw new Error(`${where}.range must be [lo, hi], two finite numbers with lo < hi (got ${JSON.stringify(r)})`);
  }
  if (spec.sampleRate !== undefined && !(typeof spec.sampleRate === 'number' && Number.isInteger(spec.sampleRate) && spec.sampleRate > 0 && spec.sampleRate <= 768000)) {
    throw new Error(`${where}.sampleRate must be a whole number of Hz in 1..768000 (got ${JSON.stringify(spec.sampleRate)})`);
  }
  if (!spec.init || typeof spec.init !== 'object' || !Number.isFinite(spec.init.mean) || !Number.isFinite(spec.init.std) || spec.init.std < 0) {
    throw new Error(`${where}.init must be {mean, std} with finite mean and std >= 0 (got ${JSON.stringify(spec.init)})`);
  }
  const n = spec.normalization;
  if (n) {
    const channels = spec.shape[spec.shape.length - 1];
    const ok = (a: number[]) =>
      Array.isArray(a) && (a.length === channels || a.length === 1) && a.every((v) => Number.isFinite(v));
    if (!ok(n.mean) || !ok(n.std) || n.std.some((s) => s === 0) || n.mean.length !== n.std.length) {
      throw new Error(
        `${where}.normalization needs finite mean/std lists of length ${channels} (or 1), std != 0 ` +
          `(got ${JSON.stringify(n)})`,
      );
    }
  }
}

export function unknownStageError(stage: string, stages: readonly string[]): Error {
  return new Error(`Unknown stage "${stage}"; this model has: ${stages.join(', ')}`);
}

function checkStageNames(id: string, stages: readonly string[]): void {
  if (!Array.isArray(stages) || stages.length === 0) throw new Error(`Model "${id}": stages must be a non-empty list`);
  const seen = new Set<string>();
  for (const s of stages) {
    if (typeof s !== 'string' || s.length === 0) throw new Error(`Model "${id}": stage names must be non-empty strings`);
    if (seen.has(s)) throw new Error(`Model "${id}": stage "${s}" is listed twice`);
    seen.add(s);
  }
}

function checkRequest(model: { stages: readonly string[] }, stages: readonly string[], opts?: ForwardOptions): void {
  for (const s of stages) if (!model.stages.includes(s)) throw unknownStageError(s, model.stages);
  if (opts?.fakeReluStage !== undefined && !model.stages.includes(opts.fakeReluStage)) {
    throw unknownStageError(opts.fakeReluStage, model.stages);
  }
}

function checkBatchInput(id: string, x: tf.Tensor, spec: InputSpec, images: number): void {
  const want = [images, ...spec.shape];
  if (x.rank !== want.length || x.shape.some((d, i) => d !== want[i])) {
    throw new Error(`Model "${id}": a batch for ${images} stages must have shape [${want}], got [${x.shape}]`);
  }
}

function checkInput(id: string, x: tf.Tensor, spec: InputSpec): void {
  const want = [1, ...spec.shape];
  if (x.rank !== want.length || x.shape.some((d, i) => d !== want[i])) {
    throw new Error(`Model "${id}": input must have shape [${want}], got [${x.shape}]`);
  }
}

/**
 * Makes each returned tensor safe for the caller to dispose: a result that is the input
 * itself, or the same object as another stage's result, is cloned.
 */
function ownResults(out: Record<string, tf.Tensor>, x: tf.Tensor): Record<string, tf.Tensor> {
  const seen = new Set<tf.Tensor>([x]);
  for (const k of Object.keys(out)) {
    if (seen.has(out[k])) out[k] = out[k].clone();
    seen.add(out[k]);
  }
  return out;
}

export interface FunctionModelOptions {
  id: string;
  /** Ordered shallow to deep. */
  stages: readonly string[];
  inputSpec: InputSpec;
  /**
   * Activations of exactly the requested stages in one pass. Receives the input AFTER
   * normalizeInput (identity when inputSpec.normalization is absent) unless `normalize` is
   * false. Runs inside a tidy: intermediates are freed, the returned tensors are kept.
   */
  forward(x: tf.Tensor, stages: readonly string[], opts: ForwardOptions): Record<string, tf.Tensor>;
  /** Its logits() also receives the normalised input (same rule as forward). */
  readout?: ClassReadout;
  lossSchedule?(stage: string): LossSchedule | null;
  dispose?(): void;
  /** Apply inputSpec.normalization before forward/readout (default true). */
  normalize?: boolean;
  /**
   * The model as a chain of stage blocks (its stages, same order), for batched all-stages
   * runs (forwardEach). Its blocks receive the normalised input, like forward.
   */
  chain?: StageChain;
}

/** A StagedModel from a forward function, with the contract checked on every call. */
export function stagedModelFromFunction(o: FunctionModelOptions): StagedModel {
  if (typeof o.id !== 'string' || o.id.length === 0) throw new Error('Model id must be a non-empty string');
  checkStageNames(o.id, o.stages);
  validateInputSpec(o.inputSpec, `Model "${o.id}": inputSpec`);
  if (typeof o.forward !== 'function') throw new Error(`Model "${o.id}": forward must be a function`);
  const stages = Object.freeze([...o.stages]);
  const spec = o.inputSpec;
  const normalize = o.normalize !== false;
  const prep = (x: tf.Tensor) => (normalize ? normalizeInput(x, spec) : x);
  let disposed = false;

  const model: StagedModel = {
    id: o.id,
    stages,
    inputSpec: spec,
    forward(x, requested, opts) {
      if (disposed) throw new Error(`Model "${o.id}" has been disposed`);
      checkRequest(model, requested, opts);
      checkInput(o.id, x, spec);
      const out = tf.tidy(() => o.forward(prep(x), requested, { ...opts }));
      const got = out && typeof out === 'object' ? Object.keys(out) : [];
      const bad =
        got.length !== requested.length ||
        requested.some((s) => !(out[s] instanceof tf.Tensor)) ||
        got.some((s) => !requested.includes(s));
      if (bad) {
        for (const k of got) if (out[k] instanceof tf.Tensor && out[k] !== x) out[k].dispose();
        throw new Error(
          `Model "${o.id}": forward returned stages [${got.join(', ')}] but [${requested.join(', ')}] were ` +
            'requested; it must return a tensor for exactly the requested stages',
        );
      }
      return ownResults(out, x);
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      o.dispose?.();
    },
  };
  if (o.chain) {
    const chain = o.chain;
    if (chain.stages.join('\n') !== stages.join('\n')) {
      throw new Error(`Model "${o.id}": its chain has stages [${chain.stages.join(', ')}], the model [${stages.join(', ')}]`);
    }
    model.forwardEach = (x, stageOf, opts) => {
      if (disposed) throw new Error(`Model "${o.id}" has been disposed`);
      checkBatchInput(o.id, x, spec, stageOf.length);
      return tf.tidy(() => forwardChainEach(chain, prep(x), stageOf, opts?.fakeRelu === true));
    };
  }
  if (o.readout) {
    const r = o.readout;
    (model as { readout?: ClassReadout }).readout = {
      labels: r.labels,
      logits(x) {
        checkInput(o.id, x, spec);
        return tf.tidy(() => {
          const y = r.logits(prep(x));
          return y === x ? y.clone() : y;
        });
      },
    };
  }
  if (o.lossSchedule) {
    const ls = o.lossSchedule;
    model.lossSchedule = (stage: string) => {
      if (!stages.includes(stage)) throw unknownStageError(stage, stages);
      return ls(stage);
    };
  }
  return model;
}

// ---------------------------------------------------------------------------------------
// tf.LayersModel

export interface LayersModelOptions {
  id: string;
  /** Stage name -> name of the layer whose (first) output is that stage. */
  stageLayers: Record<string, string>;
  inputSpec: InputSpec;
  /** Layer whose output is the class logits [1, n]. Default: the model's output when labels are given. */
  readoutLayer?: string;
  /** Class labels of the readout; default "0".."n-1" when only readoutLayer is given. */
  labels?: string[];
  lossSchedule?(stage: string): LossSchedule | null;
  /** Dispose the LayersModel when the StagedModel is disposed (default true). */
  disposeModel?: boolean;
}

interface GraphStep {
  layer: tf.layers.Layer;
  inputIds: number[];
  outputIds: number[];
}

/** A layer whose `activation` field the layer's call() applies (Dense, Conv*, Activation, ...). */
interface WithActivation {
  activation: { getClassName(): string; apply(x: tf.Tensor): tf.Tensor } | null;
}

function activationName(layer: tf.layers.Layer): string | null {
  const act = (layer as unknown as Partial<WithActivation>).activation;
  return act && typeof act.getClassName === 'function' ? act.getClassName() : null;
}

/** How the stage layer's ReLU can be made fake: 'relu-layer', 'activation' field, or null (not a ReLU). */
function reluKind(layer: tf.layers.Layer): 'relu-layer' | 'activation' | null {
  if (layer.getClassName() === 'ReLU') return 'relu-layer';
  return activationName(layer) === 'relu' ? 'activation' : null;
}

const FAKE_RELU_ACTIVATION = {
  // Not 'relu'/'linear'/'elu', so tfjs-layers does not pick a fused kernel and calls apply().
  getClassName: () => 'fakeRelu',
  apply: (x: tf.Tensor) => fakeRelu(x),
};

function applyLayer(layer: tf.layers.Layer, inputs: tf.Tensor[], fake: boolean): tf.Tensor[] {
  const arg = inputs.length === 1 ? inputs[0] : inputs;
  if (fake) {
    const kind = reluKind(layer);
    if (kind === 'relu-layer') {
      const maxValue = (layer as unknown as { maxValue?: number | null }).maxValue;
      const y = fakeRelu(inputs[0]);
      return [maxValue != null ? tf.minimum(y, maxValue) : y];
    }
    if (kind === 'activation') {
      const l = layer as unknown as WithActivation;
      const saved = l.activation;
      l.activation = FAKE_RELU_ACTIVATION;
      try {
        const out = layer.apply(arg) as tf.Tensor | tf.Tensor[];
        return Array.isArray(out) ? out : [out];
      } finally {
        l.activation = saved;
      }
    }
  }
  const out = layer.apply(arg) as tf.Tensor | tf.Tensor[];
  return Array.isArray(out) ? out : [out];
}

/**
 * A StagedModel over a tf.LayersModel (Sequential or functional with merges). It runs the
 * layers itself in topological order, from the normalised input up to the deepest requested
 * stage only, and replaces the ReLU of the fakeReluStage by fakeRelu (a ReLU layer, an
 * Activation('relu') layer, or a Dense/Conv layer with relu activation; other layers are left
 * alone). Shared layers (applied more than once) are not supported.
 */
export function stagedModelFromLayersModel(model: tf.LayersModel, o: LayersModelOptions): StagedModel {
  const id = o.id;
  if (typeof id !== 'string' || id.length === 0) throw new Error('Model id must be a non-empty string');
  validateInputSpec(o.inputSpec, `Model "${id}": inputSpec`);
  const spec = o.inputSpec;
  if (model.inputs.length !== 1) throw new Error(`Model "${id}": needs exactly one input, has ${model.inputs.length}`);
  const inShape = model.inputs[0].shape.slice(1);
  if (inShape.length !== spec.shape.length || inShape.some((d, i) => d != null && d !== spec.shape[i])) {
    throw new Error(`Model "${id}": inputSpec.shape [${spec.shape}] does not fit the model input [${inShape}]`);
  }

  // Topological schedule: each layer with the one inbound node fed from this model's input.
  const inputId = model.inputs[0].id;
  const known = new Set<number>([inputId]);
  const steps: GraphStep[] = [];
  const pending = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
  let progress = true;
  while (pending.length > 0 && progress) {
    progress = false;
    for (let i = 0; i < pending.length; i++) {
      const layer = pending[i];
      const ready = layer.inboundNodes.filter(
        (n) => n.inputTensors.length > 0 && n.inputTensors.every((t) => known.has(t.id)),
      );
      if (ready.length === 0) continue;
      if (ready.length > 1) throw new Error(`Model "${id}": layer "${layer.name}" is applied more than once (not supported)`);
      const node = ready[0];
      steps.push({
        layer,
        inputIds: node.inputTensors.map((t) => t.id),
        outputIds: node.outputTensors.map((t) => t.id),
      });
      for (const t of node.outputTensors) known.add(t.id);
      pending.splice(i, 1);
      i--;
      progress = true;
    }
  }
  const stepOf = new Map<string, number>(steps.map((s, i) => [s.layer.name, i]));
  const inputLayerName = model.inputs[0].sourceLayer.name;
  const layerNames = [inputLayerName, ...steps.map((s) => s.layer.name)];
  const findStep = (layerName: string, what: string): number => {
    if (layerName === inputLayerName) return -1;
    const i = stepOf.get(layerName);
    if (i === undefined) {
      throw new Error(`Model "${id}": ${what} layer "${layerName}" not found; layers: ${layerNames.join(', ')}`);
    }
    return i;
  };

  const entries = Object.entries(o.stageLayers ?? {});
  if (entries.length === 0) throw new Error(`Model "${id}": stageLayers must name at least one stage`);
  const stageStep = new Map<string, number>();
  for (const [stage, layerName] of entries) stageStep.set(stage, findStep(layerName, `stage "${stage}":`));
  // Shallow to deep: by position in the schedule, ties in the order given.
  const stages = Object.freeze(
    entries.map(([s], i) => ({ s, i, k: stageStep.get(s)! })).sort((a, b) => a.k - b.k || a.i - b.i).map((e) => e.s),
  );
  checkStageNames(id, stages);
  const outputIdOf = (k: number) => (k < 0 ? inputId : steps[k].outputIds[0]);

  /** Evaluates the schedule up to the given steps; returns the values by symbolic id. Inside a tidy. */
  const evaluate = (x: tf.Tensor, targets: number[], fakeStep: number): Map<number, tf.Tensor> => {
    const last = Math.max(-1, ...targets);
    // Only the ancestors of the targets.
    const needed = new Set<number>();
    const wantIds = new Set<number>(targets.map(outputIdOf));
    for (let k = last; k >= 0; k--) {
      if (steps[k].outputIds.some((t) => wantIds.has(t))) {
        needed.add(k);
        for (const t of steps[k].inputIds) wantIds.add(t);
      }
    }
    const values = new Map<number, tf.Tensor>([[inputId, normalizeInput(x, spec)]]);
    for (let k = 0; k <= last; k++) {
      if (!needed.has(k)) continue;
      const s = steps[k];
      const outs = applyLayer(s.layer, s.inputIds.map((t) => values.get(t)!), k === fakeStep);
      s.outputIds.forEach((t, j) => values.set(t, outs[j]));
    }
    return values;
  };

  let disposed = false;
  const staged: StagedModel = {
    id,
    stages,
    inputSpec: spec,
    forward(x, requested, opts) {
      if (disposed) throw new Error(`Model "${id}" has been disposed`);
      checkRequest(staged, requested, opts);
      checkInput(id, x, spec);
      const ks = requested.map((s) => stageStep.get(s)!);
      let fakeStep = -2;
      if (opts?.fakeReluStage !== undefined) {
        const k = stageStep.get(opts.fakeReluStage)!;
        if (k >= 0 && reluKind(steps[k].layer) !== null) fakeStep = k;
      }
      const out = tf.tidy(() => {
        const values = evaluate(x, ks, fakeStep);
        const res: Record<string, tf.Tensor> = {};
        requested.forEach((s, i) => (res[s] = values.get(outputIdOf(ks[i]))!));
        return res;
      });
      return ownResults(out, x);
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      if (o.disposeModel !== false) model.dispose();
    },
  };

  if (o.readoutLayer !== undefined || o.labels !== undefined) {
    const layerName = o.readoutLayer ?? model.outputs[0].sourceLayer.name;
    const k = findStep(layerName, 'readout');
    const outShape = (k < 0 ? [null, ...spec.shape] : steps[k].layer.outputShape) as (number | null)[];
    const n = outShape[outShape.length - 1];
    if (outShape.length !== 2 || typeof n !== 'number') {
      throw new Error(`Model "${id}": readout layer "${layerName}" must output [batch, classes], has [${outShape}]`);
    }
    const labels = o.labels ?? Array.from({ length: n }, (_, i) => String(i));
    if (labels.length !== n) {
      throw new Error(`Model "${id}": ${labels.length} labels for a readout with ${n} outputs`);
    }
    (staged as { readout?: ClassReadout }).readout = {
      labels,
      logits(x) {
        if (disposed) throw new Error(`Model "${id}" has been disposed`);
        checkInput(id, x, spec);
        const y = tf.tidy(() => evaluate(x, [k], -2).get(outputIdOf(k))!);
        return y === x ? y.clone() : y;
      },
    };
  }
  if (o.lossSchedule) {
    const ls = o.lossSchedule;
    staged.lossSchedule = (stage: string) => {
      if (!stages.includes(stage)) throw unknownStageError(stage, stages);
      return ls(stage);
    };
  }
  return staged;
}
