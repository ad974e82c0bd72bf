/**
 * Ops that move data around without arithmetic: Reshape, Flatten, Transpose, Concat,
 * Squeeze, Unsqueeze, Shape, Gather, Slice, Pad. Shapes, axes, pads and indices must be
 * constants (or folded from constants and shapes by the runner), as tfjs needs them when the
 * op is built. Gather and strided Slice are built from tf.slice + tf.concat rather than
 * tf.gather / tf.stridedSlice: gather's gradient needs UnsortedSegmentSum, which the wasm
 * backend lacks, and stridedSlice has no gradient at all.
 */
import * as tf from '@tensorflow/tfjs';
import {
  attrInt, attrInts, attrString, intsByOpset, normAxis, opError, required, staticInts, staticScalar, type OpImpl,
} from './onnx-op-args.ts';
import type { OnnxNode } from './onnx-ir.ts';

/** The elements at `indices` (each in [0, dim)) along `axis`, as slices of runs of consecutive indices. */
export function takeAlong(x: tf.Tensor, indices: number[], axis: number): tf.Tensor {
  const runs: [number, number][] = [];
  for (const i of indices) {
    const last = runs[runs.length - 1];
    if (last && last[0] + last[1] === i) last[1]++;
    else runs.push([i, 1]);
  }
  // Fresh begin/size lists per slice: the Slice gradient reads them back later.
  const sliceAlong = (start: number, count: number) =>
    tf.slice(x, x.shape.map((_, i) => (i === axis ? start : 0)), x.shape.map((d, i) => (i === axis ? count : -1)));
  if (runs.length === 0) return sliceAlong(0, 0);
  const parts = runs.map(([start, count]) => sliceAlong(start, count));
  return parts.length === 1 ? parts[0] : tf.concat(parts, axis);
}

const reshape: OpImpl = (a) => {
  const x = required(a, 0);
  const target = staticInts(a, 1, 'shape');
  if (!target) throw opError(a.node, 'input "shape" is missing');
  const allowZero = attrInt(a.node, 'allowzero', 0) === 1;
  const shape = target.map((d, i) => (d === 0 && !allowZero ? x.shape[i] : d));
  const known = shape.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
  if (shape.filter((d) => d === -1).length > 1 || (known > 0 && x.size % known !== 0) || shape.some((d) => d === undefined || d < -1)) {
    throw opError(a.node, `cannot reshape [${x.shape}] to [${target}]`);
  }
  return [tf.reshape(x, shape.map((d) => (d === -1 ? x.size / known : d)))];
};

const flatten: OpImpl = (a) => {
  const x = required(a, 0);
  const axis = attrInt(a.node, 'axis', 1);
  const k = axis < 0 ? axis + x.rank : axis;
  if (k < 0 || k > x.rank) throw opError(a.node, `axis ${axis} is out of range for rank ${x.rank}`);
  const outer = x.shape.slice(0, k).reduce((p, d) => p * d, 1);
  return [tf.reshape(x, [outer, x.size / Math.max(outer, 1)])];
};

const transpose: OpImpl = (a) => {
  const x = required(a, 0);
  const perm = attrInts(a.node, 'perm') ?? x.shape.map((_, i) => x.rank - 1 - i);
  if (perm.length !== x.rank) throw opError(a.node, `perm [${perm}] does not fit a tensor of rank ${x.rank}`);
  return [tf.transpose(x, perm)];
};

const concat: OpImpl = (a) => {
  const xs = a.inputs.filter((t): t is tf.Tensor => t !== null);
  if (xs.length === 0) throw opError(a.node, 'no inputs');
  const axis = normAxis(a.node, attrInt(a.node, 'axis', 0), xs[0].rank);
  return [xs.length === 1 ? xs[0] : tf.concat(xs, axis)];
};

const squeeze: OpImpl = (a) => {
  const x = required(a, 0);
  const axes = intsByOpset(a, 'axes', 1, 13, 'axes');
  const ks = axes?.map((ax) => normAxis(a.node, ax, x.rank));
  if (ks?.some((k) => x.shape[k] !== 1)) throw opError(a.node, `cannot squeeze axes [${axes}] of shape [${x.shape}]`);
  return [tf.squeeze(x, ks)];
};

const unsqueeze: OpImpl = (a) => {
  const x = required(a, 0);
  const axes = intsByOpset(a, 'axes', 1, 13, 'axes');
  if (!axes) throw opError(a.node, 'axes are missing');
  const rank = x.rank + axes.length;
  const ks = new Set(axes.map((ax) => normAxis(a.node, ax, rank)));
  const shape: number[] = [];
  let next = 0;
  for (let i = 0; i < rank; i++) shape.push(ks.has(i) ? 1 : x.shape[next++]);
  return [tf.reshape(x, shape)];
};

const shapeOp: OpImpl = (a) => {
  const x = required(a, 0);
  const clampIndex = (v: number) => Math.min(x.rank, Math.max(0, v < 0 ? v + x.rank : v));
  const start = clampIndex(attrInt(a.node, 'start', 0));
  const end = clampIndex(attrInt(a.node, 'end', x.rank));
  return [tf.tensor1d(x.shape.slice(start, end), 'int32')];
};

const gather: OpImpl = (a) => {
  const x = required(a, 0);
  const axis = normAxis(a.node, attrInt(a.node, 'axis', 0), x.rank);
  const idx = a.constant(1);
  const dim = x.shape[axis];
  if (!idx || idx.dims.length > 1) {
    // Computed or multi-dimensional indices: tf.gather (its gradient does not run on wasm).
    const ind = required(a, 1);
    return [tf.gather(x, tf.where(tf.less(ind, 0), tf.add(ind, dim), ind) as tf.Tensor, axis)];
  }
  const list = Array.from(idx.data, (i) => (i < 0 ? i + dim : i));
  const bad = list.find((i) => i < 0 || i >= dim);
  if (bad !== undefined) throw opError(a.node, `index ${bad} is out of range for axis ${axis} of size ${dim}`);
  const taken = takeAlong(x, list, axis);
  return [idx.dims.length === 0 ? tf.squeeze(taken, [axis]) : taken];
};

/** ONNX Slice start/end clamping for one axis (positive or negative step). */
function sliceIndices(dim: number, start: number, end: number, step: number): number[] {
  const norm = (v: number) => (v < 0 ? v + dim : v);
  let s = norm(start);
  let e = norm(end);
  const out: number[] = [];
  if (step > 0) {
    s = Math.min(Math.max(s, 0), dim);
    e = Math.min(Math.max(e, 0), dim);
    for (let i = s; i < e; i += step) out.push(i);
  } else {
    s = Math.min(Math.max(s, 0), dim - 1);
    e = Math.min(Math.max(e, -1), dim - 1);
    for (let i = s; i > e; i += step) out.push(i);
  }
  return out;
}

const slice: OpImpl = (a) => {
  const x = required(a, 0);
  const node = a.node;
  const byInput = a.opset >= 10;
  const starts = byInput ? staticInts(a, 1, 'starts') : attrInts(node, 'starts');
  const ends = byInput ? staticInts(a, 2, 'ends') : attrInts(node, 'ends');
  if (!starts || !ends || starts.length !== ends.length) throw opError(node, 'starts and ends must be given, of equal length');
  const axes = (byInput ? staticInts(a, 3, 'axes') : attrInts(node, 'axes')) ?? starts.map((_, i) => i);
  const steps = (byInput ? staticInts(a, 4, 'steps') : null) ?? starts.map(() => 1);
  let y = x;
  axes.forEach((ax, j) => {
    const k = normAxis(node, ax, x.rank);
    if (steps[j] === 0) throw opError(node, 'step 0 is not allowed');
    const picks = sliceIndices(x.shape[k], starts[j], ends[j], steps[j]);
    if (steps[j] === 1) {
      const begin = y.shape.map(() => 0);
      const size = y.shape.map(() => -1);
      begin[k] = picks.length > 0 ? picks[0] : 0;
      size[k] = picks.length;
      y = tf.slice(y, begin, size);
    } else {
      y = takeAlong(y, picks, k);
    }
  });
  return [y];
};

/**
 * Edge or reflect padding along one axis, built from slices so that the gradient folds the
 * copies back (tfjs's own MirrorPad gradient drops the mirrored parts).
 */
function copyPad(x: tf.Tensor, axis: number, before: number, after: number, mode: 'edge' | 'reflect'): tf.Tensor {
  const n = x.shape[axis];
  if (mode === 'reflect' && (before >= n || after >= n)) throw new Error(`reflect pads (${before}, ${after}) must be smaller than the size ${n}`);
  const range = (count: number, f: (i: number) => number) => Array.from({ length: count }, (_, i) => f(i));
  const head = mode === 'edge' ? range(before, () => 0) : range(before, (i) => before - i);
  const tail = mode === 'edge' ? range(after, () => n - 1) : range(after, (i) => n - 2 - i);
  const parts = [...(before > 0 ? [takeAlong(x, head, axis)] : []), x, ...(after > 0 ? [takeAlong(x, tail, axis)] : [])];
  return parts.length === 1 ? x : tf.concat(parts, axis);
}

function padPairs(node: OnnxNode, rank: number, pads: number[], axes: number[] | null): [number, number][] {
  const ks = (axes ?? Array.from({ length: rank }, (_, i) => i)).map((ax) => normAxis(node, ax, rank));
  if (pads.length !== 2 * ks.length) throw opError(node, `pads [${pads}] do not fit ${ks.length} axes`);
  const pairs: [number, number][] = Array.from({ length: rank }, () => [0, 0]);
  ks.forEach((k, j) => (pairs[k] = [pads[j], pads[j + ks.length]]));
  return pairs;
}

const pad: OpImpl = (a) => {
  const x = required(a, 0);
  const node = a.node;
  const mode = attrString(node, 'mode', 'constant');
  const pads = a.opset >= 11 ? staticInts(a, 1, 'pads') : attrInts(node, 'pads') ?? attrInts(node, 'paddings');
  if (!pads) throw opError(node, 'pads are missing');
  const value = a.opset >= 11 ? staticScalar(a, 2, 'constant_value', 0) : (node.attributes.value?.value as number | undefined) ?? 0;
  const axes = a.opset >= 18 ? staticInts(a, 3, 'axes') : null;
  const pairs = padPairs(node, x.rank, pads, axes);
  // Negative pads crop: pad with the positive parts, then slice the negative parts off.
  const grow = pairs.map(([b, e]) => [Math.max(b, 0), Math.max(e, 0)] as [number, number]);
  let y: tf.Tensor;
  if (mode === 'constant') y = tf.pad(x, grow, value);
  else if (mode === 'reflect' || mode === 'edge') y = grow.reduce((t, [b, e], k) => (b || e ? copyPad(t, k, b, e, mode) : t), x);
  else throw opError(node, `mode "${mode}" is not supported (constant, reflect, edge)`);
  if (pairs.some(([b, e]) => b < 0 || e < 0)) {
    const begin = pairs.map(([b]) => Math.max(-b, 0));
    const size = y.shape.map((d, k) => d - begin[k] - Math.max(-pairs[k][1], 0));
    y = tf.slice(y, begin, size);
  }
  return [y];
};

export const SHAPE_OPS: Record<string, OpImpl> = {
  Reshape: reshape,
  Flatten: flatten,
  Transpose: transpose,
  Concat: concat,
  Squeeze: squeeze,
  Unsqueeze: unsqueeze,
  Shape: shapeOp,
  Gather: gather,
  Slice: slice,
  Pad: pad,
};
