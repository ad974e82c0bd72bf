import { describe, expect, it } from 'vitest';
import { applyInputSpecFile, type ImportInputSpec } from '../../../src/models/import/input-spec-file.ts';
import { guessInput, IMAGENET_NORMALIZATION } from '../../../src/models/import/input-guess.ts';
import { memoryModelSource } from '../../../src/models/import/memory-source.ts';

const torchGuess = (): ImportInputSpec => guessInput([1, 3, 224, 224], 'input "x"');

describe('guessInput', () => {
  it('PyTorch NCHW RGB: [H, W, 3] in [0, 1] with ImageNet normalisation; Keras NHWC: no normalisation', () => {
    expect(guessInput(['batch', 3, 224, 160], 'x')).toEqual({
      inputSpec: { modality: 'image', shape: [224, 160, 3], range: [0, 1], init: { mean: 0.5, std: 0.05 }, normalization: IMAGENET_NORMALIZATION },
      layout: 'NCHW',
      channelOrder: 'RGB',
    });
    const keras = guessInput([null, 28, 28, 1], 'x');
    expect(keras.layout).toBe('NHWC');
    expect(keras.inputSpec.shape).toEqual([28, 28, 1]);
    expect(keras.inputSpec.normalization).toBeUndefined();
    // Grey NCHW: no ImageNet statistics for one channel.
    expect(guessInput([1, 1, 64, 64], 'x').inputSpec.normalization).toBeUndefined();
  });

  it('a cochleagram input means an audio model: 2-s clips at 20 kHz through the cochleagram', () => {
    for (const dims of [[1, 1, 211, 390], [1, 211, 390]]) {
      const g = guessInput(dims, 'x');
      expect(g.frontEnd).toBe('cochleagram');
      expect(g.inputSpec).toMatchObject({ modality: 'audio', shape: [40000], sampleRate: 20000, range: [-1, 1] });
    }
  });

  it('refuses dims it cannot read, naming the input', () => {
    expect(() => guessInput([1, 3, 'h', 'w'], 'input "x" of m.onnx')).toThrow('input "x" of m.onnx has dims [1, 3, h, w]: every dim but the batch must be a fixed size');
    expect(() => guessInput([1, 1000], 'input "x"')).toThrow('expected an image [1, C, H, W] or [1, H, W, C], or a cochleagram');
  });
});

describe('applyInputSpecFile', () => {
  it('fields given replace the guess, the others are kept; null removes the normalisation', () => {
    const out = applyInputSpecFile('{"range": [0, 255], "channelOrder": "BGR"}', 'spec.json', torchGuess());
    expect(out.inputSpec.range).toEqual([0, 255]);
    expect(out.inputSpec.normalization).toEqual(IMAGENET_NORMALIZATION);
    expect(out.channelOrder).toBe('BGR');
    expect(out.layout).toBe('NCHW');
    expect(applyInputSpecFile('{"normalization": null}', 'spec.json', torchGuess()).inputSpec.normalization).toBeUndefined();
    // A new channel count drops the guessed 3-channel normalisation rather than failing on it.
    expect(applyInputSpecFile('{"shape": [224, 224, 1]}', 'spec.json', torchGuess()).inputSpec.normalization).toBeUndefined();
  });

  it('reads the fixtures\' full spec files', () => {
    const text = JSON.stringify({
      modality: 'image', shape: [224, 224, 3], range: [0, 1], init: { mean: 0.5, std: 0.05 },
      normalization: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] }, layout: 'NCHW', channelOrder: 'RGB',
    });
    expect(applyInputSpecFile(text, 'alexnet.input-spec.json', guessInput([1, 1, 8, 8], 'x')).inputSpec.shape).toEqual([224, 224, 3]);
  });

  it('bad files: one line naming the file and the field', () => {
    const bad = (text: string) => () => applyInputSpecFile(text, 'spec.json', torchGuess());
    expect(bad('{"range": [0, 1]')).toThrow(/^input spec spec\.json is not valid JSON: /);
    expect(bad('[1, 2]')).toThrow('input spec spec.json must be a JSON object');
    expect(bad('{"ranges": [0, 1]}')).toThrow('input spec spec.json: unknown field "ranges" (known: modality, shape, range, init, normalization, sampleRate, layout, channelOrder)');
    expect(bad('{"range": [1, 0]}')).toThrow('input spec spec.json: range must be [lo, hi], two finite numbers with lo < hi (got [1,0])');
    expect(bad('{"layout": "CHW"}')).toThrow('input spec spec.json: layout must be "NCHW" or "NHWC", got "CHW"');
    expect(bad('{"channelOrder": "RGBA"}')).toThrow('channelOrder must be "RGB" or "BGR", got "RGBA"');
    expect(bad('{"normalization": {"mean": [0.5, 0.5], "std": [1, 1]}}')).toThrow('input spec spec.json: normalization needs finite mean/std lists of length 3');
    expect(bad('{"shape": [224, 224, 1], "channelOrder": "BGR"}')).toThrow('channelOrder "BGR" needs 3 channels');
  });
});

describe('memoryModelSource', () => {
  it('serves bytes and JSON by <id>/<file>, copies, and names a missing file', async () => {
    const json = new TextEncoder().encode('{"a": 1}');
    const bin = new Uint8Array([1, 2, 3]);
    const src = memoryModelSource(new Map([['m/x.json', json.buffer], ['m/w.bin', bin.buffer]]));
    expect(await src.readJson('m/x.json')).toEqual({ a: 1 });
    const got = await src.readBinary('m/w.bin');
    expect([...new Uint8Array(got)]).toEqual([1, 2, 3]);
    new Uint8Array(got)[0] = 9;
    expect(new Uint8Array(await src.readBinary('m/w.bin'))[0]).toBe(1);
    await expect(src.readBinary('m/nope.bin')).rejects.toThrow('model file not found: m/nope.bin (the imported model holds m/x.json, m/w.bin)');
    await expect(src.readJson('m/w.bin')).rejects.toThrow(/^model file m\/w\.bin is not valid JSON/);
  });
});
