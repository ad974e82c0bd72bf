/**
 * The recipe of a run, shared by the page and the command line: the settings a user gives
 * (preset, steps, passes, seed, optimizer, ...) become one complete RunConfig by one rule.
 * Pure data; no tfjs, no DOM.
 */
import { liveCadence } from './cadence.ts';
import { DEFAULT_RUN_CONFIG, PRESETS, makeRunConfig, totalSteps, type PresetName } from './presets.ts';
import type { OptimizerKind, RunConfig } from './types.ts';

/** What a user can set for a run (all optional: undefined = the default). */
export interface RunSettings {
  /** Step budget by name; `steps` / `passes` override it. */
  preset?: PresetName;
  /** Total optimizer steps, split evenly over the passes. */
  steps?: number;
  passes?: number;
  seed?: number;
  optimizer?: OptimizerKind;
  /** Adam's initial learning rate. */
  learningRate?: number;
  /** Normalized gradient descent's initial step length (halves before every new pass). */
  eta0?: number;
  fakeRelu?: boolean;
  /** Total-variation weight (0 = off). */
  tv?: number;
  /** Alpha-norm weight (0 = off) and its exponent. */
  alphaNorm?: number;
  alpha?: number;
}

/** The budget used when the settings name none: the paper's (the engine's defaults). */
export const DEFAULT_PRESET: PresetName = 'paper';

/**
 * The step budget, one rule for the page and the CLI:
 * - the total is `steps`, else the preset's (default: DEFAULT_PRESET) passes x itersPerPass;
 * - the passes are `passes`, else the named preset's, else one pass when only `steps` is given
 *   (so eta does not halve every few steps of a short run), else the default preset's;
 * - never more passes than steps; itersPerPass = ceil(total / passes), so a run never has
 *   fewer steps than asked (steps=10, passes=4 runs 4 x 3 = 12; runBudgetNote says so).
 */
export function stepBudget(s: Pick<RunSettings, 'preset' | 'steps' | 'passes'>): { passes: number; itersPerPass: number } {
  const preset = PRESETS[s.preset ?? DEFAULT_PRESET];
  const total = s.steps ?? totalSteps(preset);
  const wanted = s.passes ?? (s.preset ? preset.passes : s.steps !== undefined ? 1 : preset.passes);
  const passes = Math.max(1, Math.min(wanted, total));
  return { passes, itersPerPass: Math.ceil(total / passes) };
}

/** A line saying how the asked-for steps became passes x itersPerPass, or null when they are exact. */
export function budgetNote(s: Pick<RunSettings, 'preset' | 'steps' | 'passes'>): string | null {
  const b = stepBudget(s);
  const total = totalSteps(b);
  if (s.steps === undefined || total === s.steps) return null;
  return `running ${b.passes} passes x ${b.itersPerPass} = ${total} steps (${s.steps} do not split evenly)`;
}

/** Run-config overrides of the settings (engine defaults fill the rest). */
export function settingsOverrides(s: RunSettings): Partial<RunConfig> {
  const out: Partial<RunConfig> = { ...stepBudget(s) };
  if (s.seed !== undefined) out.seed = s.seed;
  if (s.optimizer !== undefined) out.optimizer = s.optimizer;
  if (s.eta0 !== undefined) out.eta0 = s.eta0;
  if (s.fakeRelu !== undefined) out.fakeRelu = s.fakeRelu;
  if (s.learningRate !== undefined) out.adam = { ...DEFAULT_RUN_CONFIG.adam, learningRate: s.learningRate };
  if (s.tv !== undefined || s.alphaNorm !== undefined || s.alpha !== undefined) {
    const d = DEFAULT_RUN_CONFIG.regularizers;
    out.regularizers = { tv: s.tv ?? d.tv, alphaNorm: s.alphaNorm ?? d.alphaNorm, alpha: s.alpha ?? d.alpha };
  }
  return out;
}

/**
 * The complete, validated config of a run at `stage` from the user's settings, with the live
 * cadence (snapshots and metrics) of its length. The page sends this to the worker and the CLI
 * runs it, so the same settings give the same config on both sides.
 */
export function runConfigFor(stage: string, settings: RunSettings): RunConfig {
  const overrides = settingsOverrides(settings);
  return makeRunConfig(stage, { ...overrides, ...liveCadence(totalSteps(overrides as Pick<RunConfig, 'passes' | 'itersPerPass'>)) });
}
