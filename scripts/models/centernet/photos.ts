/**
 * Small RGB image helpers for building models/centernet: decode JPEG/PNG to float RGBA,
 * area-average resampling, centre crops, compositing cut-outs (RGBA) on a flat background,
 * and 8-bit RGB PNG encoding. Node only (build time).
 */
import { readFileSync } from 'node:fs';
import jpeg from 'jpeg-js';
import { decode, encode } from 'fast-png';

/** Row-major float RGBA in 0..255 (alpha 0..255). */
export interface Rgba {
  width: number;
  height: number;
  data: Float64Array;
}

export function readImage(path: string): Rgba {
  const bytes = readFileSync(path);
  if (path.toLowerCase().endsWith('.png')) {
    const png = decode(bytes);
    if (png.palette) {
      // Indexed PNG: expand the palette (RGB or RGBA entries).
      const out = new Float64Array(png.width * png.height * 4);
      for (let i = 0; i < png.width * png.height; i++) {
        const entry = png.palette[png.data[i]];
        out[4 * i] = entry[0];
        out[4 * i + 1] = entry[1];
        out[4 * i + 2] = entry[2];
        out[4 * i + 3] = entry.length > 3 ? entry[3] : 255;
      }
      return { width: png.width, height: png.height, data: out };
    }
    const scale = 255 / (2 ** png.depth - 1);
    const c = png.channels;
    const out = new Float64Array(png.width * png.height * 4);
    for (let i = 0; i < png.width * png.height; i++) {
      const p = i * c;
      const grey = c < 3;
      out[4 * i] = png.data[p] * scale;
      out[4 * i + 1] = png.data[grey ? p : p + 1] * scale;
      out[4 * i + 2] = png.data[grey ? p : p + 2] * scale;
      out[4 * i + 3] = c === 2 ? png.data[p + 1] * scale : c === 4 ? png.data[p + 3] * scale : 255;
    }
    return { width: png.width, height: png.height, data: out };
  }
  const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 2048 });
  return { width: img.width, height: img.height, data: Float64Array.from(img.data) };
}

/** Area-average resampling to ow x oh (each output pixel = mean of the input area it covers). */
export function resize(src: Rgba, ow: number, oh: number): Rgba {
  const { width: w, height: h } = src;
  const out = new Float64Array(ow * oh * 4);
  const fx = w / ow;
  const fy = h / oh;
  for (let oy = 0; oy < oh; oy++) {
    const y0 = oy * fy;
    const y1 = y0 + fy;
    for (let ox = 0; ox < ow; ox++) {
      const x0 = ox * fx;
      const x1 = x0 + fx;
      const acc = [0, 0, 0, 0];
      let area = 0;
      for (let y = Math.floor(y0); y < Math.min(h, Math.ceil(y1)); y++) {
        const wy = Math.min(y + 1, y1) - Math.max(y, y0);
        for (let x = Math.floor(x0); x < Math.min(w, Math.ceil(x1)); x++) {
          const a = wy * (Math.min(x + 1, x1) - Math.max(x, x0));
          const p = (y * w + x) * 4;
          for (let k = 0; k < 4; k++) acc[k] += a * src.data[p + k];
          area += a;
        }
      }
      for (let k = 0; k < 4; k++) out[(oy * ow + ox) * 4 + k] = acc[k] / area;
    }
  }
  return { width: ow, height: oh, data: out };
}

/** Scales so that the short side is `side` px. */
export function resizeShortSide(src: Rgba, side: number): Rgba {
  const f = side / Math.min(src.width, src.height);
  return resize(src, Math.round(src.width * f), Math.round(src.height * f));
}

export function centreCrop(src: Rgba, h: number, w: number): Rgba {
  if (src.height < h || src.width < w) throw new Error(`image ${src.width}x${src.height} is smaller than ${w}x${h}`);
  const top = Math.floor((src.height - h) / 2);
  const left = Math.floor((src.width - w) / 2);
  const out = new Float64Array(h * w * 4);
  for (let r = 0; r < h; r++) {
    out.set(src.data.subarray(((top + r) * src.width + left) * 4, ((top + r) * src.width + left + w) * 4), r * w * 4);
  }
  return { width: w, height: h, data: out };
}

/**
 * A cut-out (RGBA with transparency) scaled so its longer side is `objectSide` px, alpha-
 * composited in the centre of a size x size canvas of flat grey `background` (0..255).
 */
export function compositeOnGrey(cutout: Rgba, size: number, objectSide: number, background: number): Rgba {
  const f = objectSide / Math.max(cutout.width, cutout.height);
  const obj = resize(cutout, Math.max(1, Math.round(cutout.width * f)), Math.max(1, Math.round(cutout.height * f)));
  const out = new Float64Array(size * size * 4);
  for (let i = 0; i < size * size; i++) {
    out.set([background, background, background, 255], i * 4);
  }
  const top = Math.floor((size - obj.height) / 2);
  const left = Math.floor((size - obj.width) / 2);
  for (let y = 0; y < obj.height; y++) {
    for (let x = 0; x < obj.width; x++) {
      const p = (y * obj.width + x) * 4;
      const q = ((top + y) * size + left + x) * 4;
      // Resampled colour is alpha-weighted already only if premultiplied; un-premultiply is
      // unnecessary for a mean over opaque-ish neighbours, and edges blend into grey anyway.
      const a = obj.data[p + 3] / 255;
      for (let k = 0; k < 3; k++) out[q + k] = a * obj.data[p + k] + (1 - a) * background;
    }
  }
  return { width: size, height: size, data: out };
}

/** 8-bit RGB PNG bytes (alpha dropped). */
export function encodeRgbPng(img: Rgba): Uint8Array {
  const n = img.width * img.height;
  const rgb = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 3; k++) rgb[i * 3 + k] = Math.max(0, Math.min(255, Math.round(img.data[i * 4 + k])));
  }
  return encode({ width: img.width, height: img.height, data: rgb, depth: 8, channels: 3 });
}
