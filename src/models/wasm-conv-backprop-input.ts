/**
 * A faster Conv2DBackpropInput for tfjs's wasm backend (issue 11), for every model whatever
 * builds it (TF.js graph and layers models, ONNX imports). tfjs-backend-wasm 4.22 runs this
 * kernel - the input gradient of every convolution - as a plain scalar loop, 5-20x slower than
 * its XNNPACK forward convolution; it took 60% of a CenterNet step. Here it is one forward
 * Conv2D (XNNPACK) of dy:
 *
 * - stride 1: with the filter flipped in space and its in/out channels swapped, padded by
 *   (k - 1 - top, k - 1 - left) in front and whatever makes the input's size behind;
 * - stride s: split into its s_h x s_w sub-pixel phases. Input pixel i with i + pad = s q + r
 *   receives dy[q - j] through tap s j + r only, so every phase is a stride-1 convolution of
 *   dy with a ceil(k / s)-tap sub-filter; all phases run as ONE convolution whose output
 *   channels are (phase, channel) (phaseFilterValues), then a JS pass interleaves the phases
 *   into the image and crops the pads.
 *
 * The rearranged filter is cached per filter tensor (weights do not change). Anything else
 * (NCHW, pads of k or more, the switch in engine/fast-gradients.ts off) runs the stock kernel.
 * Installed by loadModelFromManifest (every model loads through it), like the depthwise
 * kernel of graph/wasm-depthwise-backprop.ts; it replaces the kernel for the process.
 */
import * as tf from '@tensorflow/tfjs';
import { fastGradients } from '../engine/fast-gradients.ts';

const KERNEL = 'Conv2DBackpropInput';
/** Convolutions with fewer multiply-adds keep the stock kernel (measured crossover ~0.4 M on one thread). */
let smallConvMacs = 500_000;

/** Sets the small-convolution threshold (tests set 0 to run every case through XNNPACK); returns the old one. */
export function setSmallConvMacs(macs: number): number {
  const old = smallConvMacs;
  smallConvMacs = macs;
  return old;
}

interface WasmBackendLike {
  readSync(dataId: unknown): ArrayLike<number>;
  makeOutput(shape: number[], dtype: 'float32', memoryOffset?: number, values?: Float32Array): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
  disposeData(dataId: unknown): boolean;
}

interface Attrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape: [number, number, number, number];
}

/**
 * f[ky, kx, c, o] (HWIO) -> g[J_h - 1 - jy, J_w - 1 - jx, o, (ry s_w + rx) C + c] = f[s_h jy + ry, s_w jx + rx, c, o],
 * zero where a tap index reaches past the kernel; J = ceil(k / s). Stride 1 gives the flipped,
 * channel-swapped filter.
 */
export function phaseFilterValues(f: ArrayLike<number>, [kh, kw, c, o]: readonly number[], sh: number, sw: number): Float32Array {
  const jh = Math.ceil(kh / sh);
  const jw = Math.ceil(kw / sw);
  const outC = sh * sw * c;
  const g = new Float32Array(jh * jw * o * outC);
  for (let ky = 0; ky < kh; ky++) {
    const jy = jh - 1 - Math.floor(ky / sh);
    const ry = ky % sh;
    for (let kx = 0; kx < kw; kx++) {
      const jx = jw - 1 - Math.floor(kx / sw);
      const rx = kx % sw;
      for (let ci = 0; ci < c; ci++) {
        const src = ((ky * kw + kx) * c + ci) * o;
        const dstChannel = (ry * sw + rx) * c + ci;
        for (let oi = 0; oi < o; oi++) g[((jy * jw + jx) * o + oi) * outC + dstChannel] = f[src + oi];
      }
    }
  }
  return g;
}

/**
 * z [B, qh, qw, s_h s_w C] (phase (ry, rx) of pixel (s q + r) in channel block (ry s_w + rx))
 * -> dx [B, h, w, C] = the interleaved image from row `top`, column `left`.
 */
export function interleavePhases(z: Float32Array, [b, qh, qw]: readonly number[], sh: number, sw: number, c: number, out: Float32Array, [h, w]: readonly number[], top: number, left: number): void {
  const zc = sh * sw * c;
  for (let n = 0; n < b; n++) {
    for (let y = 0; y < h; y++) {
      const u = y + top;
      const qy = Math.floor(u / sh);
      const ry = u - qy * sh;
      const zRow = (n * qh + qy) * qw;
      const outRow = (n * h + y) * w;
      for (let x = 0; x < w; x++) {
        const v = x + left;
        const qx = Math.floor(v / sw);
        const rx = v - qx * sw;
        const from = (zRow + qx) * zc + (ry * sw + rx) * c;
        const to = (outRow + x) * c;
        for (let ci = 0; ci < c; ci++) out[to + ci] = z[from + ci];
      }
    }
  }
}

/** Rearranged filters per filter tensor (by its data id) and stride. */
const filterCache = new WeakMap<object, Map<string, Float32Array>>();

function cachedPhaseFilter(wasm: WasmBackendLike, filter: tf.TensorInfo, sh: number, sw: number): Float32Array {
  const key = `${sh}x${sw}`;
  let perFilter = filterCache.get(filter.dataId as object);
  if (!perFilter) {
    perFilter = new Map();
    filterCache.set(filter.dataId as object, perFilter);
  }
  let g = perFilter.get(key);
  if (!g) {
    g = phaseFilterValues(wasm.readSync(filter.dataId), filter.shape, sh, sw);
    perFilter.set(key, g);
  }
  return g;
}

type KernelFunc = tf.KernelConfig['kernelFunc'];

function fastBackpropInput(stock: KernelFunc, forward: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const a = attrs as unknown as Attrs;
    if (!fastGradients() || a.dataFormat === 'NCHW' || dy.dtype !== 'float32') return stock(args);
    const wasm = backend as unknown as WasmBackendLike;
    const info = tf.backend_util.computeConv2DInfo(a.inputShape, filter.shape as [number, number, number, number], a.strides, 1, a.pad, a.dimRoundingMode, false, 'channelsLast');
    const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
    const { top, left } = info.padInfo;
    if (top >= kh || left >= kw || top < 0 || left < 0) return stock(args);
    // Below ~0.5 M multiply-adds the stock loop wins: setting up an XNNPACK convolution costs
    // ~0.3 ms (Fashion-MNIST's 5 x 5, 16 -> 1 input gradient: 0.28 ms stock, 0.55 ms here).
    if (info.batchSize * oh * ow * kh * kw * c * filter.shape[3] < smallConvMacs) return stock(args);
    const jh = Math.ceil(kh / sh);
    const jw = Math.ceil(kw / sw);
    const g = cachedPhaseFilter(wasm, filter, sh, sw);
    const gInfo = wasm.makeOutput([jh, jw, filter.shape[3], sh * sw * c], 'float32', undefined, g);
    try {
      if (sh === 1 && sw === 1) {
        // The flipped conv lands on the input's grid directly: front pad k - 1 - top.
        const backH = h - oh - (kh - 1 - top) + kh - 1;
        const backW = w - ow - (kw - 1 - left) + kw - 1;
        if (backH >= 0 && backW >= 0) {
          const pad: tf.backend_util.ExplicitPadding = [[0, 0], [kh - 1 - top, backH], [kw - 1 - left, backW], [0, 0]];
          return forward({ inputs: { x: dy, filter: gInfo }, backend, attrs: { strides: 1, pad, dataFormat: 'NHWC', dilations: 1 } }) as tf.TensorInfo;
        }
      }
      // Phase rows q = 0..qh-1 cover input rows 0..h-1 (q = floor((i + top) / s)).
      const qh = Math.floor((h - 1 + top) / sh) + 1;
      const qw = Math.floor((w - 1 + left) / sw) + 1;
      const pad: tf.backend_util.ExplicitPadding = [[0, 0], [jh - 1, Math.max(qh - oh, 0)], [jw - 1, Math.max(qw - ow, 0)], [0, 0]];
      const z = forward({ inputs: { x: dy, filter: gInfo }, backend, attrs: { strides: 1, pad, dataFormat: 'NHWC', dilations: 1 } }) as tf.TensorInfo;
      try {
        const out = wasm.makeOutput([...a.inputShape], 'float32');
        interleavePhases(wasm.typedArrayFromHeap(z), z.shape, sh, sw, c, wasm.typedArrayFromHeap(out), [h, w], top, left);
        return out;
      } finally {
        wasm.disposeData(z.dataId);
      }
    } finally {
      wasm.disposeData(gInfo.dataId);
    }
  };
}

let installed = false;

/** Replaces wasm's Conv2DBackpropInput with the fast one (once; the stock kernel stays the fallback). */
export function installFastWasmConvBackprop(): void {
  if (installed) return;
  const stock = tf.getKernel(KERNEL, 'wasm');
  const forward = tf.getKernel('Conv2D', 'wasm');
  if (!stock || !forward) return;
  tf.unregisterKernel(KERNEL, 'wasm');
  tf.registerKernel({ kernelName: KERNEL, backendName: 'wasm', kernelFunc: fastBackpropInput(stock.kernelFunc, forward.kernelFunc), setupFunc: stock.setupFunc, disposeFunc: stock.disposeFunc });
  installed = true;
}
