/**
 * A first guess of an imported model's input spec from its input dims, for the user to check:
 * - a cochleagram [1, 1, 211, 390] or [1, 211, 390]: an audio model; its raw input is the
 *   2-s, 20-kHz clip and the cochleagram is its front end (src/audio/cochleagram.ts);
 * - [1, C, H, W] with few channels: a PyTorch image model (NCHW), RGB in [0, 1] with the
 *   ImageNet mean/std normalisation torchvision models expect (3 channels);
 * - [1, H, W, C]: a TensorFlow/Keras image model (NHWC), in [0, 1], no normalisation.
 */
import type { InputSpec } from '../../engine/types.ts';
import type { ImportInputSpec } from './input-spec-file.ts';
import { looksLikeCochleagram } from './stage-discovery.ts';

export const IMAGENET_NORMALIZATION = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
/** The audio models' raw input: 2 s at 20 kHz (spec section 5). */
export const AUDIO_SAMPLE_RATE = 20000;
export const AUDIO_SAMPLES = 40000;
/** A channel axis has at most this many entries; a larger axis is spatial. */
const MAX_CHANNELS = 4;

export interface InputGuess extends ImportInputSpec {
  /** Set for cochleagram-input models: the clip goes through the cochleagram first. */
  frontEnd?: 'cochleagram';
}

/**
 * `dims` are the graph input's dims including the batch (a symbolic or unknown batch is fine);
 * `what` names the input in errors, e.g. `input "input" of alexnet.onnx`.
 */
export function guessInput(dims: readonly (number | string | null)[], what: string, defaultLayout: 'NCHW' | 'NHWC' = 'NCHW'): InputGuess {
  const rest = dims.slice(1);
  if (rest.some((d) => d === 0)) {
    throw new Error(`${what} has dims [${dims.map(String).join(', ')}]: a dim of size 0 holds no values (a corrupt or wrongly exported model)`);
  }
  if (rest.some((d) => typeof d !== 'number' || d < 1)) {
    throw new Error(`${what} has dims [${dims.map(String).join(', ')}]: every dim but the batch must be a fixed size (export with a fixed input size)`);
  }
  const d = rest as number[];
  if (looksLikeCochleagram(dims)) {
    const inputSpec: InputSpec = {
      modality: 'audio',
      shape: [AUDIO_SAMPLES],
      range: [-1, 1],
      init: { mean: 0, std: 1e-7 },
      sampleRate: AUDIO_SAMPLE_RATE,
    };
    return { inputSpec, layout: 'NCHW', channelOrder: 'RGB', frontEnd: 'cochleagram' };
  }
  if (d.length !== 3) {
    throw new Error(`${what} has dims [${dims.map(String).join(', ')}]: expected an image [1, C, H, W] or [1, H, W, C], or a cochleagram [1, 1, 211, 390]`);
  }
  const nchw = d[0] <= MAX_CHANNELS ? true : d[2] <= MAX_CHANNELS ? false : defaultLayout === 'NCHW';
  const [h, w, c] = nchw ? [d[1], d[2], d[0]] : [d[0], d[1], d[2]];
  const inputSpec: InputSpec = {
    modality: 'image',
    shape: [h, w, c],
    range: [0, 1],
    init: { mean: 0.5, std: 0.05 },
  };
  if (nchw && c === 3) inputSpec.normalization = { mean: [...IMAGENET_NORMALIZATION.mean], std: [...IMAGENET_NORMALIZATION.std] };
  return { inputSpec, layout: nchw ? 'NCHW' : 'NHWC', channelOrder: 'RGB' };
}

/** The graph's input dims (batch 1) for a raw input of `guess.inputSpec` laid out as `guess.layout`. */
export function graphInputDims(guess: InputGuess): number[] {
  if (guess.frontEnd === 'cochleagram') return [1, 1, 211, 390];
  const [h, w, c] = guess.inputSpec.shape;
  return guess.layout === 'NCHW' ? [1, c, h, w] : [1, h, w, c];
}
