/**
 * Spectemp's trained linear word readout (the paper's "final" stage: a linear classifier on the
 * time-averaged filter power), trained by scripts/models/spectemp/train_readout.py:
 *   average [1, F, C] -> channel pooling (mean of `channelPool` consecutive channels; the last
 *   group may be shorter) [F, C'] -> log(. + eps) -> flatten (filter-major) [1, F C']
 *   -> logits = features @ W + b [1, classes].
 * Feature standardisation is folded into W and b by the trainer. All ops are differentiable, so
 * the class criterion and any loss on the logits reach the raw audio.
 *
 * Weight file (float32 little-endian): W [F C', classes] row-major, then b [classes].
 */
import * as tf from '@tensorflow/tfjs';
import { constMatrix, matMulConstRight, type ConstMatrix } from '../../audio/const-matmul.ts';

export interface SpectempReadoutParams {
  /** Weight file relative to models/<id>/ (listed in manifest.weights). */
  path: string;
  /** Consecutive channels averaged into one feature channel (1 = none). */
  channelPool: number;
  /** Added before the log (same units as the `average` stage). */
  eps: number;
  /** What the numbers are (human-readable; from the trainer). */
  description?: string;
}

export function pooledChannels(channels: number, pool: number): number {
  return Math.ceil(channels / pool);
}

/** [channels, pooled]: column g averages channels g*pool .. min(channels, (g+1)*pool) - 1. */
export function channelPoolMatrix(channels: number, pool: number): Float32Array {
  const k = pooledChannels(channels, pool);
  const m = new Float32Array(channels * k);
  for (let g = 0; g < k; g++) {
    const lo = g * pool;
    const hi = Math.min(channels, lo + pool);
    for (let c = lo; c < hi; c++) m[c * k + g] = 1 / (hi - lo);
  }
  return m;
}

export function checkReadoutParams(id: string, p: unknown): SpectempReadoutParams {
  const r = p as Partial<SpectempReadoutParams> | undefined;
  const bad = (why: string) => new Error(`model "${id}": params.readout${why}`);
  if (!r || typeof r !== 'object') throw bad(' is missing');
  if (typeof r.path !== 'string' || r.path === '') throw bad('.path must be a file name');
  if (!Number.isInteger(r.channelPool) || r.channelPool! < 1) throw bad(`.channelPool must be a positive integer, got ${String(r.channelPool)}`);
  if (typeof r.eps !== 'number' || !(r.eps > 0)) throw bad(`.eps must be a positive number, got ${String(r.eps)}`);
  return { path: r.path, channelPool: r.channelPool!, eps: r.eps, description: r.description };
}

export class SpectempReadout {
  private readonly pool: ConstMatrix | null;
  private readonly weights: ConstMatrix;
  private readonly bias: tf.Tensor2D;
  private readonly featureCount: number;
  private disposed = false;

  /** averageShape: [filters, channels] of the `average` stage; data: the weight file's bytes. */
  constructor(
    readonly params: SpectempReadoutParams,
    readonly labels: string[],
    readonly averageShape: [number, number],
    data: ArrayBuffer,
    file = params.path,
  ) {
    const [filters, channels] = averageShape;
    const pooled = pooledChannels(channels, params.channelPool);
    this.featureCount = filters * pooled;
    const classes = labels.length;
    const want = (this.featureCount * classes + classes) * 4;
    if (data.byteLength !== want) {
      throw new Error(
        `${file} has ${data.byteLength} bytes; a readout from ${filters} x ${pooled} features to ${classes} classes needs ${want}`,
      );
    }
    const values = new Float32Array(data.slice(0));
    this.pool = params.channelPool === 1 ? null : constMatrix(channelPoolMatrix(channels, params.channelPool), channels, pooled);
    this.weights = constMatrix(values.subarray(0, this.featureCount * classes), this.featureCount, classes);
    this.bias = tf.tensor2d(values.subarray(this.featureCount * classes), [1, classes]);
  }

  /** The readout's features [1, filters * pooled channels] from `average` [1, filters, channels]. */
  features(average: tf.Tensor): tf.Tensor2D {
    if (this.disposed) throw new Error('SpectempReadout used after dispose()');
    const [filters, channels] = this.averageShape;
    if (average.size !== filters * channels) {
      throw new Error(`Spectemp readout expects average [1, ${filters}, ${channels}], got [${average.shape}]`);
    }
    return tf.tidy(() => {
      const a = tf.reshape(average, [filters, channels]) as tf.Tensor2D;
      const pooled = this.pool ? matMulConstRight(a, this.pool) : a;
      return tf.reshape(tf.log(tf.add(pooled, this.params.eps)), [1, this.featureCount]) as tf.Tensor2D;
    });
  }

  /** Logits [1, classes] from `average` [1, filters, channels]. */
  logits(average: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => tf.add(matMulConstRight(this.features(average), this.weights), this.bias) as tf.Tensor2D);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const mats = this.pool ? [this.pool, this.weights] : [this.weights];
    for (const m of mats) {
      m.value.dispose();
      m.transposed.dispose();
    }
    this.bias.dispose();
  }
}
