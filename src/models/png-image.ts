/**
 * PNG bytes <-> pixel arrays with fast-png (pure JS, so the same code runs in Node and the
 * browser). Images are handled as planar-free row-major [height, width, channels] Float32Arrays.
 */
import { decode, encode } from 'fast-png';

export interface PixelImage {
  width: number;
  height: number;
  channels: number;
  /** Row-major (row, column, channel) values scaled to the requested range. */
  data: Float32Array;
}

/**
 * Decodes a PNG into `channels` channels (1 = grey via Rec. 601 luma, 3 = RGB) with values
 * mapped linearly from [0, max pixel value] to `range`. Alpha is dropped.
 */
export function decodePng(bytes: ArrayBuffer | Uint8Array, channels: 1 | 3, range: [number, number]): PixelImage {
  const png = decode(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes));
  if (png.palette) throw new Error('indexed-colour PNGs are not supported');
  const maxVal = 2 ** png.depth - 1;
  const { width, height } = png;
  const src = png.channels;
  const colour = src >= 3;
  const out = new Float32Array(width * height * channels);
  const [lo, hi] = range;
  const scale = (hi - lo) / maxVal;
  for (let i = 0; i < width * height; i++) {
    const p = i * src;
    const r = png.data[p];
    const g = colour ? png.data[p + 1] : r;
    const b = colour ? png.data[p + 2] : r;
    if (channels === 1) out[i] = lo + scale * (0.299 * r + 0.587 * g + 0.114 * b);
    else {
      out[i * 3] = lo + scale * r;
      out[i * 3 + 1] = lo + scale * g;
      out[i * 3 + 2] = lo + scale * b;
    }
  }
  return { width, height, channels, data: out };
}

/** Encodes 8-bit grey pixels (row-major) as PNG bytes. */
export function encodeGreyPng(width: number, height: number, grey: Uint8Array): Uint8Array {
  return encode({ width, height, data: grey, depth: 8, channels: 1 });
}

/** Copies the h x w window at (top, left) out of an image. */
export function cropImage(img: PixelImage, top: number, left: number, h: number, w: number): Float32Array {
  if (top < 0 || left < 0 || top + h > img.height || left + w > img.width) {
    throw new Error(`crop ${h}x${w} at (${top}, ${left}) does not fit a ${img.height}x${img.width} image`);
  }
  const c = img.channels;
  const out = new Float32Array(h * w * c);
  for (let r = 0; r < h; r++) {
    const from = ((top + r) * img.width + left) * c;
    out.set(img.data.subarray(from, from + w * c), r * w * c);
  }
  return out;
}
