/**
 * Builder "onnx": a StagedModel over an ONNX graph whose stages are named values of the
 * graph (the import flow picks them; see issue 6). The path from the raw stimulus to the
 * graph is part of the differentiable model:
 *   raw x [1, ...inputSpec.shape] -> inputSpec.normalization (per channel, channels-last)
 *   -> images: channel reorder (BGR) and NHWC -> NCHW if the graph wants channels first;
 *      audio with frontEnd "cochleagram": the project's cochleagram [1, 211, 390]
 *   -> reshaped to the graph input's dims -> the graph (onnx-runner.ts).
 * Stage activations come back in the graph's own layout (NCHW for PyTorch exports). The
 * generation stage's ReLU is the fake ReLU when the stage value is a Relu node's output.
 */
import * as tf from '@tensorflow/tfjs';
import { Cochleagram } from '../../audio/cochleagram.ts';
import { stagedModelFromFunction } from '../../engine/staged-model.ts';
import type { ClassReadout, InputSpec, StagedModel } from '../../engine/types.ts';
import type { ModelManifest, ModelSource } from '../manifest.ts';
import { OnnxImportError } from './onnx-errors.ts';
import type { OnnxGraph } from './onnx-ir.ts';
import { parseOnnx } from './onnx-parse.ts';
import { assertSupportedOps } from './onnx-ops.ts';
import { OnnxWeights, probeShapes, runOnnxGraph } from './onnx-runner.ts';

/** Models whose weights exceed this are refused: a browser tab would run out of memory. */
export const MAX_IMPORT_WEIGHT_BYTES = 1024 ** 3;

/** manifest.params of an "onnx" model. */
export interface OnnxModelParams {
  /** The .onnx file, relative to models/<id>/. */
  file: string;
  /** Checked against the graph's input name when given. */
  inputName?: string;
  /** Layout of the ONNX input: NCHW (PyTorch) or NHWC. */
  layout: 'NCHW' | 'NHWC';
  channelOrder?: 'RGB' | 'BGR';
  /** Stage name -> ONNX value name (manifest.stages gives the order). */
  stageValues: Record<string, string>;
  /** ONNX value holding [1, n] logits; labels = manifest.classes or "0".."n-1". */
  readoutValue?: string;
  /** Audio: raw 2-s clip -> cochleagram -> ONNX input [1,1,211,390] or [1,211,390]. */
  frontEnd?: 'cochleagram';
}

export interface OnnxStagedOptions {
  id: string;
  inputSpec: InputSpec;
  /** Stage names, shallow to deep. */
  stages: readonly string[];
  stageValues: Record<string, string>;
  layout: 'NCHW' | 'NHWC';
  channelOrder?: 'RGB' | 'BGR';
  inputName?: string;
  readoutValue?: string;
  labels?: string[];
  frontEnd?: 'cochleagram';
  /** Expected activation shape (no batch dim) per stage, e.g. from the manifest; checked against the graph. */
  stageShapes?: Record<string, readonly number[]>;
  /** Refuse larger weights (default MAX_IMPORT_WEIGHT_BYTES). */
  maxWeightBytes?: number;
}

/** "812 bytes", "1.3 kB", "24.1 MB", "1.07 GB". */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} bytes`;
  const [unit, div] = n < 1e6 ? ['kB', 1e3] : n < 1e9 ? ['MB', 1e6] : ['GB', 1e9];
  return `${(n / div).toFixed(n / div < 10 ? 2 : 1).replace(/\.?0+$/, '')} ${unit}`;
}

function bad(id: string, why: string): OnnxImportError {
  return new OnnxImportError(`model "${id}" (onnx builder): ${why}`);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Float bytes the graph's constants take once loaded as tensors. */
export function onnxWeightBytes(graph: OnnxGraph): number {
  let n = 0;
  for (const c of graph.constants.values()) n += 4 * c.data.length;
  return n;
}

/** Turns the normalised raw input into the graph input (and owns the cochleagram front end, if any). */
function inputAdapter(o: OnnxStagedOptions, graphDims: number[]): { adapt: (x: tf.Tensor) => tf.Tensor; cochleagram: Cochleagram | null } {
  const spec = o.inputSpec;
  const graphSize = graphDims.reduce((a, b) => a * b, 1);
  const describe = `ONNX input "${o.inputName ?? ''}" [${graphDims}]`;
  if (o.frontEnd === 'cochleagram') {
    if (spec.modality !== 'audio') throw bad(o.id, 'frontEnd "cochleagram" needs an audio inputSpec');
    // The paper's cochleagram (2 s at 20 kHz -> [211, 390]) unless the spec says otherwise.
    const coch = new Cochleagram({ signalLength: spec.shape[0], ...(spec.sampleRate ? { sampleRate: spec.sampleRate } : {}) });
    const { channelCount, frameCount } = coch.shape;
    if (channelCount * frameCount !== graphSize) {
      coch.dispose();
      throw bad(o.id, `the cochleagram is [${channelCount}, ${frameCount}], which does not fit ${describe}`);
    }
    return { adapt: (x) => tf.reshape(coch.apply(x), graphDims), cochleagram: coch };
  }
  let shape = [1, ...spec.shape];
  const steps: ((x: tf.Tensor) => tf.Tensor)[] = [];
  if (spec.modality === 'image' && spec.shape.length === 3) {
    if (o.channelOrder === 'BGR') steps.push((x) => tf.reverse(x, 3));
    if (o.layout === 'NCHW') {
      steps.push((x) => tf.transpose(x, [0, 3, 1, 2]));
      shape = [1, spec.shape[2], spec.shape[0], spec.shape[1]];
    }
  }
  const exact = sameShape(shape, graphDims);
  if (!exact && shape.reduce((a, b) => a * b, 1) !== graphSize) {
    throw bad(o.id, `inputSpec.shape [${spec.shape}] with layout ${o.layout} gives [${shape}], which does not fit ${describe}`);
  }
  if (!exact) steps.push((x) => tf.reshape(x, graphDims));
  return { adapt: (x) => steps.reduce((t, f) => f(t), x), cochleagram: null };
}

/** A StagedModel over a parsed graph (for the builder, the CLI and tests). */
export function stagedModelFromOnnx(graph: OnnxGraph, o: OnnxStagedOptions): StagedModel {
  const bytes = onnxWeightBytes(graph);
  const max = o.maxWeightBytes ?? MAX_IMPORT_WEIGHT_BYTES;
  if (bytes > max) {
    throw bad(o.id, `its weights take ${formatBytes(bytes)}; models over ${formatBytes(max)} of weights are refused (browser memory)`);
  }
  assertSupportedOps(graph);
  const input = graph.inputs[0];
  if (o.inputName !== undefined && o.inputName !== input.name) {
    throw bad(o.id, `params.inputName is "${o.inputName}" but the graph's input is "${input.name}"`);
  }
  const graphDims = input.dims.map((d) => (typeof d === 'number' ? d : 1));
  const missing = o.stages.filter((s) => typeof o.stageValues[s] !== 'string');
  if (missing.length > 0) throw bad(o.id, `no ONNX value given for stage(s) ${missing.join(', ')} (params.stageValues)`);

  const { adapt, cochleagram } = inputAdapter({ ...o, inputName: input.name }, graphDims);
  const weights = new OnnxWeights(graph);
  try {
    const shapes = probeShapes(graph, graphDims, weights);
    const fakeable = new Set(graph.nodes.filter((n) => n.opType === 'Relu').map((n) => n.outputs[0]));
    for (const s of o.stages) {
      const v = o.stageValues[s];
      const shape = shapes.get(v);
      if (!shape) throw bad(o.id, `stage "${s}": ONNX value "${v}" is not a float value computed from the input`);
      const want = o.stageShapes?.[s];
      if (want && !sameShape(shape.slice(1), want)) {
        throw bad(o.id, `stage "${s}" (ONNX value "${v}") has shape [${shape.slice(1)}] but the manifest says [${want}]`);
      }
    }
    let readout: ClassReadout | undefined;
    if (o.readoutValue !== undefined) {
      const v = o.readoutValue;
      const shape = shapes.get(v);
      if (!shape || shape.length !== 2 || shape[0] !== 1) {
        throw bad(o.id, `readout value "${v}" must be [1, classes] logits, is ${shape ? `[${shape}]` : 'not a computed float value'}`);
      }
      const labels = o.labels ?? Array.from({ length: shape[1] }, (_, i) => String(i));
      if (labels.length !== shape[1]) throw bad(o.id, `${labels.length} class labels for a readout with ${shape[1]} outputs`);
      readout = {
        labels,
        logits: (x) => runOnnxGraph(graph, { [input.name]: adapt(x) }, [v], { weights })[v],
      };
    }
    return stagedModelFromFunction({
      id: o.id,
      stages: o.stages,
      inputSpec: o.inputSpec,
      forward(x, stages, opts) {
        const wanted = [...new Set(stages.map((s) => o.stageValues[s]))];
        const fakeValue = opts.fakeReluStage === undefined ? undefined : o.stageValues[opts.fakeReluStage];
        const fakeRelu = fakeValue !== undefined && fakeable.has(fakeValue) ? new Set([fakeValue]) : undefined;
        const values = runOnnxGraph(graph, { [input.name]: adapt(x) }, wanted, { weights, fakeRelu });
        const out: Record<string, tf.Tensor> = {};
        for (const s of stages) out[s] = values[o.stageValues[s]];
        return out;
      },
      readout,
      dispose() {
        weights.dispose();
        cochleagram?.dispose();
      },
    });
  } catch (e) {
    weights.dispose();
    cochleagram?.dispose();
    throw e;
  }
}

/** Checks and returns manifest.params of an "onnx" model. */
export function onnxModelParams(manifest: ModelManifest): OnnxModelParams {
  const p = (manifest.params ?? {}) as Partial<OnnxModelParams>;
  const id = manifest.id;
  if (typeof p.file !== 'string' || p.file.length === 0) throw bad(id, 'params.file (the .onnx file) is missing');
  if (p.layout !== 'NCHW' && p.layout !== 'NHWC') throw bad(id, `params.layout must be "NCHW" or "NHWC" (got ${JSON.stringify(p.layout)})`);
  if (p.channelOrder !== undefined && p.channelOrder !== 'RGB' && p.channelOrder !== 'BGR') {
    throw bad(id, `params.channelOrder must be "RGB" or "BGR" (got ${JSON.stringify(p.channelOrder)})`);
  }
  if (!p.stageValues || typeof p.stageValues !== 'object') throw bad(id, 'params.stageValues is missing');
  if (p.frontEnd !== undefined && p.frontEnd !== 'cochleagram') throw bad(id, `params.frontEnd "${p.frontEnd}" is unknown (cochleagram)`);
  return p as OnnxModelParams;
}

/** ModelBuilder for manifest.builder === 'onnx'. */
export async function buildOnnxModel(manifest: ModelManifest, source: ModelSource): Promise<StagedModel> {
  const p = onnxModelParams(manifest);
  const bytes = await source.readBinary(`${manifest.id}/${p.file}`);
  if (bytes.byteLength > MAX_IMPORT_WEIGHT_BYTES) {
    throw bad(manifest.id, `"${p.file}" is ${formatBytes(bytes.byteLength)}; models over ${formatBytes(MAX_IMPORT_WEIGHT_BYTES)} of weights are refused (browser memory)`);
  }
  const graph = parseOnnx(bytes, p.file);
  return stagedModelFromOnnx(graph, {
    id: manifest.id,
    inputSpec: manifest.inputSpec,
    stages: manifest.stages.map((s) => s.name),
    stageValues: p.stageValues,
    layout: p.layout,
    channelOrder: p.channelOrder,
    inputName: p.inputName,
    readoutValue: p.readoutValue,
    labels: manifest.classes,
    frontEnd: p.frontEnd,
    stageShapes: Object.fromEntries(manifest.stages.map((s) => [s.name, s.shape])),
  });
}
