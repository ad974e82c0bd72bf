/**
 * Runs a Sequential TF.js LayersModel with plain tfjs ops (conv2d, matMul, maxPool, ...)
 * instead of the layers' own call().
 *
 * Why: tfjs-layers' Conv2D calls tf.fused.conv2d, and inside a gradient a fused conv2d with a
 * linear activation computes the filter gradient (Conv2DBackpropFilter) eagerly, even when
 * only dL/dx is wanted. The wasm backend has no Conv2DBackpropFilter kernel, so dL/dx through
 * a Conv2D layer throws there (and costs a wasted filter gradient on the other backends). The
 * plain ops here compute only what the tape asks for, on every backend.
 *
 * Supported layers: InputLayer, Conv2D (channels-last, 'same'/'valid'), Dense, MaxPooling2D,
 * AveragePooling2D, Flatten, Activation and ReLU (activations 'relu' and 'linear'). Anything
 * else throws at build time, naming the layer.
 */
import * as tf from '@tensorflow/tfjs';
import { fakeRelu, fakeReluWhere } from '../../engine/fake-relu.ts';
import type { StageChain } from '../../engine/stage-chain.ts';

/** Fake ReLU for the whole input (a boolean) or per image of a batch (one flag per image). */
export type FakeFlags = boolean | readonly boolean[];

function relu(y: tf.Tensor, fake: FakeFlags): tf.Tensor {
  if (typeof fake !== 'boolean') return fakeReluWhere(y, fake);
  return fake ? fakeRelu(y) : tf.relu(y);
}

/** One layer as an op on the activations; `fake` replaces its ReLU by the fake ReLU. */
export interface LayerOp {
  name: string;
  className: string;
  /** True if the op's output is a ReLU's output (so a fake ReLU applies to it). */
  endsInRelu: boolean;
  apply(x: tf.Tensor, fake: FakeFlags): tf.Tensor;
}

type Padding = 'same' | 'valid';

interface ConvLike {
  strides: number[];
  padding: string;
  dataFormat: string;
  dilationRate: number[] | number;
  useBias: boolean;
  kernel: { read(): tf.Tensor };
  bias: { read(): tf.Tensor } | null;
  activation: { getClassName(): string };
}
interface PoolLike {
  poolSize: number[];
  strides: number[];
  padding: string;
  dataFormat: string;
}

function unsupported(layer: tf.layers.Layer, why: string): Error {
  return new Error(`layer "${layer.name}" (${layer.getClassName()}): ${why}`);
}

/** 'relu' | 'linear' of a layer's activation, or throws. */
function activationOf(layer: tf.layers.Layer, act: { getClassName(): string } | null | undefined): 'relu' | 'linear' {
  const name = act?.getClassName() ?? 'linear';
  if (name !== 'relu' && name !== 'linear') throw unsupported(layer, `activation "${name}" is not supported`);
  return name;
}

function padding(layer: tf.layers.Layer, p: string): Padding {
  if (p !== 'same' && p !== 'valid') throw unsupported(layer, `padding "${p}" is not supported`);
  return p;
}

function channelsLast(layer: tf.layers.Layer, f: string): void {
  if (f !== 'channelsLast') throw unsupported(layer, `data format "${f}" is not supported (channels last only)`);
}

function withActivation(act: 'relu' | 'linear', y: tf.Tensor, fake: FakeFlags): tf.Tensor {
  return act === 'linear' ? y : relu(y, fake);
}

function layerOp(layer: tf.layers.Layer): LayerOp | null {
  const cls = layer.getClassName();
  const op = (endsInRelu: boolean, apply: LayerOp['apply']): LayerOp => ({ name: layer.name, className: cls, endsInRelu, apply });
  switch (cls) {
    case 'InputLayer':
      return null;
    case 'Conv2D': {
      const l = layer as unknown as ConvLike;
      channelsLast(layer, l.dataFormat);
      const pad = padding(layer, l.padding);
      const act = activationOf(layer, l.activation);
      const dil = (Array.isArray(l.dilationRate) ? l.dilationRate : [l.dilationRate, l.dilationRate]) as [number, number];
      const strides = l.strides as [number, number];
      return op(act === 'relu', (x, fake) => {
        let y = tf.conv2d(x as tf.Tensor4D, l.kernel.read() as tf.Tensor4D, strides, pad, 'NHWC', dil);
        if (l.useBias && l.bias) y = tf.add(y, l.bias.read());
        return withActivation(act, y, fake);
      });
    }
    case 'Dense': {
      const l = layer as unknown as ConvLike;
      const act = activationOf(layer, l.activation);
      return op(act === 'relu', (x, fake) => {
        if (x.rank !== 2) throw unsupported(layer, `input of rank ${x.rank}; only rank 2 is supported`);
        let y = tf.matMul(x as tf.Tensor2D, l.kernel.read() as tf.Tensor2D);
        if (l.useBias && l.bias) y = tf.add(y, l.bias.read());
        return withActivation(act, y, fake);
      });
    }
    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      const l = layer as unknown as PoolLike;
      channelsLast(layer, l.dataFormat);
      const pad = padding(layer, l.padding);
      const size = l.poolSize as [number, number];
      const strides = (l.strides ?? l.poolSize) as [number, number];
      const pool = cls === 'MaxPooling2D' ? tf.maxPool : tf.avgPool;
      return op(false, (x) => pool(x as tf.Tensor4D, size, strides, pad));
    }
    case 'Flatten':
      return op(false, (x) => tf.reshape(x, [x.shape[0], -1]));
    case 'Activation': {
      const act = activationOf(layer, (layer as unknown as ConvLike).activation);
      return op(act === 'relu', (x, fake) => withActivation(act, x, fake));
    }
    case 'ReLU': {
      const maxValue = (layer as unknown as { maxValue?: number | null }).maxValue;
      return op(true, (x, fake) => {
        const y = relu(x, fake);
        return maxValue != null ? tf.minimum(y, maxValue) : y;
      });
    }
    default:
      throw unsupported(layer, 'layer type not supported by the plain-ops runner');
  }
}

/** The ops of a Sequential model's layers, in order (InputLayer dropped). */
export function sequentialOps(model: tf.LayersModel): LayerOp[] {
  if (model.getClassName() !== 'Sequential') {
    throw new Error(`plain-ops runner needs a Sequential model, got ${model.getClassName()}`);
  }
  return model.layers.map(layerOp).filter((o): o is LayerOp => o !== null);
}

/**
 * Runs ops[0..last] on x and returns the outputs of the ops whose index is in `keep`;
 * op `fakeAt` (if it ends in a ReLU) uses the fake ReLU. Call inside a tidy.
 */
export function runOps(ops: readonly LayerOp[], x: tf.Tensor, keep: ReadonlySet<number>, fakeAt: number): Map<number, tf.Tensor> {
  const out = new Map<number, tf.Tensor>();
  const last = Math.max(-1, ...keep);
  let h = x;
  for (let k = 0; k <= last; k++) {
    h = ops[k].apply(h, k === fakeAt && ops[k].endsInRelu);
    if (keep.has(k)) out.set(k, h);
  }
  return out;
}

/**
 * The ops as a StageChain for batched all-stages runs: stage k is the output of op
 * stageOps[k] (increasing); block k runs the ops after stage k-1's op up to stage k's, the
 * fake ReLU (per image) at stage k's op only if it ends in a ReLU.
 */
export function opsChain(ops: readonly LayerOp[], stages: readonly string[], stageOps: readonly number[]): StageChain {
  if (stageOps.some((k, i) => i > 0 && k <= stageOps[i - 1])) {
    throw new Error(`opsChain: stage ops [${stageOps.join(', ')}] are not increasing`);
  }
  return {
    stages,
    block(k, state, fake) {
      let h = state[0];
      for (let i = k === 0 ? 0 : stageOps[k - 1] + 1; i <= stageOps[k]; i++) {
        h = ops[i].apply(h, i === stageOps[k] && ops[i].endsInRelu ? fake : false);
      }
      return [h];
    },
    read: (_k, state) => state[0],
  };
}
