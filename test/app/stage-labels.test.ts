import { describe, expect, it } from 'vitest';
import { boxHeights, inputText, shapeText, unitCount, unitsText } from '../../src/app/stage-labels.ts';

describe('pipeline labels', () => {
  it('writes shapes and unit counts', () => {
    expect(shapeText([250, 250, 32])).toBe('250×250×32');
    expect(shapeText([32])).toBe('32');
    expect(unitCount([250, 250, 32])).toBe(2_000_000);
    expect(unitsText([250, 250, 32])).toBe('2.0 M units');
    expect(unitsText([38116])).toBe('38.1 k units');
    expect(unitsText([32])).toBe('32 units');
    expect(unitsText([1])).toBe('1 unit');
  });

  it('describes the input for people', () => {
    const init = { mean: 0, std: 1 };
    expect(inputText({ modality: 'image', shape: [250, 250, 1], range: [0, 255], init })).toBe('Image 250×250, grey');
    expect(inputText({ modality: 'image', shape: [64, 96, 3], range: [0, 1], init })).toBe('Image 96×64, colour');
    expect(inputText({ modality: 'audio', shape: [40000], range: [-1, 1], init, sampleRate: 20000 })).toBe('Sound 2 s at 20 kHz');
    expect(inputText({ modality: 'audio', shape: [22050], range: [-1, 1], init, sampleRate: 44100 })).toBe('Sound 0.5 s at 44.1 kHz');
    expect(inputText({ modality: 'audio', shape: [100], range: [-1, 1], init })).toBe('Sound, 100 samples');
  });

  it('grows box heights with the log of the unit count', () => {
    // 10, 1000, 100000 units: logs 1, 3, 5 -> evenly spaced between 0.3 and 1.
    const h = boxHeights([[10], [10, 100], [100, 1000]]);
    expect(h[0]).toBeCloseTo(0.3, 12);
    expect(h[1]).toBeCloseTo(0.65, 12);
    expect(h[2]).toBeCloseTo(1, 12);
    expect(boxHeights([[5], [5]])).toEqual([1, 1]);
    expect(boxHeights([[1], [100]], 0.5)).toEqual([0.5, 1]);
  });
});
