/**
 * All stages in one pass (issue 11 part 3): one metamer per stage of a model, optimised
 * together as one batch. Image b starts from the same seeded noise as a separate run of its
 * stage would (spec section 2: the same noise for every stage of one reference) and gets
 * exactly that run's step: its loss at its own stage, the fake ReLU at its own stage only,
 * its own loss schedule and schedule random stream, and the paper's normalized step (its own
 * gradient norm, step size and clamp) or its own Adam moments. The batch's objective is the
 * sum of the images' losses; as the images do not interact, image b's gradient is dL_b/dx_b.
 *
 * The model's batched forward (StagedModel.forwardEach) runs each image up to its own stage
 * only, so one batched step costs what the separate steps cost, in fewer, larger kernels.
 * An image whose loss, gradient or iterate becomes NaN/Inf leaves the batch (its stage gets an
 * 'error' event and keeps its last finite iterate); the others go on.
 */
import * as tf from '@tensorflow/tfjs';
import { stepSizeAt } from './eta-schedule.ts';
import { macrotask, scheduleSeed } from './metamer-run.ts';
import { iterateMetrics, snapshotEvent, stageLoss, stepContext, stepProblem, updateIterate } from './metamer-step.ts';
import { initialNoise } from './noise.ts';
import { totalSteps, validateRunConfig } from './presets.ts';
import { Rng } from './random.ts';
import { unknownStageError } from './staged-model.ts';
import type { EngineEvent, LossSchedule, MetricSet, RunConfig, StagedModel, StepContext, StepRecord } from './types.ts';

/** One image of the batch: one stage's run. */
interface Image {
  readonly stage: string;
  readonly config: RunConfig;
  readonly rng: Rng;
  readonly schedule: LossSchedule | null;
  x: tf.Tensor;
  m: tf.Tensor | null;
  v: tf.Tensor | null;
  /** Why the image left the batch (a NaN/Inf), or null while it is optimised. */
  failed: string | null;
  /** Steps completed by this image. */
  step: number;
}

/** An event of one stage's run (the same EngineEvents a separate run emits). */
export interface StageEvent {
  stage: string;
  event: EngineEvent;
}

export interface BatchedRunOptions {
  onEvent: (e: StageEvent) => void;
  /** Aborting stops every stage (final snapshots, 'done' with stopped: true). */
  signal?: AbortSignal;
  /** StepRecords per 'progress' event (default 10). */
  progressEvery?: number;
  /** Await a macrotask every N steps so messages get through (default 1; 0 = never). */
  yieldEvery?: number;
  /** Stages the 'metrics' events cover (default every stage; 'own' = each image's own stage). */
  measureStages?: readonly string[] | 'own';
}

export type BatchedOutcome = 'done' | 'stopped';

/** The stages of `stages`, deduplicated, in the model's order (shallow to deep). */
export function inModelOrder(model: StagedModel, stages: readonly string[]): string[] {
  for (const s of stages) if (!model.stages.includes(s)) throw unknownStageError(s, model.stages);
  return model.stages.filter((s) => stages.includes(s));
}

export class BatchedMetamerRun {
  readonly model: StagedModel;
  /** The stages, shallow to deep; image b optimises stages[b]. */
  readonly stages: readonly string[];
  readonly totalSteps: number;
  private readonly images: Image[] = [];
  private readonly reference: tf.Tensor;
  private readonly refActs: Record<string, tf.Tensor> = {};
  private readonly shape: number[];
  private _step = 0;
  private busy = false;
  private disposed = false;

  /**
   * @param reference the natural stimulus [1, ...inputSpec.shape], raw; not kept.
   * @param config the run configuration shared by every stage (its `stage` is ignored).
   * @param stages the generation stages (default: every stage of the model).
   */
  constructor(model: StagedModel, reference: tf.Tensor, config: RunConfig, stages: readonly string[] = model.stages) {
    if (!model.forwardEach) throw new Error(`Model "${model.id}" has no batched forward; run its stages one after another`);
    this.model = model;
    this.stages = Object.freeze(inModelOrder(model, stages));
    if (this.stages.length === 0) throw new Error('An all-stages run needs at least one stage');
    const configs = this.stages.map((stage) => validateRunConfig(structuredClone({ ...config, stage })));
    this.totalSteps = totalSteps(config);
    this.shape = [1, ...model.inputSpec.shape];
    if (reference.shape.length !== this.shape.length || reference.shape.some((d, i) => d !== this.shape[i])) {
      throw new Error(`Reference must have shape [${this.shape}] for model "${model.id}", got [${reference.shape}]`);
    }
    try {
      this.reference = reference.clone();
      const acts = tf.tidy(() => model.forward(reference, this.stages));
      Object.assign(this.refActs, acts);
      const noise = initialNoise(model.inputSpec, config.seed);
      try {
        for (const cfg of configs) {
          const schedule = cfg.useLossSchedule && model.lossSchedule ? model.lossSchedule(cfg.stage) : null;
          const adam = cfg.optimizer === 'adam';
          this.images.push({
            stage: cfg.stage,
            config: cfg,
            rng: new Rng(scheduleSeed(cfg.seed)),
            schedule,
            x: noise.clone(),
            m: adam ? tf.zeros(this.shape) : null,
            v: adam ? tf.zeros(this.shape) : null,
            failed: null,
            step: 0,
          });
        }
      } finally {
        noise.dispose();
      }
    } catch (err) {
      this.dispose();
      throw err;
    }
  }

  /** Steps completed by the batch. */
  get step(): number {
    return this._step;
  }

  get finished(): boolean {
    return this._step >= this.totalSteps || this.images.every((im) => im.failed !== null);
  }

  /** Why a stage's image left the batch, or null. */
  failure(stage: string): string | null {
    return this.imageOf(stage).failed;
  }

  private imageOf(stage: string): Image {
    const im = this.images.find((i) => i.stage === stage);
    if (!im) throw new Error(`stage "${stage}" is not part of this batch (${this.stages.join(', ')})`);
    return im;
  }

  private assertUsable(): void {
    if (this.disposed) throw new Error('This BatchedMetamerRun has been disposed');
  }

  private contextOf(im: Image, step: number): StepContext {
    return stepContext(step, im.config.itersPerPass, im.rng);
  }

  /** Image b's loss at its stage from its activation there (spec section 2, or the regularised loss). */
  private lossOf(im: Image, x: tf.Tensor, Ap: tf.Tensor, mask: tf.Tensor | null): tf.Scalar {
    return stageLoss(this.model.inputSpec, im.config, im.stage, this.refActs[im.stage], Ap, x, mask);
  }

  /**
   * One step of every image still in the batch (synchronous read-back). Returns the
   * StepRecord of each stage that stepped; a stage whose values turned NaN/Inf leaves the
   * batch and is listed in `failed` with the reason.
   */
  stepOnce(): { records: Record<string, StepRecord>; failed: Record<string, string> } {
    if (this.busy) throw new Error('stepOnce() cannot be called while run() is in progress');
    const p = this.compute();
    return this.commit(p, p.packed.dataSync());
  }

  private async stepAsync(): Promise<{ records: Record<string, StepRecord>; failed: Record<string, string> }> {
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

  private compute(): Pending {
    this.assertUsable();
    if (this.finished) throw new Error(`The batch is finished (${this.totalSteps} steps)`);
    const step = this._step;
    const active = this.images.filter((im) => im.failed === null);
    const stageOf = active.map((im) => im.stage);
    const masks = active.map((im) => (im.schedule ? im.schedule.maskFor(this.contextOf(im, step)) : null));
    const base = active[0].config;
    const eta = stepSizeAt(step, base);
    const range = this.model.inputSpec.range;
    const fakeRelu = base.fakeRelu;
    let losses: tf.Tensor | null = null;
    const out = tf.tidy(() => {
      const objective = (...xs: tf.Tensor[]): tf.Scalar => {
        const batch = xs.length === 1 ? xs[0] : tf.concat(xs, 0);
        const acts = this.model.forwardEach!(batch, stageOf, { fakeRelu });
        const each = active.map((im, b) => this.lossOf(im, xs[b], acts[b], masks[b]));
        losses = tf.keep(tf.stack(each));
        return (each.length === 1 ? each[0] : tf.addN(each)) as tf.Scalar;
      };
      const grads = tf.grads(objective)(active.map((im) => im.x));
      const rows: tf.Tensor[] = [];
      const next: { x: tf.Tensor; m: tf.Tensor | null; v: tf.Tensor | null }[] = [];
      active.forEach((im, b) => {
        // The same update as MetamerRun's step, image by image.
        const { x: xNew, m, v, gnorm, bad } = updateIterate(im.config, im.x, grads[b], im, step, eta, range);
        rows.push(tf.stack([gnorm, bad]));
        next.push({ x: xNew, m, v });
      });
      const packed = tf.concat([losses!, ...rows]);
      // tidy keeps every tensor inside the returned object (null moments included as nothing).
      return { packed, next } as unknown as tf.TensorContainer;
    }) as unknown as Pick<Pending, 'packed' | 'next'>;
    (losses as tf.Tensor | null)?.dispose();
    return { packed: out.packed, next: out.next, active, step, eta };
  }

  private discard(p: Pending): void {
    p.packed.dispose();
    for (const n of p.next) tf.dispose([n.x, ...(n.m ? [n.m] : []), ...(n.v ? [n.v] : [])]);
  }

  private commit(p: Pending, values: ArrayLike<number>): { records: Record<string, StepRecord>; failed: Record<string, string> } {
    if (this.disposed) {
      this.discard(p);
      throw new Error('This BatchedMetamerRun was disposed during a step');
    }
    const records: Record<string, StepRecord> = {};
    const failed: Record<string, string> = {};
    const B = p.active.length;
    p.active.forEach((im, b) => {
      const loss = values[b];
      const gradNorm = values[B + 2 * b];
      const bad = values[B + 2 * b + 1];
      const n = p.next[b];
      const problem = stepProblem(loss, gradNorm, bad, p.step, im.stage);
      if (problem) {
        tf.dispose([n.x, ...(n.m ? [n.m] : []), ...(n.v ? [n.v] : [])]);
        im.failed = problem;
        failed[im.stage] = problem;
        return;
      }
      im.x.dispose();
      im.x = n.x;
      if (n.m) {
        im.m?.dispose();
        im.v?.dispose();
        im.m = n.m;
        im.v = n.v;
      }
      im.step = p.step + 1;
      records[im.stage] = { step: p.step, loss, eta: p.eta, gradNorm };
    });
    p.packed.dispose();
    this._step = p.step + 1;
    return { records, failed };
  }

  /** A copy of a stage's current iterate [1, ...shape]; the caller disposes it. */
  current(stage: string): tf.Tensor {
    this.assertUsable();
    return this.imageOf(stage).x.clone();
  }

  /** Metrics of a stage's current iterate against the reference, at `only` (default every stage), as separate runs measure. */
  async measure(stage: string, only?: readonly string[]): Promise<Record<string, MetricSet>> {
    this.assertUsable();
    const im = this.imageOf(stage);
    const stages = only ? inModelOrder(this.model, only) : this.model.stages.slice();
    return iterateMetrics(this.model, this.reference, this.refActs, im.x, stages);
  }

  private snapshotEvent(im: Image): Promise<EngineEvent> {
    return snapshotEvent(im.x, im.step, this.shape);
  }

  /**
   * Runs every stage to the end (or a stop). Per stage, the events a separate run emits:
   * 'started'; 'progress'; 'metrics' every metricsEvery steps and at the end; 'snapshot'
   * every snapshotEvery steps (x_0 included) and at the end; then 'done', or 'error' for a
   * stage whose values became NaN/Inf. Never rejects for engine errors: any other exception
   * ends every unfinished stage with 'error'.
   */
  async run(opts: BatchedRunOptions): Promise<BatchedOutcome> {
    this.assertUsable();
    if (this.busy) throw new Error('run() is already in progress');
    this.busy = true;
    const { onEvent, signal } = opts;
    const progressEvery = Math.max(1, Math.floor(opts.progressEvery ?? 10));
    const yieldEvery = Math.max(0, Math.floor(opts.yieldEvery ?? 1));
    const { metricsEvery, snapshotEvery } = this.images[0].config;
    const buffers = new Map<string, StepRecord[]>(this.stages.map((s) => [s, []]));
    const emit = (stage: string, event: EngineEvent) => onEvent({ stage, event });
    const flush = (stage: string) => {
      const records = buffers.get(stage)!;
      if (records.length === 0) return;
      buffers.set(stage, []);
      emit(stage, { type: 'progress', records });
    };
    const live = () => this.images.filter((im) => im.failed === null);
    const measureOf = (im: Image) =>
      opts.measureStages === 'own' ? [im.stage] : opts.measureStages;
    const metrics = async (im: Image) => emit(im.stage, { type: 'metrics', step: im.step, stages: await this.measure(im.stage, measureOf(im)) });
    const periodic = async () => {
      const s = this._step;
      if (s >= this.totalSteps) return;
      for (const im of live()) {
        if (metricsEvery > 0 && s % metricsEvery === 0) {
          flush(im.stage);
          await metrics(im);
        }
        if (snapshotEvery > 0 && s % snapshotEvery === 0) {
          flush(im.stage);
          emit(im.stage, await this.snapshotEvent(im));
        }
      }
    };
    try {
      for (const im of this.images) emit(im.stage, { type: 'started', totalSteps: this.totalSteps, step: this._step });
      if (this._step === 0) await periodic();
      while (!this.finished) {
        if (signal?.aborted || this.disposed) {
          for (const im of live()) {
            flush(im.stage);
            if (!this.disposed) emit(im.stage, await this.snapshotEvent(im));
            emit(im.stage, { type: 'done', step: im.step, stopped: true });
          }
          return 'stopped';
        }
        const { records, failed } = await this.stepAsync();
        for (const [stage, r] of Object.entries(records)) {
          const buffer = buffers.get(stage)!;
          buffer.push(r);
          if (buffer.length >= progressEvery) flush(stage);
        }
        for (const [stage, message] of Object.entries(failed)) {
          flush(stage);
          emit(stage, { type: 'error', step: this._step - 1, message });
        }
        await periodic();
        if (yieldEvery > 0 && this._step % yieldEvery === 0) await macrotask();
      }
      for (const im of live()) {
        flush(im.stage);
        await metrics(im);
        emit(im.stage, await this.snapshotEvent(im));
        emit(im.stage, { type: 'done', step: im.step, stopped: false });
      }
      return 'done';
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      for (const im of live()) {
        im.failed = message;
        try {
          flush(im.stage);
        } catch {
          // The listener itself failed; the error event below still says why.
        }
        emit(im.stage, { type: 'error', step: im.step, message });
      }
      return 'done';
    } finally {
      this.busy = false;
    }
  }

  /** Frees the batch's tensors and loss schedules (not the model). Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const im of this.images) {
      im.x.dispose();
      im.m?.dispose();
      im.v?.dispose();
      im.schedule?.dispose();
    }
    for (const t of Object.values(this.refActs)) t.dispose();
    (this.reference as tf.Tensor | undefined)?.dispose();
  }
}

interface Pending {
  packed: tf.Tensor;
  next: { x: tf.Tensor; m: tf.Tensor | null; v: tf.Tensor | null }[];
  active: Image[];
  step: number;
  eta: number;
}
