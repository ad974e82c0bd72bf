/**
 * An image's declared size, read from its header without decoding it, so that a file claiming
 * 50000 x 50000 pixels is refused before a decoder allocates memory for it. Pure (no Node or
 * DOM): the CLI (src/io/png-node.ts) and the page (src/app/image-reference.ts) share it, and
 * with it the one pixel limit.
 *
 * Formats: PNG (IHDR), JPEG (the first SOFn frame header, after any EXIF/APPn segments), GIF
 * (logical screen), BMP (BITMAPINFOHEADER and the old core header), WebP (VP8, VP8L, VP8X).
 */

/** Decoded images may have at most this many pixels (50 megapixels: a large photo). */
export const MAX_IMAGE_PIXELS = 50_000_000;
/** Bytes of a file's start that always hold the header this module reads (JPEG: after EXIF). */
export const IMAGE_HEADER_BYTES = 512 * 1024;

export interface ImageDimensions {
  width: number;
  height: number;
}

function u16be(b: Uint8Array, at: number): number {
  return (b[at] << 8) | b[at + 1];
}
function u32be(b: Uint8Array, at: number): number {
  return ((b[at] << 24) >>> 0) + ((b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]);
}
function u16le(b: Uint8Array, at: number): number {
  return b[at] | (b[at + 1] << 8);
}
function i32le(b: Uint8Array, at: number): number {
  return b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24);
}
function u24le(b: Uint8Array, at: number): number {
  return b[at] | (b[at + 1] << 8) | (b[at + 2] << 16);
}
function ascii(b: Uint8Array, at: number, text: string): boolean {
  return [...text].every((c, i) => b[at + i] === c.charCodeAt(0));
}

function png(b: Uint8Array): ImageDimensions {
  if (b.length < 24 || !ascii(b, 12, 'IHDR')) throw new Error('corrupt PNG: no IHDR header');
  return { width: u32be(b, 16), height: u32be(b, 20) };
}

/** SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the frame size. */
function isSof(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function jpeg(b: Uint8Array): ImageDimensions {
  let at = 2;
  while (at + 4 <= b.length) {
    if (b[at] !== 0xff) throw new Error('corrupt JPEG: bad segment marker');
    const marker = b[at + 1];
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      at += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) break; // end of image / start of scan before a frame header
    const length = u16be(b, at + 2);
    if (length < 2) throw new Error('corrupt JPEG: bad segment length');
    if (isSof(marker)) {
      if (at + 9 > b.length) break;
      return { height: u16be(b, at + 5), width: u16be(b, at + 7) };
    }
    at += 2 + length;
  }
  throw new Error('corrupt JPEG: no frame header (SOF) found');
}

function webp(b: Uint8Array): ImageDimensions {
  if (b.length < 30) throw new Error('corrupt WebP: truncated header');
  if (ascii(b, 12, 'VP8 ')) return { width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff };
  if (ascii(b, 12, 'VP8L')) {
    const bits = b[21] | (b[22] << 8) | (b[23] << 16) | (b[24] << 24);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (ascii(b, 12, 'VP8X')) return { width: u24le(b, 24) + 1, height: u24le(b, 27) + 1 };
  throw new Error('corrupt WebP: unknown chunk');
}

function bmp(b: Uint8Array): ImageDimensions {
  if (b.length < 26) throw new Error('corrupt BMP: truncated header');
  const headerSize = b[14] | (b[15] << 8) | (b[16] << 16) | (b[17] << 24);
  if (headerSize === 12) return { width: u16le(b, 18), height: u16le(b, 20) };
  return { width: Math.abs(i32le(b, 18)), height: Math.abs(i32le(b, 22)) };
}

/**
 * The size the header declares, or null for a format this module does not read (the decoder
 * then checks after decoding). Throws a one-line "corrupt ..." message when a known header is
 * broken or cut short.
 */
export function imageDimensions(bytes: Uint8Array): ImageDimensions | null {
  if (ascii(bytes, 0, '\x89PNG')) return png(bytes);
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return jpeg(bytes);
  if (ascii(bytes, 0, 'GIF87a') || ascii(bytes, 0, 'GIF89a')) {
    if (bytes.length < 10) throw new Error('corrupt GIF: truncated header');
    return { width: u16le(bytes, 6), height: u16le(bytes, 8) };
  }
  if (ascii(bytes, 0, 'RIFF') && ascii(bytes, 8, 'WEBP')) return webp(bytes);
  if (ascii(bytes, 0, 'BM')) return bmp(bytes);
  return null;
}

/** Why an image of this declared size is refused (no pixels, or too many), or null. */
export function dimensionsProblem(width: number, height: number, maxPixels = MAX_IMAGE_PIXELS): string | null {
  if (!(width > 0 && height > 0)) return `has no pixels (${width}x${height})`;
  if (width * height > maxPixels) {
    return `is ${width}x${height} pixels (${((width * height) / 1e6).toFixed(0)} megapixels); images up to ${maxPixels / 1e6} megapixels can be used`;
  }
  return null;
}
