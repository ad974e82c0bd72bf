/**
 * Conv, ConvTranspose and the pools. ONNX tensors are channels-first (NCHW, or NCL for 1-D);
 * tfjs kernels are channels-last, so each op transposes to NHWC, runs the tfjs op, and
 * transposes back. 1-D ops run as 2-D ops of height 1.
 *
 * Plain tf.conv2d, never tf.fused.conv2d: inside a gradient the fused op computes the filter
 * gradient eagerly, and the wasm backend has no Conv2DBackpropFilter kernel (see
 * ../layers/sequential-ops.ts). Depthwise convolutions use tf.depthwiseConv2d, whose
 * input gradient wasm lacks until ensureWasmDepthwiseBackprop() registers it.
 */
import * as tf from '@tensorflow/tfjs';
import { ensureWasmDepthwiseBackprop } from '../graph/wasm-depthwise-backprop.ts';
import { fastGradients } from '../../engine/fast-gradients.ts';
import { maxPoolInputGrad } from './wasm-max-pool-grad.ts';
import { conv2dInputGradFast, flippedFilter, phaseFilter } from './wasm-conv-input-grad.ts';
import type { OnnxNode } from './onnx-ir.ts';
import { attrInt, attrInts, attrString, opError, required, type OpArgs, type OpImpl } from './onnx-op-args.ts';

type Pair = [number, number];

/** What the ops read of their channels-first input: its rank and (NCHW / NCL) shape. */
interface Shaped {
  rank: number;
  shape: number[];
}

/** The channels-first shape an NHWC tensor stands for (the layout pass keeps 4-D values NHWC). */
function channelsFirst(xh: tf.Tensor4D): Shaped {
  const [n, h, w, c] = xh.shape;
  return { rank: 4, shape: [n, c, h, w] };
}

/** Kernel, strides, dilations and [top, left, bottom, right] pads of a 2-D (or lifted 1-D) window. */
interface Window2D {
  kernel: Pair;
  strides: Pair;
  dilations: Pair;
  /** [top, left, bottom, right] */
  pads: [number, number, number, number];
}

/** Spatial rank of a channels-first tensor: 1 (NCL) or 2 (NCHW); anything else is refused. */
function spatialRank(node: OnnxNode, x: Shaped): 1 | 2 {
  if (x.rank === 4) return 2;
  if (x.rank === 3) return 1;
  throw opError(node, `only 1-D and 2-D ${node.opType} is supported (input of rank ${x.rank}, shape [${x.shape}])`);
}

/** [N, C, H, W] -> [N, H, W, C]; [N, C, L] -> [N, 1, L, C]. */
function toNHWC(x: tf.Tensor): tf.Tensor4D {
  if (x.rank === 4) return tf.transpose(x, [0, 2, 3, 1]) as tf.Tensor4D;
  return tf.transpose(tf.expandDims(x, 2), [0, 2, 3, 1]) as tf.Tensor4D;
}

/** Inverse of toNHWC for an original rank of 4 or 3. */
function fromNHWC(y: tf.Tensor4D, rank: number): tf.Tensor {
  const t = tf.transpose(y, [0, 3, 1, 2]);
  return rank === 4 ? t : tf.squeeze(t, [2]);
}

/** Lifts a per-spatial-dim list to 2-D: 1-D lists get height 1 in front. */
function lift(values: number[], spatial: 1 | 2, fill: number): Pair {
  return (spatial === 2 ? [values[0], values[1]] : [fill, values[0]]) as Pair;
}

/**
 * The window of a Conv/pool node on input spatial size `size` (per spatial dim), resolving
 * auto_pad (SAME_UPPER puts the odd pixel at the end, SAME_LOWER at the start).
 */
function windowOf(node: OnnxNode, spatial: 1 | 2, size: number[], kernelSpatial: number[]): Window2D {
  const n = spatial;
  const strides = attrInts(node, 'strides') ?? Array(n).fill(1);
  const dilations = attrInts(node, 'dilations') ?? Array(n).fill(1);
  let pads = attrInts(node, 'pads') ?? Array(2 * n).fill(0);
  if (strides.length !== n || dilations.length !== n || pads.length !== 2 * n || kernelSpatial.length !== n) {
    throw opError(node, `strides/dilations/pads/kernel do not match a ${n}-D input`);
  }
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const begin: number[] = [];
    const end: number[] = [];
    for (let i = 0; i < n; i++) {
      const out = Math.ceil(size[i] / strides[i]);
      const total = Math.max(0, (out - 1) * strides[i] + (kernelSpatial[i] - 1) * dilations[i] + 1 - size[i]);
      const small = Math.floor(total / 2);
      begin.push(autoPad === 'SAME_UPPER' ? small : total - small);
      end.push(autoPad === 'SAME_UPPER' ? total - small : small);
    }
    pads = [...begin, ...end];
  } else if (autoPad === 'VALID') {
    pads = Array(2 * n).fill(0);
  } else if (autoPad !== 'NOTSET') {
    throw opError(node, `auto_pad "${autoPad}" is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID`);
  }
  for (let i = 0; i < n; i++) {
    // A window wider than the padded input leaves an empty output ([8, 0, 0]): refuse it here.
    const span = (kernelSpatial[i] - 1) * dilations[i] + 1;
    const padded = size[i] + pads[i] + pads[n + i];
    if (!(kernelSpatial[i] >= 1) || !(strides[i] >= 1) || !(dilations[i] >= 1)) {
      throw opError(node, `kernel [${kernelSpatial}], strides [${strides}] and dilations [${dilations}] must be positive`);
    }
    if (span > padded) {
      throw opError(node, `its ${span > kernelSpatial[i] ? 'dilated ' : ''}kernel (${span} wide) is larger than its input (${size[i]}${padded !== size[i] ? ` + padding = ${padded}` : ''}) along spatial axis ${i}: the output would be empty (input shape too small for this model?)`);
    }
  }
  const [top, bottom] = spatial === 2 ? [pads[0], pads[2]] : [0, 0];
  const [left, right] = spatial === 2 ? [pads[1], pads[3]] : [pads[0], pads[1]];
  return {
    kernel: lift(kernelSpatial, spatial, 1),
    strides: lift(strides, spatial, 1),
    dilations: lift(dilations, spatial, 1),
    pads: [top, left, bottom, right],
  };
}

function explicitPadding(p: [number, number, number, number]): tf.backend_util.ExplicitPadding {
  return [[0, 0], [p[0], p[2]], [p[1], p[3]], [0, 0]];
}

/** ONNX filter [Cout, Cin/g, kh, kw] (or [Cout, Cin/g, k]) -> tfjs HWIO [kh, kw, Cin/g, Cout]. */
function filterHWIO(w: tf.Tensor): tf.Tensor4D {
  if (w.rank === 4) return tf.transpose(w, [2, 3, 1, 0]) as tf.Tensor4D;
  return tf.expandDims(tf.transpose(w, [2, 1, 0]), 0) as tf.Tensor4D;
}

/** Depthwise ONNX filter [C*m, 1, kh, kw] -> tfjs [kh, kw, C, m] (output channel c*m + q). */
function filterDepthwise(w: tf.Tensor, channels: number): tf.Tensor4D {
  const w4 = w.rank === 4 ? w : tf.expandDims(w, 2);
  const [cout, , kh, kw] = w4.shape;
  return tf.transpose(tf.reshape(w4, [channels, cout / channels, kh, kw]), [2, 3, 0, 1]) as tf.Tensor4D;
}

/**
 * A filter [kh, kw, in, out] with (d - 1) zeros between its taps: convolving with it is the
 * dilated convolution. tfjs has no gradient for dilated conv2d, so dilations run this way.
 */
function dilateFilter(f: tf.Tensor4D, [dh, dw]: Pair): tf.Tensor4D {
  if (dh === 1 && dw === 1) return f;
  const [kh, kw, ci, co] = f.shape;
  const spread = tf.pad(tf.reshape(f, [kh, 1, kw, 1, ci, co]), [[0, 0], [0, dh - 1], [0, 0], [0, dw - 1], [0, 0], [0, 0]]);
  return tf.slice(tf.reshape(spread, [kh * dh, kw * dw, ci, co]), [0, 0, 0, 0], [(kh - 1) * dh + 1, (kw - 1) * dw + 1, ci, co]) as tf.Tensor4D;
}

const conv: OpImpl = (a) => {
  const x = required(a, 0);
  return [fromNHWC(convNHWC(a, x, toNHWC(x)), x.rank)];
};

/** Conv of the channels-first value `x` given as the NHWC tensor `xh`; the result is NHWC. */
function convNHWC(a: OpArgs, x: Shaped, xh: tf.Tensor4D): tf.Tensor4D {
  const { node } = a;
  const w = required(a, 1);
  const spatial = spatialRank(node, x);
  if (w.rank !== x.rank) throw opError(node, `filter of rank ${w.rank} for an input of rank ${x.rank}`);
  const group = attrInt(node, 'group', 1);
  const channels = x.shape[1];
  const [cout, cinPerGroup] = w.shape;
  const kernel = attrInts(node, 'kernel_shape') ?? w.shape.slice(2);
  if (channels !== cinPerGroup * group || cout % group !== 0) {
    throw opError(node, `input has ${channels} channels, filter [${w.shape}] with group ${group} expects ${cinPerGroup * group}`);
  }
  const win = windowOf(node, spatial, x.shape.slice(2), kernel);
  const pad = explicitPadding(win.pads);
  let y: tf.Tensor4D;
  // A constant filter lets the input gradient run as a fast forward conv on wasm.
  const constantFilter = a.constant(1) !== null;
  const conv2d = (xg: tf.Tensor4D, key: string, filter: (t: tf.Tensor) => tf.Tensor4D): tf.Tensor4D => {
    const f = a.derived(key, [1], ([t]) => filter(t)) as tf.Tensor4D;
    if (!constantFilter) return tf.conv2d(xg, f, win.strides, pad, 'NHWC');
    const flipped = () => a.derived(`${key}-flipped`, [1], ([t]) => flippedFilter(filter(t))) as tf.Tensor4D;
    const phased = () => a.derived(`${key}-phased`, [1], ([t]) => phaseFilter(filter(t), win.strides)) as tf.Tensor4D;
    return conv2dInputGradFast(xg, f, flipped, win.strides, win.pads, phased);
  };
  if (group === 1) {
    y = conv2d(xh, 'hwio', (t) => dilateFilter(filterHWIO(t), win.dilations));
  } else if (cinPerGroup === 1) {
    ensureWasmDepthwiseBackprop();
    const f = a.derived('depthwise', [1], ([t]) => dilateFilter(filterDepthwise(t, channels), win.dilations));
    y = tf.depthwiseConv2d(xh, f as tf.Tensor4D, win.strides, pad, 'NHWC');
  } else {
    const xs = tf.split(xh, group, 3) as tf.Tensor4D[];
    const per = cout / group;
    const ys = xs.map((xg, g) => conv2d(xg, `hwio${g}`, (t) => dilateFilter(filterHWIO(tf.slice(t, [g * per], [per])), win.dilations)));
    y = tf.concat(ys, 3) as tf.Tensor4D;
  }
  const b = a.inputs[2];
  if (b) y = tf.add(y, b);
  return y;
}

/**
 * ConvTranspose as the full ('valid') transposed convolution, then cropped by the pads and
 * extended by output_padding. Cropping the full result is exact: the rows output_padding adds
 * back are rows the end pad had cropped (or zeros past the full size).
 */
const convTranspose: OpImpl = (a) => {
  const { node } = a;
  const x = required(a, 0);
  const w = required(a, 1);
  const spatial = spatialRank(node, x);
  const group = attrInt(node, 'group', 1);
  const dil = attrInts(node, 'dilations');
  if (dil && dil.some((d) => d !== 1)) throw opError(node, `dilations [${dil}] are not supported (only 1)`);
  const [cin, coutPerGroup] = w.shape;
  if (x.shape[1] !== cin || cin % group !== 0) throw opError(node, `input has ${x.shape[1]} channels, filter [${w.shape}] expects ${cin}`);
  const n = spatial;
  const kernel = attrInts(node, 'kernel_shape') ?? w.shape.slice(2);
  const strides = attrInts(node, 'strides') ?? Array(n).fill(1);
  const outPad = attrInts(node, 'output_padding') ?? Array(n).fill(0);
  const size = x.shape.slice(2);
  const outputShape = attrInts(node, 'output_shape');
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  let pads = attrInts(node, 'pads') ?? Array(2 * n).fill(0);
  if (outputShape || autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const target = outputShape ? outputShape.slice(-n) : size.map((s, i) => s * strides[i]);
    const total = target.map((t, i) => strides[i] * (size[i] - 1) + outPad[i] + kernel[i] - t);
    const lower = autoPad === 'SAME_LOWER';
    pads = [...total.map((t) => (lower ? t - Math.floor(t / 2) : Math.floor(t / 2))), ...total.map((t) => (lower ? Math.floor(t / 2) : t - Math.floor(t / 2)))];
  }
  const full = size.map((s, i) => strides[i] * (s - 1) + kernel[i]);
  const out = size.map((_, i) => full[i] + outPad[i] - pads[i] - pads[n + i]);
  if (out.some((o) => !(o >= 1))) throw opError(node, `its output would be empty ([${out}]): pads [${pads}] crop more than the transposed convolution makes`);
  const xh = toNHWC(x);
  const [kh, kw] = lift(kernel, spatial, 1);
  const [sh, sw] = lift(strides, spatial, 1);
  const [fh, fw] = lift(full, spatial, 1);
  const cout = coutPerGroup * group;
  const per = cin / group;
  // tfjs wants [kh, kw, outDepth, inDepth]; ONNX gives [Cin, Cout/g, kh, kw].
  const toTf = (t: tf.Tensor) => (t.rank === 4 ? tf.transpose(t, [2, 3, 1, 0]) : tf.expandDims(tf.transpose(t, [2, 1, 0]), 0));
  const xs = group === 1 ? [xh] : (tf.split(xh, group, 3) as tf.Tensor4D[]);
  const ys = xs.map((xg, g) => {
    const f = a.derived(`t${g}`, [1], ([t]) => toTf(group === 1 ? t : tf.slice(t, [g * per], [per])));
    return tf.conv2dTranspose(xg, f as tf.Tensor4D, [x.shape[0], fh, fw, coutPerGroup], [sh, sw], 'valid');
  });
  let y = group === 1 ? ys[0] : (tf.concat(ys, 3) as tf.Tensor4D);
  const [outH, outW] = lift(out, spatial, 1);
  const [padT, padL] = spatial === 2 ? [pads[0], pads[1]] : [0, pads[0]];
  const [extraH, extraW] = [Math.max(0, padT + outH - fh), Math.max(0, padL + outW - fw)];
  if (extraH > 0 || extraW > 0) y = tf.pad(y, [[0, 0], [0, extraH], [0, extraW], [0, 0]]);
  y = tf.slice(y, [0, padT, padL, 0], [-1, outH, outW, cout]);
  const b = a.inputs[2];
  if (b) y = tf.add(y, b);
  return [fromNHWC(y, x.rank)];
};

/**
 * Extra end padding that makes a floor-mode pool give ceil_mode's output size. As in
 * PyTorch and onnxruntime, a last window that would start inside the end padding is dropped.
 */
function ceilExtra(size: number, k: number, s: number, padBegin: number, padEnd: number): number {
  const span = size + padBegin + padEnd - k;
  let out = Math.ceil(span / s) + 1;
  if ((out - 1) * s >= size + padBegin) out--;
  return Math.max(0, (out - 1) * s + k - (size + padBegin + padEnd));
}

function poolWindow(a: OpArgs, x: Shaped): { win: Window2D; extra: Pair } {
  const { node } = a;
  const spatial = spatialRank(node, x);
  const kernel = attrInts(node, 'kernel_shape');
  if (!kernel) throw opError(node, 'attribute "kernel_shape" is missing');
  const win = windowOf(node, spatial, x.shape.slice(2), kernel);
  if (win.dilations.some((d) => d !== 1)) throw opError(node, `dilations [${win.dilations}] are not supported (only 1)`);
  const extra: Pair = [0, 0];
  if (attrInt(node, 'ceil_mode', 0) === 1) {
    const [h, w] = lift(x.shape.slice(2), spatial, 1);
    extra[0] = ceilExtra(h, win.kernel[0], win.strides[0], win.pads[0], win.pads[2]);
    extra[1] = ceilExtra(w, win.kernel[1], win.strides[1], win.pads[1], win.pads[3]);
  }
  return { win, extra };
}

/**
 * tf.maxPool, except that on wasm the backward pass runs on x - min(x) + 1: tfjs-backend-wasm
 * 4.22's MaxPoolGrad drops the gradient of every window whose maximum is negative (found by
 * this importer's finite-difference tests). Adding a constant moves no argmax, so the shifted
 * input gives the true gradient.
 */
function maxPool2d(x: tf.Tensor4D, k: Pair, s: Pair, pad: [[number, number], [number, number], [number, number], [number, number]]): tf.Tensor4D {
  if (tf.getBackend() !== 'wasm') return tf.maxPool(x, k, s, pad);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const xin = args[0] as tf.Tensor4D;
    (args[1] as tf.GradSaveFunc)([xin]);
    return {
      value: tf.maxPool(xin, k, s, pad),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        if (fastGradients()) return maxPoolInputGrad(saved[0] as tf.Tensor4D, dy as tf.Tensor4D, k, s, pad[1][0], pad[2][0]);
        const shifted = tf.add(tf.sub(saved[0], tf.min(saved[0])), 1) as tf.Tensor4D;
        const output = tf.maxPool(shifted, k, s, pad);
        return tf.engine().runKernel('MaxPoolGrad', { dy, input: shifted, output }, { filterSize: k, strides: s, pad }) as tf.Tensor;
      },
    };
  });
  return op(x) as tf.Tensor4D;
}

const maxPool: OpImpl = (a) => {
  const x = required(a, 0);
  return [fromNHWC(maxPoolNHWC(a, x, toNHWC(x)), x.rank)];
};

function maxPoolNHWC(a: OpArgs, x: Shaped, xh: tf.Tensor4D): tf.Tensor4D {
  if (a.node.outputs.length > 1 && a.node.outputs[1] !== '') throw opError(a.node, 'the Indices output is not supported');
  const { win, extra } = poolWindow(a, x);
  const [t, l, b, r] = win.pads;
  // tfjs max pooling skips padded positions, as ONNX does.
  return maxPool2d(xh, win.kernel, win.strides, explicitPadding([t, l, b + extra[0], r + extra[1]]));
}

/**
 * Per output position, (window area) / (positions that count), as [1, oh, ow, 1]: the factor
 * that turns an average over the whole window of a zero-padded input into ONNX's average.
 * Counted: the input (count_include_pad = 0) or the input plus its declared pads (= 1); the
 * ceil_mode overhang never counts (as in onnxruntime and PyTorch).
 */
function averageFactors(
  size: Pair, win: Window2D, padded: [number, number, number, number], includePad: boolean, out: Pair,
): tf.Tensor {
  const [t, l] = padded;
  const lo = includePad ? [0, 0] : [t, l];
  const hi = includePad ? [t + size[0] + win.pads[2], l + size[1] + win.pads[3]] : [t + size[0], l + size[1]];
  const f = new Float32Array(out[0] * out[1]);
  for (let i = 0; i < out[0]; i++) {
    const y0 = i * win.strides[0];
    const rows = Math.min(y0 + win.kernel[0], hi[0]) - Math.max(y0, lo[0]);
    for (let j = 0; j < out[1]; j++) {
      const x0 = j * win.strides[1];
      const cols = Math.min(x0 + win.kernel[1], hi[1]) - Math.max(x0, lo[1]);
      f[i * out[1] + j] = (win.kernel[0] * win.kernel[1]) / (rows * cols);
    }
  }
  return tf.tensor4d(f, [1, out[0], out[1], 1]);
}

/**
 * AveragePool as a 'valid' average of the zero-padded input times averageFactors. Not
 * tf.avgPool with padding: its gradient divides by the full window area everywhere while its
 * forward pass divides by the in-bounds count, so the two disagree at the borders.
 */
const averagePool: OpImpl = (a) => {
  const x = required(a, 0);
  return [fromNHWC(averagePoolNHWC(a, x, toNHWC(x)), x.rank)];
};

function averagePoolNHWC(a: OpArgs, x: Shaped, xh: tf.Tensor4D): tf.Tensor4D {
  const { win, extra } = poolWindow(a, x);
  const [t, l, b, r] = win.pads;
  const padded: [number, number, number, number] = [t, l, b + extra[0], r + extra[1]];
  if (padded.every((p) => p === 0)) return tf.avgPool(xh, win.kernel, win.strides, 'valid');
  const y = tf.avgPool(tf.pad(xh, explicitPadding(padded)), win.kernel, win.strides, 'valid');
  const includePad = attrInt(a.node, 'count_include_pad', 0) === 1;
  const size: Pair = [xh.shape[1], xh.shape[2]];
  const factors = a.derived('avg-factors', [], () => averageFactors(size, win, padded, includePad, [y.shape[1], y.shape[2]]));
  return tf.mul(y, factors) as tf.Tensor4D;
}

function spatialAxes(x: tf.Tensor): number[] {
  return Array.from({ length: x.rank - 2 }, (_, i) => i + 2);
}

/**
 * The 2-D spatial ops on a value kept channels-last (the runner's layout pass): input 0 is
 * given as the NHWC tensor `xh`, the result is NHWC; the other inputs are as in ONNX.
 */
export type NhwcOpImpl = (a: OpArgs, xh: tf.Tensor4D) => tf.Tensor4D;

export const NHWC_SPATIAL_OPS: Record<string, NhwcOpImpl> = {
  Conv: (a, xh) => convNHWC(a, channelsFirst(xh), xh),
  MaxPool: (a, xh) => maxPoolNHWC(a, channelsFirst(xh), xh),
  AveragePool: (a, xh) => averagePoolNHWC(a, channelsFirst(xh), xh),
  GlobalAveragePool: (_a, xh) => tf.mean(xh, [1, 2], true) as tf.Tensor4D,
  GlobalMaxPool: (_a, xh) => tf.max(xh, [1, 2], true) as tf.Tensor4D,
};

export const SPATIAL_OPS: Record<string, OpImpl> = {
  Conv: conv,
  ConvTranspose: convTranspose,
  MaxPool: maxPool,
  AveragePool: averagePool,
  GlobalAveragePool: (a) => [tf.mean(required(a, 0), spatialAxes(required(a, 0)), true)],
  GlobalMaxPool: (a) => [tf.max(required(a, 0), spatialAxes(required(a, 0)), true)],
};
