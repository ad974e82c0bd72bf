/**
 * The run-setting flags that "metamer generate" and "metamer batch plan" share, and how they
 * read into RunSettings: the same settings the page's URL and panel give (one recipe:
 * src/engine/run-recipe.ts).
 */
import { choiceOption, intOption, numberOption, type parse } from './args.ts';
import { UsageError } from './errors.ts';
import { PRESETS, type PresetName } from '../engine/presets.ts';
import { DEFAULT_PRESET, type RunSettings } from '../engine/run-recipe.ts';

export const RUN_SETTING_OPTIONS = {
  steps: { type: 'string' },
  passes: { type: 'string' },
  seed: { type: 'string' },
  preset: { type: 'string' },
  optimizer: { type: 'string' },
  lr: { type: 'string' },
  eta0: { type: 'string' },
  tv: { type: 'string' },
  'alpha-norm': { type: 'string' },
  alpha: { type: 'string' },
  'fake-relu': { type: 'boolean' },
} as const;

type RunSettingValues = ReturnType<typeof parse<typeof RUN_SETTING_OPTIONS>>['values'];

/** The run settings of the flags: the same RunSettings the page's URL and panel give. */
export function cliRunSettings(values: RunSettingValues): RunSettings {
  const settings: RunSettings = {
    preset: values.preset === undefined ? undefined : choiceOption(values.preset, 'preset', Object.keys(PRESETS) as PresetName[], DEFAULT_PRESET),
    steps: values.steps === undefined ? undefined : intOption(values.steps, 'steps', undefined, 1),
    passes: values.passes === undefined ? undefined : intOption(values.passes, 'passes', undefined, 1),
    seed: intOption(values.seed, 'seed', 0),
    optimizer: choiceOption(values.optimizer, 'optimizer', ['normalized-gd', 'adam'] as const, 'normalized-gd'),
    learningRate: numberOption(values.lr, 'lr'),
    eta0: numberOption(values.eta0, 'eta0'),
    fakeRelu: values['fake-relu'] ?? true,
    tv: numberOption(values.tv, 'tv'),
    alphaNorm: numberOption(values['alpha-norm'], 'alpha-norm'),
    alpha: numberOption(values.alpha, 'alpha'),
  };
  if (settings.steps !== undefined && settings.passes !== undefined && settings.passes > settings.steps) {
    throw new UsageError(`--passes (${settings.passes}) cannot exceed --steps (${settings.steps}): every pass needs at least one step`);
  }
  return settings;
}
