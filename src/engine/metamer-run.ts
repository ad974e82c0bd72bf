/**
 * One metamer optimisation (spec section 2), with a phased API after plenoptic's Metamer:
 * construct (reference activations computed once, seeded noise), then stepOnce() or
 * run() (async, event-emitting, pausable), measure(), saveState() -> new MetamerRun(..., state).
 *
 * Step (normalized-gd): L = ||A - A'(x)|| / ||A||, g = dL/dx,
 *   x <- clamp(x - eta g / (||g||_2 + 1e-10), range), eta = eta0 / 2^pass; the last iterate is kept.
 * Adam (2019 variant): moments kept here (so they can be saved), lr decays x decay every decayEvery.
 *
 * Loss schedules: maskFor is called once per step, in order, with a StepContext whose
 * random() is the run's seeded stream (seed derived from config.seed, not the noise's). To
 * resume from a saved state, a fresh schedule's maskFor is replayed for steps 0..step-1, so
 * a schedule must be a deterministic function of the contexts it saw and the numbers it drew.
 *
 * Step numbering: StepRecord.step is the 0-based index s of the step taken and its loss is
 * L(x_s), the loss before that step's update. The `step` of every other event is the number of
 * steps completed so far, i.e. the index of the iterate it describes (a snapshot at step k is x_k).
 */
import * as tf from '@tensorflow/tfjs';
import { stepSizeAt } from './eta-schedule.ts';
import { iterateMetrics, snapshotEvent, stageLoss, stepContext, stepProblem, updateIterate } from './metamer-step.ts';
import { initialNoise } from './noise.ts';
import { totalSteps, validateRunConfig } from './presets.ts';
import { Rng, type RngState } from './random.ts';
import { unknownStageError } from './staged-model.ts';
import type {
  EngineEvent,
  ForwardOptions,
  LossSchedule,
  MetricSet,
  RunConfig,
  StagedModel,
  StepContext,
  StepRecord,
} from './types.ts';

export { ADAM_BETA1, ADAM_BETA2, ADAM_EPSILON, GRAD_NORM_EPSILON } from './metamer-step.ts';

/** Everything needed to continue a run bit-exactly. Structured-clone-able (IndexedDB, postMessage). */
export interface RunState {
  format: 'metamer-run-state/1';
  modelId: string;
  config: RunConfig;
  /** Steps completed. */
  step: number;
  /** [1, ...inputSpec.shape]. */
  shape: number[];
  /** The current iterate x_step. */
  x: Float32Array;
  /** State of the run's loss-schedule Rng. */
  rngState: RngState;
  /** Adam's first and second moments (optimizer 'adam' only). */
  adam: { m: Float32Array; v: Float32Array } | null;
}

/** A loss, gradient or iterate that is NaN or infinite. The run keeps its last finite iterate. */
export class NonFiniteError extends Error {
  constructor(
    message: string,
    readonly step: number,
  ) {
    super(message);
    this.name = 'NonFiniteError';
  }
}

export interface RunOptions {
  onEvent: (e: EngineEvent) => void;
  /** Polled before every step; true pauses the run ('paused' event, resolves 'paused'). */
  shouldPause?: () => boolean;
  /** Aborting stops the run (final snapshot, 'done' with stopped: true, resolves 'stopped'). */
  signal?: AbortSignal;
  /** StepRecords per 'progress' event (default 10). */
  progressEvery?: number;
  /** Await a macrotask every N steps so messages get through (default 1; 0 = never). */
  yieldEvery?: number;
  /** Stages the 'metrics' events cover (default: every stage of the model). */
  measureStages?: readonly string[];
  /**
   * Receives the resumable state every `checkpointEvery` steps and when the run pauses, read
   * back between steps (the only moment it is consistent), so a page can save it as it goes.
   */
  onCheckpoint?: (state: RunState) => void;
  /** Steps between checkpoints (default 0: only on pause). */
  checkpointEvery?: number;
}

export type RunOutcome = 'done' | 'paused' | 'stopped' | 'error';

/** The seed of the loss-schedule Rng: derived from config.seed, a different stream from the noise. */
export function scheduleSeed(seed: number): number {
  return (seed ^ 0x5bd1e995) >>> 0;
}

interface Pending {
  packed: tf.Tensor;
  x: tf.Tensor;
  m: tf.Tensor | null;
  v: tf.Tensor | null;
  step: number;
  eta: number;
}

let macrotaskChannel: MessageChannel | null = null;
const macrotaskQueue: (() => void)[] = [];

/** Resolves on a fresh macrotask (setImmediate in Node; a MessageChannel in browsers/workers: no 4 ms clamp). */
export function macrotask(): Promise<void> {
  return new Promise((resolve) => {
    const g = globalThis as { setImmediate?: (cb: () => void) => unknown };
    if (typeof g.setImmediate === 'function') {
      g.setImmediate(resolve);
    } else if (typeof MessageChannel === 'function') {
      if (!macrotaskChannel) {
        macrotaskChannel = new MessageChannel();
        macrotaskChannel.port1.onmessage = () => macrotaskQueue.shift()?.();
      }
      macrotaskQueue.push(resolve);
      macrotaskChannel.port2.postMessage(null);
    } else {
      setTimeout(resolve, 0);
    }
  });
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export class MetamerRun {
  readonly model: StagedModel;
  readonly config: RunConfig;
  readonly totalSteps: number;
  private readonly shape: number[];
  /** Reference activations, computed per stage when first needed (the generation stage at once). */
  private readonly refActs: Record<string, tf.Tensor> = {};
  /** The reference input, kept so other stages' activations can be computed when first measured. */
  private readonly reference: tf.Tensor;
  private readonly rng: Rng;
  private readonly schedule: LossSchedule | null;
  private x: tf.Tensor;
  private m: tf.Tensor | null = null;
  private v: tf.Tensor | null = null;
  private _step = 0;
  private busy = false;
  private disposed = false;

  /**
   * @param reference the natural stimulus [1, ...inputSpec.shape], raw (not normalised); not kept.
   * @param resume a RunState from saveState() of a run of the same model, stage and optimizer.
   */
  constructor(model: StagedModel, reference: tf.Tensor, config: RunConfig, resume?: RunState) {
    validateRunConfig(config);
    if (!model.stages.includes(config.stage)) throw unknownStageError(config.stage, model.stages);
    this.model = model;
    this.config = structuredClone(config);
    this.totalSteps = totalSteps(config);
    this.shape = [1, ...model.inputSpec.shape];
    if (!sameShape(reference.shape, this.shape)) {
      throw new Error(`Reference must have shape [${this.shape}] for model "${model.id}", got [${reference.shape}]`);
    }
    if (resume) this.checkResume(resume);

    const created: tf.Tensor[] = [];
    let schedule: LossSchedule | null = null;
    try {
      // Only the generation stage is needed to optimise; the other stages are computed on the
      // first measure() that asks for them (a deep model's first step then costs one shallow pass).
      this.reference = reference.clone();
      created.push(this.reference);
      const genActs = tf.tidy(() => model.forward(reference, [config.stage]));
      this.refActs[config.stage] = genActs[config.stage];
      created.push(this.refActs[config.stage]);
      this.x = resume ? tf.tensor(resume.x, this.shape, 'float32') : initialNoise(model.inputSpec, config.seed);
      created.push(this.x);
      if (config.optimizer === 'adam') {
        this.m = resume?.adam ? tf.tensor(resume.adam.m, this.shape, 'float32') : tf.zeros(this.shape);
        this.v = resume?.adam ? tf.tensor(resume.adam.v, this.shape, 'float32') : tf.zeros(this.shape);
        created.push(this.m, this.v);
      }
      this.rng = new Rng(scheduleSeed(config.seed));
      schedule = config.useLossSchedule && model.lossSchedule ? model.lossSchedule(config.stage) : null;
      this.schedule = schedule;
      if (resume) {
        // Bring a fresh schedule to where the saved run's was: replay its maskFor calls
        // (cheap, no forward passes) with the same random stream, then take the saved state.
        if (schedule) for (let s = 0; s < resume.step; s++) schedule.maskFor(this.contextAt(s));
        this.rng = new Rng(resume.rngState);
        this._step = resume.step;
      }
    } catch (err) {
      for (const t of created) t.dispose();
      schedule?.dispose();
      throw err;
    }
  }

  private checkResume(s: RunState): void {
    const c = this.config;
    const fail = (why: string): never => {
      throw new Error(`Cannot resume: ${why}`);
    };
    if (s.format !== 'metamer-run-state/1') fail(`unknown state format ${JSON.stringify(s.format)}`);
    if (s.modelId !== this.model.id) fail(`the state is for model "${s.modelId}", not "${this.model.id}"`);
    if (s.config.stage !== c.stage) fail(`the state is for stage "${s.config.stage}", not "${c.stage}"`);
    if (s.config.optimizer !== c.optimizer) fail(`the state used optimizer "${s.config.optimizer}", not "${c.optimizer}"`);
    if (!Number.isInteger(s.step) || s.step < 0 || s.step > this.totalSteps) {
      fail(`step ${s.step} is outside 0..${this.totalSteps}`);
    }
    if (!sameShape(s.shape, this.shape) || s.x.length !== this.shape.reduce((a, b) => a * b, 1)) {
      fail(`input shape [${s.shape}] does not match [${this.shape}]`);
    }
    if (c.optimizer === 'adam' && (!s.adam || s.adam.m.length !== s.x.length || s.adam.v.length !== s.x.length)) {
      fail('the Adam moments are missing');
    }
  }

  /** Steps completed; also the index of the current iterate. */
  get step(): number {
    return this._step;
  }

  get finished(): boolean {
    return this._step >= this.totalSteps;
  }

  private assertUsable(): void {
    if (this.disposed) throw new Error('This MetamerRun has been disposed');
  }

  /** The scalar loss at x (inside a tidy / gradient scope). */
  private lossOf(x: tf.Tensor, mask: tf.Tensor | null, fwd: ForwardOptions): tf.Scalar {
    const stage = this.config.stage;
    const A = this.refActs[stage];
    const Ap = this.model.forward(x, [stage], fwd)[stage];
    return stageLoss(this.model.inputSpec, this.config, stage, A, Ap, x, mask);
  }

  /**
   * The run's objective at an input x [1, ...shape]: the loss of spec section 2 (or the
   * regularised one) at the run's stage, with the run's fake-ReLU setting, optionally masked.
   * Differentiable; the caller disposes the scalar.
   */
  objective(x: tf.Tensor, mask: tf.Tensor | null = null): tf.Scalar {
    this.assertUsable();
    const fwd: ForwardOptions = this.config.fakeRelu ? { fakeReluStage: this.config.stage } : {};
    return tf.tidy(() => this.lossOf(x, mask, fwd));
  }

  private contextAt(step: number): StepContext {
    return stepContext(step, this.config.itersPerPass, this.rng);
  }

  /** Computes one step's loss, gradient norm and new state without committing it. */
  private compute(): Pending {
    this.assertUsable();
    if (this.finished) throw new Error(`The run is finished (${this.totalSteps} steps)`);
    const cfg = this.config;
    const step = this._step;
    const eta = stepSizeAt(step, cfg);
    const mask = this.schedule ? this.schedule.maskFor(this.contextAt(step)) : null;
    const fwd: ForwardOptions = cfg.fakeRelu ? { fakeReluStage: cfg.stage } : {};
    const out = tf.tidy(() => {
      const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => this.lossOf(x, mask, fwd))(this.x);
      const { x: xNew, m, v, gnorm, bad } = updateIterate(cfg, this.x, grad, { m: this.m, v: this.v }, step, eta, this.model.inputSpec.range);
      const packed = tf.stack([value, gnorm, bad]);
      return m && v ? [packed, xNew, m, v] : [packed, xNew];
    });
    return { packed: out[0], x: out[1], m: out[2] ?? null, v: out[3] ?? null, step, eta };
  }

  private discard(p: Pending): void {
    p.packed.dispose();
    p.x.dispose();
    p.m?.dispose();
    p.v?.dispose();
  }

  /** Checks the read-back values and makes the new iterate current. */
  private commit(p: Pending, values: ArrayLike<number>): StepRecord {
    const [loss, gradNorm, bad] = [values[0], values[1], values[2]];
    if (this.disposed) {
      this.discard(p);
      throw new Error('This MetamerRun was disposed during a step');
    }
    const problem = stepProblem(loss, gradNorm, bad, p.step, this.config.stage);
    if (problem) {
      this.discard(p);
      throw new NonFiniteError(problem, p.step);
    }
    p.packed.dispose();
    this.x.dispose();
    this.x = p.x;
    if (p.m) {
      this.m?.dispose();
      this.v?.dispose();
      this.m = p.m;
      this.v = p.v;
    }
    this._step = p.step + 1;
    return { step: p.step, loss, eta: p.eta, gradNorm };
  }

  /** One optimizer step, synchronous (reads the loss back with dataSync). Throws NonFiniteError. */
  stepOnce(): StepRecord {
    if (this.busy) throw new Error('stepOnce() cannot be called while run() is in progress');
    const p = this.compute();
    return this.commit(p, p.packed.dataSync());
  }

  /** One step with an asynchronous read-back (no GPU stall on WebGPU/WebGL). */
  private async stepAsync(): Promise<StepRecord> {
    const p = this.compute();
    let values: ArrayLike<number>;
    try {
      values = await p.packed.data();
    } catch (err) {
      this.discard(p);
      throw err;
    }
    return this.commit(p, values);
  }

  /** A copy of the current iterate x_step [1, ...shape]; the caller disposes it. */
  current(): tf.Tensor {
    this.assertUsable();
    return this.x.clone();
  }

  /**
   * Metrics between the current iterate and the reference activations, at every model stage
   * (default) or at the given ones (in model order).
   */
  async measure(only?: readonly string[]): Promise<Record<string, MetricSet>> {
    this.assertUsable();
    const stages = only ? this.model.stages.filter((s) => only.includes(s)) : this.model.stages;
    for (const s of only ?? []) if (!this.model.stages.includes(s)) throw unknownStageError(s, this.model.stages);
    return iterateMetrics(this.model, this.reference, this.refActs, this.x, stages);
  }

  /**
   * Runs until the end, a pause or a stop. Emits 'started'; 'progress' (StepRecord deltas);
   * 'metrics' every metricsEvery steps and at the end; 'snapshot' every snapshotEvery steps
   * (x_0 included), at the end and when stopped; then 'done', 'paused' or 'error' (a NaN/Inf,
   * or any exception, with its message). Never rejects for engine errors: resolves 'error'.
   */
  async run(opts: RunOptions): Promise<RunOutcome> {
    this.assertUsable();
    if (this.busy) throw new Error('run() is already in progress');
    this.busy = true;
    const { onEvent, shouldPause, signal } = opts;
    const progressEvery = Math.max(1, Math.floor(opts.progressEvery ?? 10));
    const yieldEvery = Math.max(0, Math.floor(opts.yieldEvery ?? 1));
    const { metricsEvery, snapshotEvery } = this.config;
    let buffer: StepRecord[] = [];
    let lastSnapshot = -1;
    const flush = () => {
      if (buffer.length > 0) {
        const records = buffer;
        buffer = [];
        onEvent({ type: 'progress', records });
      }
    };
    const snapshot = async () => {
      if (lastSnapshot === this._step) return;
      lastSnapshot = this._step;
      onEvent(await snapshotEvent(this.x, this._step, this.shape));
    };
    const metrics = async () => {
      onEvent({ type: 'metrics', step: this._step, stages: await this.measure(opts.measureStages) });
    };
    const checkpointEvery = Math.max(0, Math.floor(opts.checkpointEvery ?? 0));
    const checkpoint = async () => {
      if (opts.onCheckpoint) opts.onCheckpoint(await this.saveStateAsync());
    };
    const periodic = async () => {
      const s = this._step;
      if (s >= this.totalSteps) return;
      if (checkpointEvery > 0 && s > 0 && s % checkpointEvery === 0) await checkpoint();
      if (metricsEvery > 0 && s % metricsEvery === 0) {
        flush();
        await metrics();
      }
      if (snapshotEvery > 0 && s % snapshotEvery === 0) {
        flush();
        await snapshot();
      }
    };
    try {
      onEvent({ type: 'started', totalSteps: this.totalSteps, step: this._step });
      if (this._step === 0) await periodic();
      while (this._step < this.totalSteps) {
        if (signal?.aborted || this.disposed) {
          flush();
          if (!this.disposed) await snapshot();
          onEvent({ type: 'done', step: this._step, stopped: true });
          return 'stopped';
        }
        if (shouldPause?.()) {
          flush();
          await checkpoint();
          onEvent({ type: 'paused', step: this._step });
          return 'paused';
        }
        buffer.push(await this.stepAsync());
        if (buffer.length >= progressEvery) flush();
        await periodic();
        if (yieldEvery > 0 && this._step % yieldEvery === 0) await macrotask();
      }
      flush();
      await metrics();
      await snapshot();
      onEvent({ type: 'done', step: this._step, stopped: false });
      return 'done';
    } catch (err) {
      try {
        flush();
      } catch {
        // The listener itself failed; report below.
      }
      const message = err instanceof Error ? err.message : String(err);
      onEvent({ type: 'error', step: this._step, message });
      return 'error';
    } finally {
      this.busy = false;
    }
  }

  private stateOf(x: Float32Array, m: Float32Array | null, v: Float32Array | null): RunState {
    return {
      format: 'metamer-run-state/1',
      modelId: this.model.id,
      config: structuredClone(this.config),
      step: this._step,
      shape: this.shape.slice(),
      x,
      rngState: this.rng.state(),
      adam: m && v ? { m, v } : null,
    };
  }

  /** The state to resume from (synchronous read-back). Not while run() is awaiting a step. */
  saveState(): RunState {
    this.assertUsable();
    const copy = (t: tf.Tensor | null) => (t ? new Float32Array(t.dataSync() as Float32Array) : null);
    return this.stateOf(copy(this.x)!, copy(this.m), copy(this.v));
  }

  /** saveState with asynchronous read-backs (preferable on WebGPU/WebGL). */
  async saveStateAsync(): Promise<RunState> {
    this.assertUsable();
    const copy = async (t: tf.Tensor | null) => (t ? new Float32Array((await t.data()) as Float32Array) : null);
    const [x, m, v] = [await copy(this.x), await copy(this.m), await copy(this.v)];
    return this.stateOf(x!, m, v);
  }

  /** Frees the run's tensors and its loss schedule (not the model). Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.x.dispose();
    this.m?.dispose();
    this.v?.dispose();
    for (const t of Object.values(this.refActs)) t.dispose();
    this.reference.dispose();
    this.schedule?.dispose();
  }
}

