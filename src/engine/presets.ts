/**
 * Run configuration: defaults (spec section 2), named presets, validation.
 * Pure data and checks; no tfjs.
 */
import type { AdamConfig, RegularizerConfig, RunConfig } from './types.ts';

/** Every RunConfig field except the stage, at the paper's reference values. */
export const DEFAULT_RUN_CONFIG: Readonly<Omit<RunConfig, 'stage'>> = Object.freeze({
  optimizer: 'normalized-gd',
  passes: 8,
  itersPerPass: 3000,
  eta0: 1,
  adam: Object.freeze({ learningRate: 1e-3, decay: 0.95, decayEvery: 1000 }),
  regularizers: Object.freeze({ tv: 0, alphaNorm: 0, alpha: 6 }),
  fakeRelu: true,
  useLossSchedule: true,
  seed: 0,
  metricsEvery: 500,
  snapshotEvery: 100,
});

/** Step budgets: the paper's 8 x 3000, and a short one for trying things out. */
export const PRESETS = Object.freeze({
  paper: Object.freeze({ passes: 8, itersPerPass: 3000 }),
  quick: Object.freeze({ passes: 4, itersPerPass: 500 }),
});
export type PresetName = keyof typeof PRESETS;

/** Overrides for makeRunConfig; the nested objects may be given in part. */
export type RunConfigOverrides = Partial<Omit<RunConfig, 'stage' | 'adam' | 'regularizers'>> & {
  adam?: Partial<AdamConfig>;
  regularizers?: Partial<RegularizerConfig>;
};

/**
 * A complete, validated RunConfig for `stage`: defaults, then overrides (nested objects merged).
 * Whether the stage exists is checked by the run (it needs the model).
 */
export function makeRunConfig(stage: string, overrides: RunConfigOverrides = {}): RunConfig {
  const d = DEFAULT_RUN_CONFIG;
  const { adam, regularizers, ...flat } = overrides;
  const config: RunConfig = {
    ...d,
    ...dropUndefined(flat),
    stage,
    adam: { ...d.adam, ...dropUndefined(adam ?? {}) },
    regularizers: { ...d.regularizers, ...dropUndefined(regularizers ?? {}) },
  };
  return validateRunConfig(config);
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

function fail(field: string, want: string, got: unknown): never {
  throw new Error(`Invalid run config: ${field} must be ${want} (got ${JSON.stringify(got)})`);
}

function positiveInt(field: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) fail(field, 'a positive integer', v);
}

function nonNegativeInt(field: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) fail(field, 'an integer >= 0', v);
}

function positiveFinite(field: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) fail(field, 'a finite number > 0', v);
}

function nonNegativeFinite(field: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(field, 'a finite number >= 0', v);
}

/** Throws an Error naming the first bad field; returns the config unchanged when it is valid. */
export function validateRunConfig(c: RunConfig): RunConfig {
  if (c == null || typeof c !== 'object') throw new Error('Invalid run config: not an object');
  if (typeof c.stage !== 'string' || c.stage.length === 0) fail('stage', 'a non-empty string', c.stage);
  if (c.optimizer !== 'normalized-gd' && c.optimizer !== 'adam') {
    fail('optimizer', '"normalized-gd" or "adam"', c.optimizer);
  }
  positiveInt('passes', c.passes);
  positiveInt('itersPerPass', c.itersPerPass);
  positiveFinite('eta0', c.eta0);
  if (c.adam == null || typeof c.adam !== 'object') fail('adam', 'an object', c.adam);
  positiveFinite('adam.learningRate', c.adam.learningRate);
  if (typeof c.adam.decay !== 'number' || !(c.adam.decay > 0 && c.adam.decay <= 1)) {
    fail('adam.decay', 'a number in (0, 1]', c.adam.decay);
  }
  positiveInt('adam.decayEvery', c.adam.decayEvery);
  if (c.regularizers == null || typeof c.regularizers !== 'object') {
    fail('regularizers', 'an object', c.regularizers);
  }
  nonNegativeFinite('regularizers.tv', c.regularizers.tv);
  nonNegativeFinite('regularizers.alphaNorm', c.regularizers.alphaNorm);
  if (typeof c.regularizers.alpha !== 'number' || !Number.isFinite(c.regularizers.alpha) || c.regularizers.alpha < 1) {
    fail('regularizers.alpha', 'a finite number >= 1', c.regularizers.alpha);
  }
  if (typeof c.fakeRelu !== 'boolean') fail('fakeRelu', 'a boolean', c.fakeRelu);
  if (typeof c.useLossSchedule !== 'boolean') fail('useLossSchedule', 'a boolean', c.useLossSchedule);
  if (typeof c.seed !== 'number' || !Number.isInteger(c.seed) || c.seed < 0 || c.seed > 0xffffffff) {
    fail('seed', 'an integer in [0, 2^32)', c.seed);
  }
  nonNegativeInt('metricsEvery', c.metricsEvery);
  nonNegativeInt('snapshotEvery', c.snapshotEvery);
  return c;
}

/** Steps of a whole run: passes x itersPerPass. */
export function totalSteps(c: Pick<RunConfig, 'passes' | 'itersPerPass'>): number {
  return c.passes * c.itersPerPass;
}

/** True when the run uses the regularised loss (spec section 2, control experiment). */
export function usesRegularizers(c: Pick<RunConfig, 'regularizers'>): boolean {
  return c.regularizers.tv > 0 || c.regularizers.alphaNorm > 0;
}
