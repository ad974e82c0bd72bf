/**
 * Words and numbers for the pipeline view (model input -> stages -> readout): shapes as text,
 * unit counts, the input described for people, and the relative box heights of Figure 1a
 * style drawings. Pure, unit-tested.
 */
import type { InputSpec } from '../engine/types.ts';

/** [250, 250, 32] -> "250×250×32". */
export function shapeText(shape: readonly number[]): string {
  return shape.join('×');
}

/** Number of values in an activation of this shape. */
export function unitCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** 2000000 -> "2.0 M units", 38116 -> "38.1 k units", 32 -> "32 units". */
export function unitsText(shape: readonly number[]): string {
  const n = unitCount(shape);
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} M units`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)} k units`;
  return `${n} unit${n === 1 ? '' : 's'}`;
}

/** "Image 250×250, grey", "Image 224×224, colour", "Sound 2 s at 20 kHz". */
export function inputText(spec: InputSpec): string {
  if (spec.modality === 'audio') {
    const rate = spec.sampleRate;
    if (!rate) return `Sound, ${spec.shape[0]} samples`;
    const seconds = spec.shape[0] / rate;
    const khz = rate / 1000;
    return `Sound ${+seconds.toFixed(2)} s at ${+khz.toFixed(2)} kHz`;
  }
  const [h, w, c] = spec.shape;
  const colour = c === 1 ? 'grey' : c === 3 ? 'colour' : `${c} channels`;
  return `Image ${w}×${h}, ${colour}`;
}

/**
 * Box heights in [min, 1] growing with log10 of the unit count, so a 2-million-unit stage looks
 * bigger than a 32-unit one without dwarfing it (the funnel of the paper's Figure 1a).
 */
export function boxHeights(shapes: readonly (readonly number[])[], min = 0.3): number[] {
  const logs = shapes.map((s) => Math.log10(Math.max(1, unitCount(s))));
  const hi = Math.max(...logs);
  const lo = Math.min(...logs);
  if (!(hi > lo)) return logs.map(() => 1);
  return logs.map((l) => min + ((l - lo) / (hi - lo)) * (1 - min));
}
