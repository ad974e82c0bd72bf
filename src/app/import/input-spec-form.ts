/**
 * The import panel's input-spec form as plain data: filled from the guessed InputSpec, turned
 * back into an InputSpec (+ channel order) with one clear message per bad field. Kept out of
 * the component so every rule is unit-tested.
 */
import type { InputSpec, Modality } from '../../engine/types.ts';

export type ChannelOrder = 'RGB' | 'BGR';

/** torchvision's ImageNet statistics, the usual normalisation of PyTorch image models (RGB, range [0, 1]). */
export const IMAGENET_NORMALIZATION = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } as const;

export interface InputSpecForm {
  modality: Modality;
  /** Images: height, width, channels. */
  height: number;
  width: number;
  channels: number;
  /** Audio: clip length in samples and the sample rate. */
  samples: number;
  sampleRate: number;
  rangeMin: number;
  rangeMax: number;
  channelOrder: ChannelOrder;
  normalize: boolean;
  /** Comma-separated, one value per channel. */
  mean: string;
  std: string;
}

export function formFromSpec(spec: InputSpec, channelOrder: ChannelOrder = 'RGB'): InputSpecForm {
  const image = spec.modality === 'image';
  return {
    modality: spec.modality,
    height: image ? spec.shape[0] : 224,
    width: image ? spec.shape[1] : 224,
    channels: image ? spec.shape[2] ?? 3 : 3,
    samples: image ? 40000 : spec.shape[0],
    sampleRate: spec.sampleRate ?? 20000,
    rangeMin: spec.range[0],
    rangeMax: spec.range[1],
    channelOrder,
    normalize: spec.normalization !== undefined,
    mean: (spec.normalization?.mean ?? IMAGENET_NORMALIZATION.mean).join(', '),
    std: (spec.normalization?.std ?? IMAGENET_NORMALIZATION.std).join(', '),
  };
}

/** The form with the ImageNet mean/std (for `channels` channels; grey models get their average). */
export function withImagenetPreset(form: InputSpecForm): InputSpecForm {
  const avg = (v: readonly number[]) => Number((v.reduce((a, b) => a + b, 0) / v.length).toFixed(4));
  const grey = form.channels === 1;
  return {
    ...form,
    normalize: true,
    mean: grey ? String(avg(IMAGENET_NORMALIZATION.mean)) : IMAGENET_NORMALIZATION.mean.join(', '),
    std: grey ? String(avg(IMAGENET_NORMALIZATION.std)) : IMAGENET_NORMALIZATION.std.join(', '),
    rangeMin: 0,
    rangeMax: 1,
  };
}

function positiveInt(value: number, field: string, max: number): number {
  if (!Number.isInteger(value) || value < 1 || value > max) throw new Error(`${field} must be a whole number from 1 to ${max}, got ${value}`);
  return value;
}

function numberList(text: string, field: string, count: number): number[] {
  const parts = text.split(/[\s,;]+/).filter((p) => p !== '');
  const values = parts.map(Number);
  const bad = parts.findIndex((p, i) => !Number.isFinite(values[i]) || p === '');
  if (bad >= 0) throw new Error(`${field}: "${parts[bad]}" is not a number`);
  if (values.length !== count) throw new Error(`${field} needs ${count} value${count === 1 ? '' : 's'} (one per channel), got ${values.length}`);
  return values;
}

/**
 * The InputSpec the form describes, or an Error naming the first bad field. The start noise
 * is the paper's: images N(middle of the range, (5% of the range)^2); audio keeps `guess.init`.
 */
export function specFromForm(form: InputSpecForm, guess: InputSpec): { inputSpec: InputSpec; channelOrder?: ChannelOrder } {
  const lo = Number(form.rangeMin);
  const hi = Number(form.rangeMax);
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(lo < hi)) {
    throw new Error(`value range: the minimum must be below the maximum, got [${form.rangeMin}, ${form.rangeMax}]`);
  }
  if (form.modality === 'audio') {
    const samples = positiveInt(Number(form.samples), 'clip length (samples)', 10_000_000);
    const sampleRate = positiveInt(Number(form.sampleRate), 'sample rate (Hz)', 384_000);
    return {
      inputSpec: { modality: 'audio', shape: [samples], range: [lo, hi], init: guess.modality === 'audio' ? guess.init : { mean: 0, std: 1e-7 }, sampleRate },
    };
  }
  const height = positiveInt(Number(form.height), 'height', 4096);
  const width = positiveInt(Number(form.width), 'width', 4096);
  const channels = Number(form.channels);
  if (channels !== 1 && channels !== 3) throw new Error(`channels must be 1 (grey) or 3 (colour), got ${form.channels}`);
  const inputSpec: InputSpec = {
    modality: 'image', shape: [height, width, channels], range: [lo, hi],
    init: { mean: lo + (hi - lo) / 2, std: 0.05 * (hi - lo) },
  };
  if (form.normalize) {
    const mean = numberList(form.mean, 'normalisation mean', channels);
    const std = numberList(form.std, 'normalisation std', channels);
    const zero = std.findIndex((s) => !(s > 0));
    if (zero >= 0) throw new Error(`normalisation std must be positive, got ${std[zero]} for channel ${zero + 1}`);
    inputSpec.normalization = { mean, std };
  }
  return channels === 3 ? { inputSpec, channelOrder: form.channelOrder } : { inputSpec };
}
