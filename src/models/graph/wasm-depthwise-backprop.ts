/**
 * The wasm backend of tfjs 4.22 registers no DepthwiseConv2dNativeBackpropInput kernel, so
 * tf.grad through tf.depthwiseConv2d (every MobileNet) throws on wasm. This registers a
 * kernel for 'wasm' (if none is registered). The common case - stride 1, odd kernel,
 * symmetric 'same' padding, channel multiplier 1 - is the forward depthwise convolution of dy
 * with the spatially flipped filter, run by wasm's own fast kernel; everything else is the
 * plain-JS transpose below (dy scattered back to the inputs each output read).
 * cpu, webgl and webgpu ship their own kernels; this one is never used there.
 */
import * as tf from '@tensorflow/tfjs';

const KERNEL = 'DepthwiseConv2dNativeBackpropInput';

interface WasmBackendLike {
  readSync(dataId: unknown): ArrayLike<number>;
  makeOutput(shape: number[], dtype: 'float32', memoryOffset?: number, values?: Float32Array): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
  disposeData(dataId: unknown): boolean;
}

/** w[ky, kx, c, q] -> w[kh-1-ky, kw-1-kx, c, q]. */
export function flipFilter(w: ArrayLike<number>, shape: readonly number[]): Float32Array {
  const [kh, kw, c, m] = shape;
  const inner = c * m;
  const out = new Float32Array(kh * kw * inner);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      const from = (y * kw + x) * inner;
      const to = ((kh - 1 - y) * kw + (kw - 1 - x)) * inner;
      for (let i = 0; i < inner; i++) out[to + i] = w[from + i];
    }
  }
  return out;
}

/** Stride 1, no dilation, odd kernel, symmetric padding of (k-1)/2, multiplier 1. */
function isFlippedConvCase(info: tf.backend_util.Conv2DInfo): boolean {
  const p = info.padInfo;
  return (
    info.strideHeight === 1 && info.strideWidth === 1 && info.dilationHeight === 1 && info.dilationWidth === 1 &&
    info.outChannels === info.inChannels && info.filterHeight % 2 === 1 && info.filterWidth % 2 === 1 &&
    p.top === (info.filterHeight - 1) / 2 && p.bottom === p.top && p.left === (info.filterWidth - 1) / 2 && p.right === p.left
  );
}

interface Attrs {
  strides: number | [number, number];
  dilations: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape: [number, number, number, number];
}

/**
 * dx[b, y, x, c] = sum over (oy, ox, ky, kx, q) with y = oy*sH + ky*dH - padTop (same for x)
 * of dy[b, oy, ox, c*m + q] * w[ky, kx, c, q]. Plain arrays in, plain array out; exported
 * for the tests.
 */
export function depthwiseBackpropInput(
  dy: ArrayLike<number>,
  filter: ArrayLike<number>,
  info: tf.backend_util.Conv2DInfo,
): Float32Array {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const m = outChannels / inChannels;
  const dx = new Float32Array(batchSize * inHeight * inWidth * inChannels);
  for (let b = 0; b < batchSize; b++) {
    for (let oy = 0; oy < outHeight; oy++) {
      for (let ox = 0; ox < outWidth; ox++) {
        const dyBase = ((b * outHeight + oy) * outWidth + ox) * outChannels;
        for (let ky = 0; ky < kh; ky++) {
          const y = oy * sh + ky * dh - top;
          if (y < 0 || y >= inHeight) continue;
          for (let kx = 0; kx < kw; kx++) {
            const x = ox * sw + kx * dw - left;
            if (x < 0 || x >= inWidth) continue;
            const dxBase = ((b * inHeight + y) * inWidth + x) * inChannels;
            const wBase = (ky * kw + kx) * inChannels * m;
            if (m === 1) {
              for (let c = 0; c < inChannels; c++) dx[dxBase + c] += dy[dyBase + c] * filter[wBase + c];
            } else {
              for (let c = 0; c < inChannels; c++) {
                let s = 0;
                for (let q = 0; q < m; q++) s += dy[dyBase + c * m + q] * filter[wBase + c * m + q];
                dx[dxBase + c] += s;
              }
            }
          }
        }
      }
    }
  }
  return dx;
}

let registered = false;

/** Registers the kernel for 'wasm' once (no-op if tfjs already has one). */
export function ensureWasmDepthwiseBackprop(): void {
  if (registered || tf.getKernel(KERNEL, 'wasm')) {
    registered = true;
    return;
  }
  tf.registerKernel({
    kernelName: KERNEL,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
      const a = attrs as unknown as Attrs;
      const wasm = backend as unknown as WasmBackendLike;
      const info = tf.backend_util.computeConv2DInfo(
        a.inputShape,
        filter.shape as [number, number, number, number],
        a.strides,
        a.dilations ?? 1,
        a.pad,
        a.dimRoundingMode,
        true,
      );
      if (isFlippedConvCase(info)) {
        const forward = tf.getKernel('DepthwiseConv2dNative', 'wasm');
        if (forward) {
          const flipped = wasm.makeOutput([...filter.shape], 'float32', undefined, flipFilter(wasm.readSync(filter.dataId), filter.shape));
          try {
            return forward.kernelFunc({
              inputs: { x: dy, filter: flipped },
              backend,
              attrs: { strides: 1, pad: 'same', dilations: 1 },
            }) as tf.TensorInfo;
          } finally {
            wasm.disposeData(flipped.dataId);
          }
        }
      }
      const dx = depthwiseBackpropInput(wasm.readSync(dy.dataId), wasm.readSync(filter.dataId), info);
      const out = wasm.makeOutput([...a.inputShape], 'float32');
      wasm.typedArrayFromHeap(out).set(dx);
      return out;
    },
  });
  registered = true;
}
