/**
 * The runner's value store with a layout pass: a 4-D value can be held channels-last (NHWC,
 * what tfjs's convolutions and pools want) instead of ONNX's channels-first (NCHW). Spatial
 * ops, batch norms and elementwise ops on NHWC values keep their results NHWC, so a chain of
 * Conv -> BatchNormalization -> Relu -> MaxPool -> Add runs without the two transposes per op
 * that a per-op conversion costs; the NCHW form is made (once, on demand) only where an op
 * with channels-first semantics (Flatten, Reshape, Gemm, Concat, Slice...) or the caller reads
 * it. A [N, 1, 1, C] <-> [N, C, 1, 1] change of layout is a reshape, not a transpose.
 */
import * as tf from '@tensorflow/tfjs';

function toChannelsFirst(h: tf.Tensor4D): tf.Tensor {
  const [n, hh, w, c] = h.shape;
  return hh === 1 && w === 1 ? tf.reshape(h, [n, c, 1, 1]) : tf.transpose(h, [0, 3, 1, 2]);
}

function toChannelsLast(t: tf.Tensor4D): tf.Tensor4D {
  const [n, c, h, w] = t.shape;
  return h === 1 && w === 1 ? tf.reshape(t, [n, 1, 1, c]) : tf.transpose(t, [0, 2, 3, 1]);
}

export class LayoutValues {
  private readonly nchw = new Map<string, tf.Tensor>();
  private readonly nhwc = new Map<string, tf.Tensor4D>();

  /** Records a value in ONNX's layout. */
  set(name: string, t: tf.Tensor): void {
    this.nchw.set(name, t);
  }

  /** Records a 4-D value held channels-last. */
  setNHWC(name: string, t: tf.Tensor4D): void {
    this.nhwc.set(name, t);
  }

  has(name: string): boolean {
    return this.nchw.has(name) || this.nhwc.has(name);
  }

  /** Whether the value is already held channels-last (no transpose needed to read it so). */
  isNHWC(name: string): boolean {
    return this.nhwc.has(name);
  }

  /** The value in ONNX's layout (made from the NHWC form on first read). */
  get(name: string): tf.Tensor | undefined {
    let t = this.nchw.get(name);
    if (t) return t;
    const h = this.nhwc.get(name);
    if (!h) return undefined;
    t = toChannelsFirst(h);
    this.nchw.set(name, t);
    return t;
  }

  /** The 4-D value channels-last (made from the NCHW form on first read); undefined if not 4-D. */
  getNHWC(name: string): tf.Tensor4D | undefined {
    let h = this.nhwc.get(name);
    if (h) return h;
    const t = this.nchw.get(name);
    if (!t || t.rank !== 4) return undefined;
    h = toChannelsLast(t as tf.Tensor4D);
    this.nhwc.set(name, h);
    return h;
  }
}
