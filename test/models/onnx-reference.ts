/**
 * Plain float64 JS versions of the ONNX ops with arithmetic worth checking (convolutions,
 * pools, Gemm, batch norm, softmax), written from the ONNX operator docs with direct loops
 * over channels-first arrays: an implementation independent of tfjs and of the runner's
 * NHWC transposes, explicit paddings and folded constants.
 */

export interface NdArray {
  shape: number[];
  data: Float64Array;
}

export function nd(shape: number[], data: ArrayLike<number>): NdArray {
  return { shape, data: Float64Array.from(data) };
}

export interface ConvParams {
  strides: [number, number];
  /** [top, left, bottom, right] */
  pads: [number, number, number, number];
  dilations: [number, number];
  group: number;
}

/** ONNX Conv on x [N, C, H, W], w [M, C/group, kh, kw], bias [M] or null. */
export function convRef(x: NdArray, w: NdArray, bias: NdArray | null, p: ConvParams): NdArray {
  const [n, c, h, wd] = x.shape;
  const [m, cg, kh, kw] = w.shape;
  const [sh, sw] = p.strides;
  const [dh, dw] = p.dilations;
  const [pt, pl, pb, pr] = p.pads;
  const oh = Math.floor((h + pt + pb - ((kh - 1) * dh + 1)) / sh) + 1;
  const ow = Math.floor((wd + pl + pr - ((kw - 1) * dw + 1)) / sw) + 1;
  const mg = m / p.group;
  const out = new Float64Array(n * m * oh * ow);
  for (let b = 0; b < n; b++) {
    for (let o = 0; o < m; o++) {
      const g = Math.floor(o / mg);
      for (let y = 0; y < oh; y++) {
        for (let xx = 0; xx < ow; xx++) {
          let s = bias ? bias.data[o] : 0;
          for (let ci = 0; ci < cg; ci++) {
            const cin = g * cg + ci;
            for (let ky = 0; ky < kh; ky++) {
              const iy = y * sh + ky * dh - pt;
              if (iy < 0 || iy >= h) continue;
              for (let kx = 0; kx < kw; kx++) {
                const ix = xx * sw + kx * dw - pl;
                if (ix < 0 || ix >= wd) continue;
                s += x.data[((b * c + cin) * h + iy) * wd + ix] * w.data[((o * cg + ci) * kh + ky) * kw + kx];
              }
            }
          }
          out[((b * m + o) * oh + y) * ow + xx] = s;
        }
      }
    }
  }
  return { shape: [n, m, oh, ow], data: out };
}

/**
 * ONNX ConvTranspose on x [N, C, H, W], w [C, M/group, kh, kw]: each input pixel scatters
 * its filter-weighted value to out[y*s + k - padBegin]; output size
 * s*(in-1) + outputPadding + k - padBegin - padEnd.
 */
export function convTransposeRef(
  x: NdArray, w: NdArray, bias: NdArray | null,
  p: { strides: [number, number]; pads: [number, number, number, number]; outputPadding: [number, number]; group: number },
): NdArray {
  const [n, c, h, wd] = x.shape;
  const [, mg, kh, kw] = w.shape;
  const m = mg * p.group;
  const cg = c / p.group;
  const [sh, sw] = p.strides;
  const [pt, pl, pb, pr] = p.pads;
  const oh = sh * (h - 1) + p.outputPadding[0] + kh - pt - pb;
  const ow = sw * (wd - 1) + p.outputPadding[1] + kw - pl - pr;
  const out = new Float64Array(n * m * oh * ow);
  for (let b = 0; b < n; b++) {
    for (let o = 0; o < m; o++) for (let i = 0; i < oh * ow; i++) out[(b * m + o) * oh * ow + i] = bias ? bias.data[o] : 0;
    for (let ci = 0; ci < c; ci++) {
      const g = Math.floor(ci / cg);
      for (let y = 0; y < h; y++) {
        for (let xx = 0; xx < wd; xx++) {
          const v = x.data[((b * c + ci) * h + y) * wd + xx];
          for (let q = 0; q < mg; q++) {
            const o = g * mg + q;
            for (let ky = 0; ky < kh; ky++) {
              const oy = y * sh + ky - pt;
              if (oy < 0 || oy >= oh) continue;
              for (let kx = 0; kx < kw; kx++) {
                const ox = xx * sw + kx - pl;
                if (ox < 0 || ox >= ow) continue;
                out[((b * m + o) * oh + oy) * ow + ox] += v * w.data[((ci * mg + q) * kh + ky) * kw + kx];
              }
            }
          }
        }
      }
    }
  }
  return { shape: [n, m, oh, ow], data: out };
}

export interface PoolParams {
  kernel: [number, number];
  strides: [number, number];
  pads: [number, number, number, number];
  ceilMode: boolean;
  /** AveragePool only. */
  countIncludePad?: boolean;
}

/** Output size of one pooled dim (PyTorch / onnxruntime rule for ceil_mode). */
function pooledSize(size: number, k: number, s: number, pb: number, pe: number, ceil: boolean): number {
  const span = size + pb + pe - k;
  if (!ceil) return Math.floor(span / s) + 1;
  let out = Math.ceil(span / s) + 1;
  if ((out - 1) * s >= size + pb) out--;
  return out;
}

/** ONNX MaxPool / AveragePool on x [N, C, H, W]. */
export function poolRef(kind: 'max' | 'avg', x: NdArray, p: PoolParams): NdArray {
  const [n, c, h, wd] = x.shape;
  const [kh, kw] = p.kernel;
  const [sh, sw] = p.strides;
  const [pt, pl, pb, pr] = p.pads;
  const oh = pooledSize(h, kh, sh, pt, pb, p.ceilMode);
  const ow = pooledSize(wd, kw, sw, pl, pr, p.ceilMode);
  const out = new Float64Array(n * c * oh * ow);
  for (let bc = 0; bc < n * c; bc++) {
    for (let y = 0; y < oh; y++) {
      for (let xx = 0; xx < ow; xx++) {
        const y0 = y * sh - pt;
        const x0 = xx * sw - pl;
        let best = -Infinity;
        let sum = 0;
        let count = 0;
        for (let iy = y0; iy < y0 + kh; iy++) {
          for (let ix = x0; ix < x0 + kw; ix++) {
            if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
            const v = x.data[(bc * h + iy) * wd + ix];
            best = Math.max(best, v);
            sum += v;
            count++;
          }
        }
        if (kind === 'avg' && p.countIncludePad) {
          // The window clipped to the padded extent (declared pads count, the ceil overhang does not).
          const hy = Math.min(y0 + kh, h + pb) - Math.max(y0, -pt);
          const hx = Math.min(x0 + kw, wd + pr) - Math.max(x0, -pl);
          count = hy * hx;
        }
        out[(bc * oh + y) * ow + xx] = kind === 'max' ? best : sum / count;
      }
    }
  }
  return { shape: [n, c, oh, ow], data: out };
}

/** alpha * op(A) op(B) + beta * C with C broadcast over rows. */
export function gemmRef(
  a: NdArray, b: NdArray, cMat: NdArray | null,
  o: { transA: boolean; transB: boolean; alpha: number; beta: number },
): NdArray {
  const at = (i: number, k: number) => (o.transA ? a.data[k * a.shape[1] + i] : a.data[i * a.shape[1] + k]);
  const bt = (k: number, j: number) => (o.transB ? b.data[j * b.shape[1] + k] : b.data[k * b.shape[1] + j]);
  const m = o.transA ? a.shape[1] : a.shape[0];
  const kk = o.transA ? a.shape[0] : a.shape[1];
  const n = o.transB ? b.shape[0] : b.shape[1];
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < kk; k++) s += at(i, k) * bt(k, j);
      const cv = cMat ? (cMat.data.length === n ? cMat.data[j] : cMat.data.length === 1 ? cMat.data[0] : cMat.data[i * n + j]) : 0;
      out[i * n + j] = o.alpha * s + o.beta * cv;
    }
  }
  return { shape: [m, n], data: out };
}

/** Inference batch norm over axis 1. */
export function batchNormRef(x: NdArray, scale: number[], bias: number[], mean: number[], variance: number[], eps: number): NdArray {
  const c = x.shape[1];
  const inner = x.shape.slice(2).reduce((p, d) => p * d, 1);
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < x.data.length; i++) {
    const ch = Math.floor(i / inner) % c;
    out[i] = ((x.data[i] - mean[ch]) / Math.sqrt(variance[ch] + eps)) * scale[ch] + bias[ch];
  }
  return { shape: x.shape, data: out };
}

/** Softmax of each row of a [rows, cols] array. */
export function softmaxRows(data: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let max = -Infinity;
    for (let j = 0; j < cols; j++) max = Math.max(max, data[r * cols + j]);
    let sum = 0;
    for (let j = 0; j < cols; j++) sum += Math.exp(data[r * cols + j] - max);
    for (let j = 0; j < cols; j++) out[r * cols + j] = Math.exp(data[r * cols + j] - max) / sum;
  }
  return out;
}

/** max |a - b| / max(1, max |b|): a scale-aware error for float32 results against float64 references. */
export function relError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) return Infinity;
  let err = 0;
  let scale = 1;
  for (let i = 0; i < want.length; i++) {
    err = Math.max(err, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return err / scale;
}
