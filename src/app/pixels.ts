/**
 * Stimulus tensors ([H, W, C] floats in the model's input range) to canvas RGBA bytes.
 * Pure, so it is unit-tested without a DOM.
 */
export function toRgba(data: Float32Array, shape: readonly number[], range: readonly [number, number]):
  Uint8ClampedArray<ArrayBuffer> {
  const [height, width, channels = 1] = shape;
  if (data.length !== height * width * channels) {
    throw new Error(`stimulus has ${data.length} values, shape ${shape.join('x')} needs ${height * width * channels}`);
  }
  if (channels !== 1 && channels !== 3) throw new Error(`cannot draw ${channels} channels`);
  const [lo, hi] = range;
  const scale = 255 / (hi - lo);
  const out = new Uint8ClampedArray(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < 3; c++) {
      const v = data[p * channels + (channels === 1 ? 0 : c)];
      // Uint8ClampedArray rounds half to even and clamps; NaN becomes 0.
      out[p * 4 + c] = (v - lo) * scale;
    }
    out[p * 4 + 3] = 255;
  }
  return out;
}
