/**
 * Spectemp (Feather et al. 2023, after Chi, Ru & Shamma 2005) as a StagedModel:
 *   raw audio [1, 40000] in [-1, 1] (20 kHz, no normalisation)
 *   -> cochleagram [1, 211, 390]
 *   -> filtered_signal [1, 110, 211, 390]: real output of each modulation filter (zero-phase
 *      transfer functions, so the filtered signal is real; see spectemp-filters.ts)
 *   -> power [1, 110, 211, 390]: its square
 *   -> average [1, 110, 211]: power averaged over time (frames), per filter and channel.
 * With manifest.params.readout and manifest.classes, a trained linear word readout on `average`
 * (spectemp-readout.ts) gives the model its class logits.
 */
import * as tf from '@tensorflow/tfjs';
import { Cochleagram } from '../../audio/cochleagram.ts';
import { cochleagramShape, validateCochleagramConfig, type CochleagramConfig } from '../../audio/cochleagram-config.ts';
import { erb } from '../../audio/erb.ts';
import { stagedModelFromFunction } from '../../engine/staged-model.ts';
import type { InputSpec, StagedModel } from '../../engine/types.ts';
import type { ModelManifest, ModelSource } from '../manifest.ts';
import { SPECTRAL_CENTRES, TEMPORAL_CENTRES, type SpectempGeometry } from './spectemp-filters.ts';
import { SpectempFilterbank } from './spectemp-filterbank.ts';
import { createSpectempSchedule } from './spectemp-schedule.ts';
import { checkReadoutParams, SpectempReadout, type SpectempReadoutParams } from './spectemp-readout.ts';

export const SPECTEMP_STAGES = ['cochleagram', 'filtered_signal', 'power', 'average'] as const;

export interface SpectempParams {
  /** Spectral modulation centres, cycles/ERB. */
  spectralCentres: number[];
  /** Temporal modulation centres, Hz. */
  temporalCentres: number[];
  /** Zeros appended along frequency (channels) and time (frames) before the 2-D DFT. */
  freqPadding: number;
  timePadding: number;
  /** Cochleagram overrides (default: the paper's, spec section 5). */
  cochleagram?: Partial<CochleagramConfig>;
  /** Natural speech clips (16-bit WAV, paths relative to the model directory). */
  natural?: string[];
  /** The trained linear word readout on `average` (labels: manifest.classes). */
  readout?: SpectempReadoutParams;
}

export const DEFAULT_SPECTEMP_PARAMS: SpectempParams = {
  spectralCentres: [...SPECTRAL_CENTRES],
  temporalCentres: [...TEMPORAL_CENTRES],
  freqPadding: 211,
  timePadding: 800,
};

export function spectempInputSpec(cochleagram: Partial<CochleagramConfig> = {}): InputSpec {
  const c = validateCochleagramConfig(cochleagram);
  return {
    modality: 'audio',
    shape: [c.signalLength],
    range: [-1, 1],
    init: { mean: 0, std: 1e-5 },
    sampleRate: c.sampleRate,
  };
}

export const SPECTEMP_INPUT_SPEC: InputSpec = spectempInputSpec();

/**
 * Channel spacing of the cochleagram in ERB-number units: its band-pass centres are equally
 * spaced with d = (erb(high) - erb(low)) / (bandPassCount + 1) (spec section 5).
 */
export function channelSpacingErb(config: CochleagramConfig): number {
  return (erb(config.highHz) - erb(config.lowHz)) / (cochleagramShape(config).bandPassCount + 1);
}

export function spectempGeometry(params: SpectempParams): SpectempGeometry {
  const config = validateCochleagramConfig(params.cochleagram ?? {});
  const shape = cochleagramShape(config);
  return {
    channels: shape.channelCount,
    frames: shape.frameCount,
    channelSpacingErb: channelSpacingErb(config),
    frameRate: config.envSampleRate,
    freqPadding: params.freqPadding,
    timePadding: params.timePadding,
  };
}

/** Stage shapes without the batch dimension. */
export function spectempStageShapes(params: SpectempParams): Record<(typeof SPECTEMP_STAGES)[number], number[]> {
  const g = spectempGeometry(params);
  const F = params.spectralCentres.length * params.temporalCentres.length * 2 + params.spectralCentres.length + params.temporalCentres.length;
  return {
    cochleagram: [g.channels, g.frames],
    filtered_signal: [F, g.channels, g.frames],
    power: [F, g.channels, g.frames],
    average: [F, g.channels],
  };
}

/** `readout`: built from the weight file by buildSpectempModel; the model takes ownership. */
export function createSpectempModel(id: string, params: SpectempParams = DEFAULT_SPECTEMP_PARAMS, readout?: SpectempReadout): StagedModel {
  const cochleagram = new Cochleagram(params.cochleagram ?? {});
  const bank = new SpectempFilterbank(spectempGeometry(params), {
    scales: params.spectralCentres,
    rates: params.temporalCentres,
  });
  const depth = (s: string) => SPECTEMP_STAGES.indexOf(s as (typeof SPECTEMP_STAGES)[number]);
  const forward = (x: tf.Tensor, requested: readonly string[]): Record<string, tf.Tensor> => {
    const deepest = Math.max(...requested.map(depth));
    const acts: Record<string, tf.Tensor> = {};
    const coch = cochleagram.apply(x); // [1, C, T]
    acts.cochleagram = coch;
    if (deepest >= 1) {
      const filtered = tf.expandDims(bank.apply(coch), 0); // [1, F, C, T]
      acts.filtered_signal = filtered;
      if (deepest >= 2) {
        const power = tf.square(filtered);
        acts.power = power;
        if (deepest >= 3) acts.average = tf.mean(power, 3); // [1, F, C]
      }
    }
    return Object.fromEntries(requested.map((s) => [s, acts[s]]));
  };
  // No chain (StageChain) for batched all-stages runs: the cochleagram and the filterbank are
  // batch-1 transforms, so a batch would gain nothing, and three images' 9-million-unit stages
  // with their FFT intermediates overflow the 4 GB wasm heap. Its stages run one after another.
  return stagedModelFromFunction({
    id,
    stages: SPECTEMP_STAGES,
    inputSpec: spectempInputSpec(params.cochleagram),
    normalize: false,
    forward,
    readout: readout && {
      labels: readout.labels,
      logits: (x) => tf.tidy(() => readout.logits(forward(x, ['average']).average)),
    },
    lossSchedule: (stage) => createSpectempSchedule(stage, bank.filters),
    dispose() {
      cochleagram.dispose();
      bank.dispose();
      readout?.dispose();
    },
  });
}

/**
 * Builder "spectemp": the filters are computed from manifest.params; the only weight file is the
 * optional linear readout's (params.readout, labels manifest.classes).
 */
export async function buildSpectempModel(manifest: ModelManifest, source: ModelSource): Promise<StagedModel> {
  const params = { ...DEFAULT_SPECTEMP_PARAMS, ...(manifest.params as Partial<SpectempParams> | undefined) };
  if (params.readout === undefined) return createSpectempModel(manifest.id, params);
  const readoutParams = checkReadoutParams(manifest.id, params.readout);
  if (!manifest.classes || manifest.classes.length < 2) throw new Error(`model "${manifest.id}": params.readout needs manifest.classes (at least 2)`);
  const file = `${manifest.id}/${readoutParams.path}`;
  const data = await source.readBinary(file);
  const average = spectempStageShapes(params).average as [number, number];
  return createSpectempModel(manifest.id, params, new SpectempReadout(readoutParams, manifest.classes, average, data, file));
}
