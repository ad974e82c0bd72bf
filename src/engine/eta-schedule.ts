/**
 * Step-size schedules as pure functions of the global step (0-based).
 * normalized-gd: eta = eta0 / 2^pass (eta halves before each new pass).
 * adam: lr = learningRate * decay^floor(step / decayEvery) (2019 variant: x0.95 every 1000).
 */
import type { AdamConfig, RunConfig } from './types.ts';

/** Pass index (0-based) of a global step. */
export function passOf(step: number, itersPerPass: number): number {
  return Math.floor(step / itersPerPass);
}

/** Iteration inside its pass (0-based). */
export function iterInPassOf(step: number, itersPerPass: number): number {
  return step - passOf(step, itersPerPass) * itersPerPass;
}

/** Normalized-gd step length at a step: eta0 / 2^pass. */
export function etaAt(step: number, cfg: Pick<RunConfig, 'eta0' | 'itersPerPass'>): number {
  return cfg.eta0 / 2 ** passOf(step, cfg.itersPerPass);
}

/** Adam learning rate at a step: learningRate * decay^floor(step / decayEvery). */
export function adamLearningRateAt(step: number, adam: AdamConfig): number {
  return adam.learningRate * adam.decay ** Math.floor(step / adam.decayEvery);
}

/** The step size a run uses at `step` (eta for normalized-gd, the learning rate for adam). */
export function stepSizeAt(
  step: number,
  cfg: Pick<RunConfig, 'optimizer' | 'eta0' | 'itersPerPass' | 'adam'>,
): number {
  return cfg.optimizer === 'adam' ? adamLearningRateAt(step, cfg.adam) : etaAt(step, cfg);
}
