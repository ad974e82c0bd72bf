import { describe, expect, it } from 'vitest';
import type { InputSpec } from '../../../src/engine/types.ts';
import { IMAGENET_NORMALIZATION, formFromSpec, specFromForm, withImagenetPreset } from '../../../src/app/import/input-spec-form.ts';

const torchGuess: InputSpec = {
  modality: 'image', shape: [224, 224, 3], range: [0, 1], init: { mean: 0.5, std: 0.05 },
  normalization: { mean: [...IMAGENET_NORMALIZATION.mean], std: [...IMAGENET_NORMALIZATION.std] },
};
const audioGuess: InputSpec = { modality: 'audio', shape: [40000], range: [-1, 1], init: { mean: 0, std: 1e-7 }, sampleRate: 20000 };

describe('import panel input-spec form', () => {
  it('round-trips a guessed spec unchanged (image and audio)', () => {
    expect(specFromForm(formFromSpec(torchGuess), torchGuess)).toEqual({ inputSpec: torchGuess, channelOrder: 'RGB' });
    expect(specFromForm(formFromSpec(torchGuess, 'BGR'), torchGuess).channelOrder).toBe('BGR');
    expect(specFromForm(formFromSpec(audioGuess), audioGuess)).toEqual({ inputSpec: audioGuess });
  });

  it('rescales the start noise to a new range and drops normalisation when unchecked', () => {
    const form = { ...formFromSpec(torchGuess), rangeMin: 0, rangeMax: 255, normalize: false, height: 64, width: 32 };
    const { inputSpec } = specFromForm(form, torchGuess);
    expect(inputSpec).toEqual({ modality: 'image', shape: [64, 32, 3], range: [0, 255], init: { mean: 127.5, std: 12.75 } });
  });

  it('the ImageNet preset sets mean/std and range [0, 1]; grey models get the channel average', () => {
    const form = withImagenetPreset({ ...formFromSpec(torchGuess), normalize: false, rangeMin: 0, rangeMax: 255 });
    expect(specFromForm(form, torchGuess).inputSpec).toEqual(torchGuess);
    const grey = withImagenetPreset({ ...formFromSpec(torchGuess), channels: 1 });
    const spec = specFromForm(grey, torchGuess).inputSpec;
    expect(spec.shape).toEqual([224, 224, 1]);
    expect(spec.normalization!.mean[0]).toBeCloseTo((0.485 + 0.456 + 0.406) / 3, 4);
    expect(spec.normalization!.std[0]).toBeCloseTo((0.229 + 0.224 + 0.225) / 3, 4);
    expect(specFromForm(grey, torchGuess)).not.toHaveProperty('channelOrder');
  });

  it('names the bad field in one line', () => {
    const base = formFromSpec(torchGuess);
    const bad = (patch: Partial<typeof base>) => () => specFromForm({ ...base, ...patch }, torchGuess);
    expect(bad({ rangeMin: 1, rangeMax: 1 })).toThrow('value range: the minimum must be below the maximum, got [1, 1]');
    expect(bad({ height: 0 })).toThrow('height must be a whole number from 1 to 4096, got 0');
    expect(bad({ width: 2.5 })).toThrow('width must be a whole number from 1 to 4096, got 2.5');
    expect(bad({ channels: 2 })).toThrow('channels must be 1 (grey) or 3 (colour), got 2');
    expect(bad({ mean: '0.5, 0.5' })).toThrow('normalisation mean needs 3 values (one per channel), got 2');
    expect(bad({ std: '0.2, x, 0.2' })).toThrow('normalisation std: "x" is not a number');
    expect(bad({ std: '0.2 0 0.2' })).toThrow('normalisation std must be positive, got 0 for channel 2');
    expect(() => specFromForm({ ...formFromSpec(audioGuess), sampleRate: -5 }, audioGuess)).toThrow('sample rate (Hz) must be a whole number from 1 to 384000, got -5');
  });
});
