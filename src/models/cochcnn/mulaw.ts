/**
 * 8-bit mu-law (mu = 255, the continuous companding law of G.711, not its table) for shipping
 * many 2-s clips compactly: half the bytes of 16-bit PCM at ~38 dB signal-to-quantisation-noise,
 * far below the -10..10 dB background noise the word clips carry anyway.
 *   encode: y = sign(x) ln(1 + mu|x|) / ln(1 + mu), byte = round((y + 1) / 2 * 255)
 *   decode: y = byte / 255 * 2 - 1, x = sign(y) ((1 + mu)^|y| - 1) / mu
 * scripts/models/cochcnn_words/export_tfjs.py writes the same format.
 */
export const MU = 255;

export function mulawDecode(bytes: Uint8Array): Float32Array {
  const table = new Float32Array(256);
  for (let b = 0; b < 256; b++) {
    const y = (b / 255) * 2 - 1;
    table[b] = (Math.sign(y) * ((1 + MU) ** Math.abs(y) - 1)) / MU;
  }
  return Float32Array.from(bytes, (b) => table[b]);
}

export function mulawEncode(samples: Float32Array): Uint8Array {
  return Uint8Array.from(samples, (x) => {
    const c = Math.max(-1, Math.min(1, x));
    const y = (Math.sign(c) * Math.log1p(MU * Math.abs(c))) / Math.log1p(MU);
    return Math.round(((y + 1) / 2) * 255);
  });
}
