/**
 * Page settings read from (and written back to) the URL, so a run can be shared or driven
 * by tests. Opening a shared link reproduces the run: model, stage, bundled reference,
 * every run setting and the seed are in it.
 *
 * Parameters (all optional; a missing or malformed value means the default):
 *   model=hmax        model id (default fmnist-alexnet)  backend=webgpu|webgl|wasm|cpu (absent: auto)
 *   stage=S1          generation stage               ref=2        bundled reference index (0 = first)
 *   preset=quick|paper step budget (quick 4x500, paper 8x3000; steps/passes override it)
 *   steps=2000        total optimizer steps          passes=4     passes the steps are split over
 *                     (the rule: stepBudget in src/engine/run-recipe.ts, shared with the CLI)
 *   seed=7            seed of the starting noise, integer 0..2^32-1
 *   opt=ngd|adam      optimizer (normalized gradient descent / Adam)
 *   lr=0.001          Adam learning rate             eta=1        normalized-gd initial step length eta0
 *   frelu=0|1         fake ReLU at the generation stage (default 1)
 *   tv=0.01           total-variation weight         an=0.001     alpha-norm weight
 *   alpha=6           alpha-norm exponent
 *   measure=stage     live metrics only at the generation stage (default: all stages)
 *   autostart=1       start the run as soon as the page is ready
 *   projector=1|0     projector mode (large type, high contrast); also remembered in localStorage
 * e.g. ?model=hmax&backend=webgpu&stage=S1&steps=6&passes=1&seed=1&ref=0&autostart=1
 */
import { isBrowserBackend, type BrowserBackend } from '../platform/backend-names.ts';
import {
  isPresetName, NUMERIC_FIELDS, numericFromParam, optimizerParam, parseOptimizer,
  type NumericSetting, type RunSettingsValues,
} from './run-settings.ts';

export interface PageParams extends RunSettingsValues {
  model: string;
  backend?: BrowserBackend;
  stage?: string;
  referenceIndex: number;
  autostart: boolean;
  /** `measure=stage`: live metrics only at the generation stage (faster on slow devices). */
  measure: 'all' | 'stage';
  /** Projector mode asked for by the URL (true/false), or undefined: the remembered choice. */
  projector?: boolean;
}

function nonNegativeInt(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}

function flag(value: string | null): boolean | undefined {
  if (value === '1' || value === 'true') return true;
  if (value === '0' || value === 'false') return false;
  return undefined;
}

const NUMERIC_KEYS = Object.keys(NUMERIC_FIELDS) as NumericSetting[];

/**
 * The model a first visit opens: small and fast (28x28 input; the quick preset reaches a
 * passing metamer in well under a minute on wasm), with a class readout that shows the result.
 */
export const DEFAULT_MODEL = 'fmnist-alexnet';

export function parsePageParams(search: string): PageParams {
  const q = new URLSearchParams(search);
  const backend = q.get('backend') ?? undefined;
  const preset = q.get('preset');
  const p: PageParams = {
    model: q.get('model') || DEFAULT_MODEL,
    backend: backend && isBrowserBackend(backend) ? backend : undefined,
    stage: q.get('stage') || undefined,
    referenceIndex: nonNegativeInt(q.get('ref')) ?? 0,
    autostart: flag(q.get('autostart')) === true,
    measure: q.get('measure') === 'stage' ? 'stage' : 'all',
    preset: isPresetName(preset) ? preset : undefined,
    optimizer: parseOptimizer(q.get('opt')),
    fakeRelu: flag(q.get('frelu')),
    projector: flag(q.get('projector')),
  };
  for (const key of NUMERIC_KEYS) p[key] = numericFromParam(key, q.get(NUMERIC_FIELDS[key].param));
  // Passes beyond the steps cannot be honoured; drop them rather than silently run more steps.
  if (p.steps !== undefined && p.passes !== undefined && p.passes > p.steps) p.passes = undefined;
  return p;
}

export function toSearch(p: PageParams): string {
  const q = new URLSearchParams();
  q.set('model', p.model);
  if (p.backend) q.set('backend', p.backend);
  if (p.stage) q.set('stage', p.stage);
  if (p.preset) q.set('preset', p.preset);
  for (const key of NUMERIC_KEYS) {
    const v = p[key];
    if (v !== undefined) q.set(NUMERIC_FIELDS[key].param, String(v));
  }
  if (p.optimizer) q.set('opt', optimizerParam(p.optimizer));
  if (p.fakeRelu !== undefined) q.set('frelu', p.fakeRelu ? '1' : '0');
  if (p.referenceIndex) q.set('ref', String(p.referenceIndex));
  if (p.autostart) q.set('autostart', '1');
  if (p.measure === 'stage') q.set('measure', 'stage');
  if (p.projector !== undefined) q.set('projector', p.projector ? '1' : '0');
  return '?' + q.toString();
}

/** The search string with one parameter set (or removed when value is undefined); others kept as they are. */
export function withParam(search: string, name: string, value: string | undefined): string {
  const q = new URLSearchParams(search);
  if (value === undefined) q.delete(name);
  else q.set(name, value);
  const s = q.toString();
  return s ? '?' + s : '';
}
