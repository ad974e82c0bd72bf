/**
 * The types of an import in progress (the dropped files and the inspected draft), in their own
 * file so that the ONNX and TF.js inspectors and the import pipeline share them without a cycle.
 */
import type { InputSpec } from '../../engine/types.ts';
import type { OnnxGraph } from '../onnx/onnx-ir.ts';
import type { ChannelOrder, InputLayout } from './input-spec-file.ts';
import type { Architecture, CandidateStage } from './stage-discovery.ts';

export interface ImportFile {
  /** File name (a path relative to the model file's folder for shards in sub-folders). */
  name: string;
  bytes: ArrayBuffer;
}

export type ImportKind = 'onnx' | 'layers' | 'graph';

export interface ImportDraft {
  kind: ImportKind;
  /** The model file: the .onnx, or the TF.js model.json. */
  modelFile: string;
  /** ONNX only: the parsed graph. */
  graph?: OnnxGraph;
  /** The graph input the raw input (after normalisation and layout) feeds. */
  inputName: string;
  /** That input's dims, batch included. */
  inputDims: number[];
  architecture: Architecture | null;
  /** In depth order; the suggested ones are pre-selected. */
  candidates: CandidateStage[];
  inputGuess: InputSpec;
  layout: InputLayout;
  channelOrder: ChannelOrder;
  frontEnd?: 'cochleagram';
  /** Number of outputs of the final value when it is [1, n] logits (a class readout), else null. */
  logits: number | null;
  /** The files the model needs (unrelated dropped files are left out). */
  files: ImportFile[];
}
