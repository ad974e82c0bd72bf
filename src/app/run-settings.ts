/**
 * The run-settings fields: what each one means (label + one-sentence tooltip), and the one
 * parser per field that both the settings panel (typed text) and the URL (query values) use,
 * so a value the panel refuses is also ignored in a shared link, and vice versa.
 * Pure: no DOM, no tfjs.
 */
import type { MeasureScope, OptimizerKind } from '../engine/types.ts';
import { DEFAULT_RUN_CONFIG, PRESETS, totalSteps, type PresetName } from '../engine/presets.ts';
import type { RunSettings } from '../engine/run-recipe.ts';

/** The settings a run can be given from the page: the engine's RunSettings (one recipe with the CLI). */
export type RunSettingsValues = RunSettings;

/** What the settings panel edits: the run settings plus which stages are measured live. */
export type RunSettingsState = RunSettingsValues & { measure: MeasureScope };

export type NumericSetting = 'steps' | 'passes' | 'seed' | 'learningRate' | 'eta0' | 'tv' | 'alphaNorm' | 'alpha';

/** Either a value or a message that says exactly what is wrong with the text. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

export interface NumericField {
  key: NumericSetting;
  /** Short URL parameter name. */
  param: string;
  label: string;
  /** One sentence, no unexplained jargon. */
  tooltip: string;
  integer: boolean;
  min: number;
  /** Inclusive upper bound. */
  max: number;
  /** The minimum itself is not allowed (e.g. a learning rate of exactly 0). */
  minExclusive?: boolean;
  /** Value the engine uses when the field is left empty. */
  fallback: number;
}

const MAX_STEPS = 1_000_000;
const MAX_SEED = 0xffffffff;

export const NUMERIC_FIELDS: Readonly<Record<NumericSetting, NumericField>> = Object.freeze({
  steps: {
    key: 'steps', param: 'steps', label: 'Steps', integer: true, min: 1, max: MAX_STEPS,
    fallback: totalSteps(DEFAULT_RUN_CONFIG),
    tooltip: 'Total number of optimisation steps; more steps match the model stage more closely but take longer.',
  },
  passes: {
    key: 'passes', param: 'passes', label: 'Passes', integer: true, min: 1, max: 1000,
    fallback: DEFAULT_RUN_CONFIG.passes,
    tooltip: 'The steps are split into this many equal passes, and the step length halves at the start of each new pass.',
  },
  seed: {
    key: 'seed', param: 'seed', label: 'Seed', integer: true, min: 0, max: MAX_SEED,
    fallback: DEFAULT_RUN_CONFIG.seed,
    tooltip: 'Number that fixes the random starting noise, so the same seed and settings give the same metamer again.',
  },
  learningRate: {
    key: 'learningRate', param: 'lr', label: 'Adam learning rate', integer: false, min: 0, minExclusive: true, max: 1e6,
    fallback: DEFAULT_RUN_CONFIG.adam.learningRate,
    tooltip: 'Initial step size of the Adam optimizer (a gradient method with per-pixel adaptive steps); it decays by 5% every 1000 steps.',
  },
  eta0: {
    key: 'eta0', param: 'eta', label: 'Initial step length (η₀)', integer: false, min: 0, minExclusive: true, max: 1e6,
    fallback: DEFAULT_RUN_CONFIG.eta0,
    tooltip: 'How far the first pass moves the input per step along the normalised gradient (the paper uses 1).',
  },
  tv: {
    key: 'tv', param: 'tv', label: 'Smoothness weight (TV)', integer: false, min: 0, max: 1e9,
    fallback: DEFAULT_RUN_CONFIG.regularizers.tv,
    tooltip: 'Weight of the total-variation penalty, which favours smooth images by penalising differences between neighbouring pixels (0 = off).',
  },
  alphaNorm: {
    key: 'alphaNorm', param: 'an', label: 'Alpha-norm weight', integer: false, min: 0, max: 1e9,
    fallback: DEFAULT_RUN_CONFIG.regularizers.alphaNorm,
    tooltip: 'Weight of the alpha-norm penalty, which keeps pixel values from growing extreme (0 = off).',
  },
  alpha: {
    key: 'alpha', param: 'alpha', label: 'Alpha', integer: false, min: 1, max: 100,
    fallback: DEFAULT_RUN_CONFIG.regularizers.alpha,
    tooltip: 'Exponent of the alpha-norm penalty: larger values punish the most extreme pixels hardest (the paper uses 6).',
  },
});

export const OPTIMIZER_TOOLTIP =
  'Normalised gradient descent (the paper\'s method) steps a fixed length along the gradient direction; Adam adapts the step per pixel.';
export const FAKE_RELU_TOOLTIP =
  'Lets the gradient pass through the generation stage\'s ReLUs (units that output max(0, x)) even where they are off, which helps the optimisation start; the paper uses it.';
export const PRESET_TOOLTIP =
  'A named step budget: "paper" is the paper\'s 8 passes of 3000 steps (24000 steps), "quick" is 4 passes of 500 steps.';
export const MEASURE_TOOLTIP =
  'Which model stages the live similarity numbers are computed for; measuring only the generation stage is faster on slow devices.';
export const BACKEND_TOOLTIP =
  'Which TensorFlow.js engine does the maths: WebGPU and WebGL use the graphics card, WebAssembly and CPU the processor; changing it reloads the page.';

export const PRESET_LABELS: Readonly<Record<PresetName, string>> = Object.freeze({
  paper: `paper (${PRESETS.paper.passes} × ${PRESETS.paper.itersPerPass} = ${totalSteps(PRESETS.paper)} steps)`,
  quick: `quick (${PRESETS.quick.passes} × ${PRESETS.quick.itersPerPass} = ${totalSteps(PRESETS.quick)} steps)`,
});

export function isPresetName(v: string | null | undefined): v is PresetName {
  return v != null && Object.prototype.hasOwnProperty.call(PRESETS, v);
}

/** URL spelling of the optimizers: short, and the full names are accepted too. */
export function parseOptimizer(v: string | null | undefined): OptimizerKind | undefined {
  if (v === 'adam') return 'adam';
  if (v === 'ngd' || v === 'normalized-gd') return 'normalized-gd';
  return undefined;
}

export function optimizerParam(o: OptimizerKind): string {
  return o === 'adam' ? 'adam' : 'ngd';
}

// Plain decimal or exponent notation only: Number() alone would accept '', ' 1', '0x10', 'Infinity'.
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** Text typed into (or found in the URL for) a numeric field: a value, or what is wrong with it. */
export function parseNumeric(key: NumericSetting, text: string): Parsed<number> {
  const f = NUMERIC_FIELDS[key];
  const t = text.trim();
  if (t === '') return { ok: false, error: `${f.label} is empty: enter a number.` };
  if (!DECIMAL.test(t)) return { ok: false, error: `${f.label}: "${t}" is not a number.` };
  const n = Number(t);
  if (!Number.isFinite(n)) return { ok: false, error: `${f.label}: ${t} is too large.` };
  if (f.integer && !Number.isInteger(n)) return { ok: false, error: `${f.label} must be a whole number (got ${t}).` };
  const low = f.minExclusive ? n <= f.min : n < f.min;
  if (low || n > f.max) {
    const lower = f.minExclusive ? `more than ${f.min}` : `at least ${f.min}`;
    return { ok: false, error: `${f.label} must be ${lower} and at most ${f.max} (got ${t}).` };
  }
  return { ok: true, value: n };
}

/** The URL form of a numeric value: undefined for missing or invalid (the default applies). */
export function numericFromParam(key: NumericSetting, value: string | null): number | undefined {
  if (value === null) return undefined;
  const p = parseNumeric(key, value);
  return p.ok ? p.value : undefined;
}

/** Checks between fields; null when the combination is fine. */
export function crossFieldError(v: Pick<RunSettingsValues, 'steps' | 'passes'>): string | null {
  if (v.steps !== undefined && v.passes !== undefined && v.passes > v.steps) {
    return `Passes (${v.passes}) cannot exceed steps (${v.steps}): every pass needs at least one step.`;
  }
  return null;
}
