/**
 * Compact encodings of a prepared run's stimuli: images as 8-bit PNG (JPEG bytes come from a
 * caller's encoder: the build script's), audio as 8-bit mu-law scaled by the clip's peak,
 * cochleagrams as 8-bit grey PNG between their lowest and highest value. Decoding PNG and
 * mu-law is pure JS (fast-png), so it runs in the page, a worker and Node alike; JPEG decoding
 * is handed in (the browser's decoder in the page, jpeg-js in Node).
 */
import { decode as decodePng, encode as encodePng } from 'fast-png';
import { mulawDecode, mulawEncode } from '../models/cochcnn/mulaw.ts';
import { base64ToBytes, bytesToBase64, type EncodedAudio, type EncodedCochleagram, type EncodedImage, type EncodedStimulus } from './prepared-run.ts';
import { stimulusToPng } from './stimulus-png.ts';

/** Decoded 8-bit pixels, `channels` per pixel (1 grey .. 4 RGBA). */
export interface Pixels8 {
  width: number;
  height: number;
  channels: number;
  data: Uint8Array | Uint8ClampedArray;
}

export type JpegEncoder = (pixels: Pixels8, quality: number) => Uint8Array;
export type JpegDecoder = (bytes: Uint8Array) => Promise<Pixels8> | Pixels8;

export interface DecodedStimulus {
  shape: number[];
  data: Float32Array;
}

export interface DecodedCochleagram extends DecodedStimulus {
  frequencies: number[];
  frameRate: number;
  startS: number;
}

function toBytes(data: Float32Array, lo: number, hi: number): Uint8Array {
  const scale = 255 / (hi - lo);
  return Uint8Array.from(data, (x) => (Number.isNaN(x) ? 0 : Math.max(0, Math.min(255, Math.round((x - lo) * scale)))));
}

/** An image stimulus [H, W, C] in `range`: PNG, or JPEG at `quality` when a `jpeg` encoder is given. */
export function encodeImage(data: Float32Array, shape: number[], range: [number, number],
  jpeg?: { encode: JpegEncoder; quality: number }): EncodedImage {
  const [height, width, channels = 1] = shape;
  if (!jpeg) return { kind: 'image', format: 'png', shape: [height, width, channels], range, base64: bytesToBase64(stimulusToPng(data, shape, range)) };
  const bytes = toBytes(data, range[0], range[1]);
  return { kind: 'image', format: 'jpeg', shape: [height, width, channels], range,
    base64: bytesToBase64(jpeg.encode({ width, height, channels, data: bytes }, jpeg.quality)) };
}

export function encodeAudio(samples: Float32Array, sampleRate: number): EncodedAudio {
  let peak = 0;
  for (const x of samples) if (Math.abs(x) > peak) peak = Math.abs(x);
  const scale = peak > 0 ? peak : 1;
  const bytes = mulawEncode(Float32Array.from(samples, (x) => x / scale));
  return { kind: 'audio', format: 'mulaw8', sampleRate, length: samples.length, scale, base64: bytesToBase64(bytes) };
}

export function encodeCochleagram(image: DecodedCochleagram): EncodedCochleagram {
  const [channels, frames] = image.shape.slice(-2);
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of image.data) {
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  if (!(hi > lo)) hi = lo + 1;
  const png = encodePng({ width: frames, height: channels, channels: 1, depth: 8, data: toBytes(image.data, lo, hi) });
  return { format: 'png', shape: [channels, frames], lo, hi, frequencies: image.frequencies.map((f) => Math.round(f * 10) / 10),
    frameRate: image.frameRate, startS: image.startS, base64: bytesToBase64(png) };
}

/** Pixels (any channel count) to the model's [H, W, C] values in `range`: grey from RGB by its first channel. */
function pixelsToStimulus(p: Pixels8, shape: number[], range: [number, number]): DecodedStimulus {
  const [height, width, channels] = shape;
  if (p.width !== width || p.height !== height) throw new Error(`snapshot is ${p.width}x${p.height}, expected ${width}x${height}`);
  const [lo, hi] = range;
  const step = (hi - lo) / 255;
  const out = new Float32Array(height * width * channels);
  for (let i = 0; i < height * width; i++) {
    for (let c = 0; c < channels; c++) out[i * channels + c] = lo + p.data[i * p.channels + Math.min(c, p.channels - 1)] * step;
  }
  return { shape: [height, width, channels], data: out };
}

export async function decodeStimulus(e: EncodedStimulus, jpeg?: JpegDecoder): Promise<DecodedStimulus> {
  const bytes = base64ToBytes(e.base64);
  if (e.kind === 'audio') {
    const unit = mulawDecode(bytes);
    for (let i = 0; i < unit.length; i++) unit[i] *= e.scale;
    return { shape: [e.length], data: unit };
  }
  if (e.format === 'png') {
    const png = decodePng(bytes);
    return pixelsToStimulus({ width: png.width, height: png.height, channels: png.channels, data: png.data as Uint8Array }, e.shape, e.range);
  }
  if (!jpeg) throw new Error('this snapshot is a JPEG and no JPEG decoder was given');
  return pixelsToStimulus(await jpeg(bytes), e.shape, e.range);
}

export function decodeCochleagram(e: EncodedCochleagram): DecodedCochleagram {
  const png = decodePng(base64ToBytes(e.base64));
  const [channels, frames] = e.shape;
  const step = (e.hi - e.lo) / 255;
  const data = new Float32Array(channels * frames);
  for (let i = 0; i < data.length; i++) data[i] = e.lo + png.data[i * png.channels] * step;
  return { shape: [channels, frames], data, frequencies: e.frequencies, frameRate: e.frameRate, startS: e.startS };
}
