/**
 * The tf tensors behind an ONNX graph's constants, made once and reused by every forward
 * pass: the initializers, the values folded from constants and static shapes (Shape ->
 * Gather -> Concat -> Reshape chains), and tensors derived from constants (transposed conv
 * filters, folded batch-norm factors). Every tensor here is kept out of the callers' tidy
 * scopes and freed only by dispose().
 */
import * as tf from '@tensorflow/tfjs';
import type { OnnxConstant, OnnxGraph } from './onnx-ir.ts';

function constantTensor(c: OnnxConstant): tf.Tensor {
  if (c.dataType === 'float32' || c.dataType === 'float64') return tf.tensor(c.data, c.dims, 'float32');
  if (c.dataType === 'bool') return tf.tensor(c.data, c.dims, 'bool');
  return tf.tensor(c.data, c.dims, 'int32');
}

export class OnnxWeights {
  private readonly tensors = new Map<string, tf.Tensor>();
  private readonly folded = new Map<string, OnnxConstant>();
  private readonly derivedTensors = new Map<string, tf.Tensor>();
  /** Input shape the folded values were computed for (they may depend on it through Shape). */
  private foldedFor = '';
  private disposed = false;

  constructor(readonly graph: OnnxGraph) {
    for (const [name, c] of graph.constants) this.tensors.set(name, tf.keep(constantTensor(c)));
  }

  /** Bytes of tensor data the constants take (4 per element). */
  get bytes(): number {
    let n = 0;
    for (const c of this.graph.constants.values()) n += 4 * c.data.length;
    return n;
  }

  private alive(): void {
    if (this.disposed) throw new Error('ONNX weights have been disposed');
  }

  /** Forgets folded and derived values when the input shape changes (they may depend on it). */
  useInputShape(signature: string): void {
    this.alive();
    if (signature === this.foldedFor) return;
    for (const name of this.folded.keys()) this.tensors.get(name)?.dispose();
    for (const name of this.folded.keys()) this.tensors.delete(name);
    this.folded.clear();
    for (const t of this.derivedTensors.values()) t.dispose();
    this.derivedTensors.clear();
    this.foldedFor = signature;
  }

  /** Constant or folded data of a value, or null if it is computed from the model input. */
  staticValue(name: string): OnnxConstant | null {
    return this.graph.constants.get(name) ?? this.folded.get(name) ?? null;
  }

  /** The kept tensor of a constant or folded value. */
  tensor(name: string): tf.Tensor | undefined {
    return this.tensors.get(name);
  }

  /** Whether `t` is owned here (callers must clone before handing it out). */
  owns(t: tf.Tensor): boolean {
    for (const v of this.tensors.values()) if (v === t) return true;
    for (const v of this.derivedTensors.values()) if (v === t) return true;
    return false;
  }

  /** Records a value folded from constants; keeps `t` (reads its data once). */
  addFolded(name: string, t: tf.Tensor): void {
    this.alive();
    const data = t.dtype === 'float32' ? Float32Array.from(t.dataSync() as Float32Array) : Int32Array.from(t.dataSync() as Int32Array);
    const dataType = t.dtype === 'float32' ? 'float32' : t.dtype === 'bool' ? 'bool' : 'int32';
    this.folded.set(name, { name, dims: [...t.shape], dataType, data });
    this.tensors.set(name, tf.keep(t));
  }

  /** Records a value folded on the host (its data already known: no read-back, so any backend). */
  addFoldedData(c: OnnxConstant): void {
    this.alive();
    this.folded.set(c.name, c);
    this.tensors.set(c.name, tf.keep(constantTensor(c)));
  }

  /** A derived tensor cached under `key`, made by `make` on first use and kept. */
  derived(key: string, make: () => tf.Tensor): tf.Tensor {
    this.alive();
    let t = this.derivedTensors.get(key);
    if (!t) {
      t = tf.keep(tf.tidy(make));
      this.derivedTensors.set(key, t);
    }
    return t;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const t of this.tensors.values()) t.dispose();
    for (const t of this.derivedTensors.values()) t.dispose();
    this.tensors.clear();
    this.derivedTensors.clear();
    this.folded.clear();
  }
}
