/**
 * HMAX (Riesenhuber & Poggio 1999; Serre, Wolf, Bileschi, Riesenhuber & Poggio 2007) as a
 * differentiable tfjs graph: S1 Gabor -> C1 local max -> S2 Gaussian RBF to stored C1
 * patches -> C2 global max. Every op has a tfjs gradient, so metamers can be optimised
 * w.r.t. the raw 0..255 grey input. No ReLUs (fake ReLU does not apply). Layout of the
 * flattened stages: see hmax-layout.ts.
 */
import * as tf from '@tensorflow/tfjs';
import type { BatchForwardOptions, ForwardOptions, InputSpec, LossSchedule, StagedModel } from '../../engine/types.ts';
import { forwardChainEach, type StageChain } from '../../engine/stage-chain.ts';
import type { ModelManifest, ModelSource } from '../manifest.ts';
import { scaleKernel } from './gabor.ts';
import { hmaxLayout, prototypeCount, prototypeOffset, type HmaxLayout, type HmaxParams } from './hmax-layout.ts';
import { createHmaxSchedule } from './hmax-schedule.ts';
import { FastConv } from './fast-conv.ts';

export const HMAX_STAGES = ['S1', 'C1', 'S2', 'C2'] as const;

/** The shipped configuration (first 4 bands of Serre 2007; 8 prototypes per patch size). */
export const DEFAULT_HMAX_PARAMS: HmaxParams = {
  scales: 8,
  orientationsDeg: [0, 45, 90, 135],
  poolSizes: [8, 10, 12, 14],
  s1Normalize: true,
  s1NormEpsilon: 1,
  patchSizes: [4, 8, 12, 16],
  prototypesPerSize: 8,
  s2Sigma: 1,
  prototypes: 'prototypes.bin',
  natural: [],
};

export const HMAX_INPUT_SPEC: InputSpec = {
  modality: 'image',
  shape: [250, 250, 1],
  range: [0, 255],
  init: { mean: 127.5, std: 10 },
};

/** Separable box-sum convolutions (all-ones kernels n x 1 then 1 x n). */
function boxConvs(n: number, padding: 'same' | 'valid'): [FastConv, FastConv] {
  return [
    new FastConv(tf.ones([n, 1, 1, 1]) as tf.Tensor4D, padding),
    new FastConv(tf.ones([1, n, 1, 1]) as tf.Tensor4D, padding),
  ];
}

/** Maps [B, h, w, c] flattened per image and concatenated: [B, sum of h w c]. */
function flatConcat(maps: tf.Tensor[]): tf.Tensor {
  return tf.concat(maps.map((t) => tf.reshape(t, [t.shape[0], -1])), 1);
}

export class HmaxModel implements StagedModel {
  readonly stages: readonly string[] = HMAX_STAGES;
  readonly layout: HmaxLayout;
  // Fixed-weight convolutions; FastConv gives them a fast input gradient on wasm.
  private readonly gabor: FastConv[] = [];
  private readonly s1Box: [FastConv, FastConv][] = [];
  private readonly s2Kernels: FastConv[] = [];
  private readonly s2Box: [FastConv, FastConv][] = [];
  private readonly protoSqNorms: tf.Tensor1D[] = [];
  private readonly s2Scale: number[] = [];

  constructor(
    readonly id: string,
    readonly inputSpec: InputSpec,
    readonly params: HmaxParams,
    prototypes: Float32Array,
  ) {
    const [height, width, channels] = inputSpec.shape;
    if (channels !== 1) throw new Error(`HMAX takes one grey channel, input shape is [${inputSpec.shape}]`);
    this.layout = hmaxLayout(params, height, width);
    const expected = prototypeCount(params);
    if (prototypes.length !== expected) {
      throw new Error(`HMAX prototypes: expected ${expected} float32 values, got ${prototypes.length}`);
    }
    const nO = params.orientationsDeg.length;
    for (let s = 0; s < params.scales; s++) {
      const k = scaleKernel(s, params.orientationsDeg);
      this.gabor.push(new FastConv(tf.tensor4d(k.data, [k.size, k.size, 1, nO]), 'same'));
      this.s1Box.push(boxConvs(k.size, 'same'));
    }
    const P = params.prototypesPerSize;
    params.patchSizes.forEach((n, i) => {
      // conv kernel [n, n, nO, P]: kernel[r, c, o, p] = prototype p at (r, c, o).
      const kernel = new Float32Array(n * n * nO * P);
      const sq = new Float32Array(P);
      for (let p = 0; p < P; p++) {
        const base = prototypeOffset(params, i, p);
        for (let j = 0; j < n * n * nO; j++) {
          const v = prototypes[base + j];
          kernel[j * P + p] = v;
          sq[p] += v * v;
        }
      }
      this.s2Kernels.push(new FastConv(tf.tensor4d(kernel, [n, n, nO, P]), 'valid'));
      this.protoSqNorms.push(tf.tensor1d(sq));
      this.s2Box.push(boxConvs(n, 'valid'));
      this.s2Scale.push(1 / (2 * params.s2Sigma ** 2 * (n / 4) ** 2));
    });
  }

  /** S1 response of every scale, each [1, H, W, orientations]. */
  private s1Scales(x: tf.Tensor4D): tf.Tensor4D[] {
    const out: tf.Tensor4D[] = [];
    const xsq = this.params.s1Normalize ? tf.square(x) : null;
    for (let s = 0; s < this.gabor.length; s++) {
      let r: tf.Tensor4D = tf.abs(this.gabor[s].apply(x));
      if (xsq) {
        const [kv, kh] = this.s1Box[s];
        const energy = kh.apply(kv.apply(xsq));
        r = tf.div(r, tf.sqrt(tf.add(energy, this.params.s1NormEpsilon)));
      }
      out.push(r);
    }
    return out;
  }

  /** C1 band maps, each [1, h_b, w_b, orientations]. */
  private c1Bands(s1: tf.Tensor4D[]): tf.Tensor4D[] {
    return this.layout.c1Bands.map((band) => {
      const pair = tf.maximum(s1[2 * band.band], s1[2 * band.band + 1]) as tf.Tensor4D;
      return tf.maxPool(pair, band.poolSize, band.stride, 'same') as tf.Tensor4D;
    });
  }

  /** S2 blocks in layout order, each [1, h, w, prototypesPerSize]. */
  private s2Blocks(c1: tf.Tensor4D[]): tf.Tensor4D[] {
    const energyCache = new Map<number, tf.Tensor4D>();
    return this.layout.s2Blocks.map((block) => {
      const X = c1[block.band];
      let energy = energyCache.get(block.band);
      if (!energy) {
        energy = tf.sum(tf.square(X), 3, true) as tf.Tensor4D;
        energyCache.set(block.band, energy);
      }
      const [kv, kh] = this.s2Box[block.sizeIndex];
      // ||X - P||^2 = sum X^2 over the window - 2 <X, P> + ||P||^2.
      const xx = kh.apply(kv.apply(energy));
      const xp = this.s2Kernels[block.sizeIndex].apply(X);
      const d2 = tf.add(tf.sub(xx, tf.mul(xp, 2)), this.protoSqNorms[block.sizeIndex]);
      return tf.exp(tf.mul(d2, -this.s2Scale[block.sizeIndex])) as tf.Tensor4D;
    });
  }

  /** C2 [1, sizes * prototypesPerSize]: max over positions and bands. */
  private c2(s2: tf.Tensor4D[]): tf.Tensor2D {
    const perSize = this.params.patchSizes.map((_, i) => {
      const maxima = this.layout.s2Blocks
        .map((block, j) => (block.sizeIndex === i ? tf.max(s2[j], [1, 2]) : null))
        .filter((t): t is tf.Tensor => t !== null);
      if (maxima.length === 0) throw new Error(`HMAX: patch size ${this.params.patchSizes[i]} fits no C1 band`);
      return maxima.reduce((a, b) => tf.maximum(a, b));
    });
    return tf.concat(perSize, 1) as tf.Tensor2D;
  }

  forward(x: tf.Tensor, stages: readonly string[], _opts?: ForwardOptions): Record<string, tf.Tensor> {
    let depth = -1;
    for (const s of stages) {
      const i = HMAX_STAGES.indexOf(s as (typeof HMAX_STAGES)[number]);
      if (i < 0) throw new Error(`HMAX has no stage "${s}" (stages: ${HMAX_STAGES.join(', ')})`);
      depth = Math.max(depth, i);
    }
    const [H, W, C] = this.inputSpec.shape;
    if (x.shape.length !== 4 || x.shape[0] !== 1 || x.shape[1] !== H || x.shape[2] !== W || x.shape[3] !== C) {
      throw new Error(`HMAX input must be [1, ${H}, ${W}, ${C}], got [${x.shape}]`);
    }
    const want = new Set(stages);
    return tf.tidy(() => {
      const out: Record<string, tf.Tensor> = {};
      const s1 = this.s1Scales(x as tf.Tensor4D);
      if (want.has('S1')) out.S1 = tf.concat(s1, 3);
      if (depth < 1) return out;
      const c1 = this.c1Bands(s1);
      if (want.has('C1')) out.C1 = flatConcat(c1);
      if (depth < 2) return out;
      const s2 = this.s2Blocks(c1);
      if (want.has('S2')) out.S2 = flatConcat(s2);
      if (depth < 3) return out;
      out.C2 = this.c2(s2);
      return out;
    });
  }

  /** The stages as a chain of blocks (S1 scales -> C1 bands -> S2 blocks -> C2), for batched runs. No ReLUs. */
  private readonly chain: StageChain = {
    stages: HMAX_STAGES,
    block: (k, state) => {
      if (k === 0) return this.s1Scales(state[0] as tf.Tensor4D);
      if (k === 1) return this.c1Bands(state as tf.Tensor4D[]);
      if (k === 2) return this.s2Blocks(state as tf.Tensor4D[]);
      return [this.c2(state as tf.Tensor4D[])];
    },
    read: (k, state) => (k === 0 ? tf.concat(state, 3) : k === 3 ? state[0] : flatConcat(state)),
  };

  /** Batched all-stages forward (StagedModel.forwardEach): image b up to its own stage only. */
  forwardEach(x: tf.Tensor, stageOf: readonly string[], _opts?: BatchForwardOptions): tf.Tensor[] {
    const [H, W, C] = this.inputSpec.shape;
    const B = stageOf.length;
    if (x.shape.length !== 4 || x.shape[0] !== B || x.shape[1] !== H || x.shape[2] !== W || x.shape[3] !== C) {
      throw new Error(`HMAX batch for ${B} stages must be [${B}, ${H}, ${W}, ${C}], got [${x.shape}]`);
    }
    return tf.tidy(() => forwardChainEach(this.chain, x, stageOf, false));
  }

  /** C1 band maps [1, h_b, w_b, orientations] (for prototype sampling). Caller disposes. */
  c1Maps(x: tf.Tensor): tf.Tensor4D[] {
    return tf.tidy(() => this.c1Bands(this.s1Scales(x as tf.Tensor4D))) as tf.Tensor4D[];
  }

  lossSchedule(stage: string): LossSchedule | null {
    return createHmaxSchedule(stage, this.layout, this.params);
  }

  dispose(): void {
    for (const c of [...this.gabor, ...this.s1Box.flat(), ...this.s2Kernels, ...this.s2Box.flat()]) c.dispose();
    for (const t of this.protoSqNorms) t.dispose();
    this.gabor.length = 0;
    this.s1Box.length = 0;
    this.s2Kernels.length = 0;
    this.s2Box.length = 0;
    this.protoSqNorms.length = 0;
  }
}

/** Builds the model of a manifest with builder "hmax"; reads params.prototypes through source. */
export async function buildHmaxModel(manifest: ModelManifest, source: ModelSource): Promise<StagedModel> {
  const params = { ...DEFAULT_HMAX_PARAMS, ...(manifest.params as Partial<HmaxParams> | undefined) };
  const buffer = await source.readBinary(`${manifest.id}/${params.prototypes}`);
  if (buffer.byteLength % 4 !== 0) {
    throw new Error(`HMAX prototypes file ${manifest.id}/${params.prototypes} is not float32 (${buffer.byteLength} bytes)`);
  }
  return new HmaxModel(manifest.id, manifest.inputSpec, params, new Float32Array(buffer));
}
