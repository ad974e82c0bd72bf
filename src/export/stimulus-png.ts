/**
 * A model input (image stimulus) as an 8-bit PNG: values clamped to the model's valid range
 * [lo, hi] and mapped linearly onto 0..255 (rounded), so a stimulus in 0..1 and one in 0..255
 * both use the full scale. Grey (C = 1), grey + alpha (2), RGB (3) or RGBA (4).
 */
import { encode } from 'fast-png';

export interface PngMetadata {
  /** tEXt chunks, e.g. { Software: 'Metamer Playground', Comment: 'hmax C1 step 2400' } (Latin-1 text). */
  text?: Record<string, string>;
}

/** Maps one value onto 0..255; NaN (never expected from the engine) becomes 0 rather than failing an export. */
function toByte(x: number, lo: number, scale: number): number {
  if (Number.isNaN(x)) return 0;
  const v = Math.round((x - lo) * scale);
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

export function stimulusToPng(
  data: Float32Array,
  shape: readonly number[],
  range: readonly [number, number],
  metadata: PngMetadata = {},
): Uint8Array {
  const [height, width, channels = 1] = shape;
  if (shape.length < 2 || shape.length > 3) throw new RangeError(`stimulusToPng needs shape [H, W] or [H, W, C], got [${shape.join(', ')}]`);
  if (!(channels >= 1 && channels <= 4)) throw new RangeError(`PNG holds 1 to 4 channels, got ${channels}`);
  if (!(height > 0 && width > 0)) throw new RangeError(`image must be at least 1x1, got ${height}x${width}`);
  if (data.length !== height * width * channels) {
    throw new RangeError(`data has ${data.length} values, shape [${shape.join(', ')}] needs ${height * width * channels}`);
  }
  const [lo, hi] = range;
  if (!(hi > lo)) throw new RangeError(`range must satisfy lo < hi, got [${lo}, ${hi}]`);
  const scale = 255 / (hi - lo);
  const bytes = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) bytes[i] = toByte(data[i], lo, scale);
  return encode({ width, height, channels, depth: 8, data: bytes, ...(metadata.text ? { text: metadata.text } : {}) });
}
