/**
 * What `npm run build:prepared` prepares: for every built-in model, a few references, every
 * stage, and a step budget this 2-core CPU affords (wasm backend). The image models with
 * small inputs get the quick preset; the large and audio models a short budget, said so in
 * each set's note (audio models run ~0.4 steps/s on wasm, the paper's 24,000 steps would take
 * ~17 h per stage). Changing an entry changes its plan hash, and a rerun rebuilds that set.
 */
import type { RunConfigOverrides } from '../../src/engine/presets.ts';

export interface PreparedPlan {
  model: string;
  /** Bundled reference indices of `model` (or of `referenceModel`). */
  references: number[];
  /** Take the reference from another model's bundled stimuli (same input spec). */
  referenceModel?: string;
  passes: number;
  itersPerPass: number;
  label: 'paper' | 'quick' | 'short';
  note: string;
  /** Other run settings (all stages). */
  overrides?: RunConfigOverrides;
  /** Snapshots kept along the optimisation (start noise and final metamer included). */
  frames: number;
  /** Live-metric measurements along the run (all stages each time); 1: at the end only. */
  measurements: number;
  /** Measure only the generation stage (the other rows of the grid stay empty): for models whose deep stages take long to measure. */
  measureGenerationStageOnly?: boolean;
  /** JPEG quality for snapshots of large images (absent: PNG). */
  jpegQuality?: number;
}

export const PLANS: PreparedPlan[] = [
  {
    model: 'fmnist-alexnet', references: [7, 0, 1], passes: 4, itersPerPass: 500, label: 'quick', frames: 8, measurements: 20,
    note: 'quick preset (4 x 500 = 2,000 steps; the paper\'s 8 x 3,000 take about 1 min per stage on this CPU)',
  },
  {
    model: 'fmnist-alexnet-robust', references: [7, 0], passes: 4, itersPerPass: 500, label: 'quick', frames: 8, measurements: 20,
    note: 'quick preset (4 x 500 = 2,000 steps)',
  },
  // The family of issue 15 (other seeds, another architecture): one reference each, a shorter quick budget.
  ...['fmnist-alexnet-seed1', 'fmnist-alexnet-seed2', 'fmnist-alexnet-robust-seed1', 'fmnist-resnet'].map((model): PreparedPlan => ({
    model, references: [7], passes: 4, itersPerPass: 250, label: 'short', frames: 6, measurements: 5,
    note: 'short budget (4 x 250 = 1,000 steps): one of the family of Fashion-MNIST models, built alongside the others on a shared CPU',
  })),
  {
    model: 'hmax', references: [2], passes: 4, itersPerPass: 5, label: 'short', frames: 4, measurements: 1, jpegQuality: 85,
    overrides: { eta0: 2000, useLossSchedule: false },
    note: 'short budget (4 x 5 = 20 steps, step sized for the 0-255 grey scale, all units at once; metrics at the end only): HMAX runs ~1 step/s on this CPU, the paper\'s schedule would take days',
  },
  {
    model: 'centernet', references: [2], passes: 2, itersPerPass: 15, label: 'short', frames: 4, measurements: 1, jpegQuality: 85,
    note: 'short budget (2 x 15 = 30 steps; metrics at the end only): a 256x256 MobileNetV3 runs a few steps/s on this CPU',
  },
  {
    model: 'cochcnn9-words', references: [0], passes: 4, itersPerPass: 1, label: 'short', frames: 3, measurements: 1,
    overrides: { eta0: 4 },
    note: 'short budget (4 x 1 = 4 steps; metrics at the end only): audio models run ~0.4 steps/s on wasm on this CPU; only the shallowest stages get near a metamer',
  },
  {
    model: 'spectemp', references: [0], referenceModel: 'cochcnn9-words', passes: 4, itersPerPass: 1, label: 'short', frames: 3, measurements: 1,
    measureGenerationStageOnly: true, overrides: { eta0: 4 },
    note: 'short budget (4 x 1 = 4 steps, a clip of the word set as the reference; metrics at the generation stage only, at the end): ~0.2-0.4 steps/s on wasm on this CPU, and measuring its 9-million-unit stages takes seconds each',
  },
];
