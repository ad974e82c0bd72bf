/**
 * An independent float64 HMAX in plain loops, written from the definitions (not from the
 * tfjs graph): direct correlation with zero padding, explicit window maxima, explicit
 * squared distances. Used by the tests as the ground truth for every stage and for
 * finite-difference gradients.
 */
import { gaborFilter, serreSpec } from '../../src/models/hmax/gabor.ts';
import { prototypeOffset, type HmaxLayout, type HmaxParams } from '../../src/models/hmax/hmax-layout.ts';

/** S1 [H, W, scales * orientations] row-major. */
export function refS1(x: Float64Array, H: number, W: number, p: HmaxParams): Float64Array {
  const nO = p.orientationsDeg.length;
  const C = p.scales * nO;
  const out = new Float64Array(H * W * C);
  for (let s = 0; s < p.scales; s++) {
    const filters = p.orientationsDeg.map((deg) => gaborFilter(serreSpec(s, deg)));
    const n = serreSpec(s, 0).size;
    const half = (n - 1) / 2;
    for (let r = 0; r < H; r++) {
      for (let c = 0; c < W; c++) {
        let energy = 0;
        const dots = new Float64Array(nO);
        for (let i = 0; i < n; i++) {
          const rr = r + i - half;
          if (rr < 0 || rr >= H) continue;
          for (let j = 0; j < n; j++) {
            const cc = c + j - half;
            if (cc < 0 || cc >= W) continue;
            const v = x[rr * W + cc];
            energy += v * v;
            for (let o = 0; o < nO; o++) dots[o] += filters[o][i * n + j] * v;
          }
        }
        const norm = p.s1Normalize ? Math.sqrt(energy + p.s1NormEpsilon) : 1;
        for (let o = 0; o < nO; o++) out[(r * W + c) * C + s * nO + o] = Math.abs(dots[o]) / norm;
      }
    }
  }
  return out;
}

/** C1 flattened in layout order. */
export function refC1(s1: Float64Array, layout: HmaxLayout, p: HmaxParams): Float64Array {
  const { height: H, width: W, orientations: nO, s1Channels: C } = layout;
  const out = new Float64Array(layout.c1Length);
  for (const band of layout.c1Bands) {
    const k = band.poolSize;
    const st = band.stride;
    // tfjs/TensorFlow 'same' padding: total = max((out - 1) * stride + k - in, 0), before = floor(total / 2).
    const padTop = Math.floor(Math.max((band.h - 1) * st + k - H, 0) / 2);
    const padLeft = Math.floor(Math.max((band.w - 1) * st + k - W, 0) / 2);
    for (let oy = 0; oy < band.h; oy++) {
      for (let ox = 0; ox < band.w; ox++) {
        for (let o = 0; o < nO; o++) {
          let m = -Infinity;
          for (let i = 0; i < k; i++) {
            const r = oy * st - padTop + i;
            if (r < 0 || r >= H) continue;
            for (let j = 0; j < k; j++) {
              const c = ox * st - padLeft + j;
              if (c < 0 || c >= W) continue;
              for (const s of [2 * band.band, 2 * band.band + 1]) {
                m = Math.max(m, s1[(r * W + c) * C + s * nO + o]);
              }
            }
          }
          out[band.offset + (oy * band.w + ox) * nO + o] = m;
        }
      }
    }
  }
  void p;
  return out;
}

/** S2 flattened in layout order. */
export function refS2(c1: Float64Array, layout: HmaxLayout, p: HmaxParams, protos: Float32Array): Float64Array {
  const out = new Float64Array(layout.s2Length);
  const nO = layout.orientations;
  const P = p.prototypesPerSize;
  for (const block of layout.s2Blocks) {
    const band = layout.c1Bands[block.band];
    const n = block.patchSize;
    const alpha = (n / 4) ** 2;
    for (let y = 0; y < block.h; y++) {
      for (let x = 0; x < block.w; x++) {
        for (let k = 0; k < P; k++) {
          const base = prototypeOffset(p, block.sizeIndex, k);
          let d2 = 0;
          for (let i = 0; i < n; i++) {
            for (let j = 0; j < n; j++) {
              for (let o = 0; o < nO; o++) {
                const v = c1[band.offset + ((y + i) * band.w + x + j) * nO + o];
                const d = v - protos[base + (i * n + j) * nO + o];
                d2 += d * d;
              }
            }
          }
          out[block.offset + (y * block.w + x) * P + k] = Math.exp(-d2 / (2 * p.s2Sigma ** 2 * alpha));
        }
      }
    }
  }
  return out;
}

/** C2 [sizes * prototypesPerSize]: max over every block of that size. */
export function refC2(s2: Float64Array, layout: HmaxLayout, p: HmaxParams): Float64Array {
  const P = p.prototypesPerSize;
  const out = new Float64Array(layout.c2Length).fill(-Infinity);
  for (const block of layout.s2Blocks) {
    for (let i = 0; i < block.h * block.w; i++) {
      for (let k = 0; k < P; k++) {
        const idx = block.sizeIndex * P + k;
        out[idx] = Math.max(out[idx], s2[block.offset + i * P + k]);
      }
    }
  }
  return out;
}

export function refAll(x: Float64Array, layout: HmaxLayout, p: HmaxParams, protos: Float32Array): Record<string, Float64Array> {
  const S1 = refS1(x, layout.height, layout.width, p);
  const C1 = refC1(S1, layout, p);
  const S2 = refS2(C1, layout, p, protos);
  const C2 = refC2(S2, layout, p);
  return { S1, C1, S2, C2 };
}
