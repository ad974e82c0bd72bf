/**
 * The manifest every model directory `models/<id>/manifest.json` carries, and the seam
 * through which model files are read (fs in Node, fetch in the browser).
 */
import type { InputSpec, NullDistribution, StagedModel } from '../engine/types.ts';

export interface StageInfo {
  name: string;
  /** Activation shape without the batch dimension. */
  shape: number[];
  description?: string;
}

export interface ModelManifest {
  format: 'metamer-model/1';
  id: string;
  name: string;
  description: string;
  /** Which builder turns this manifest + weights into a StagedModel (e.g. "hmax", "layers"). */
  builder: string;
  stages: StageInfo[];
  inputSpec: InputSpec;
  classes?: string[];
  /** Where the weights/data came from, and how they were made. */
  provenance: string;
  licence: string;
  /** Human-readable accuracy statement (or why there is none). */
  accuracy: string;
  /** Files under models/<id>/ the builder reads, with SHA-256 hashes. */
  weights: { path: string; sha256: string; bytes: number }[];
  /** Bundled reference stimuli (paths relative to models/<id>/), first = default. */
  references: { path: string; label: string; source: string; licence: string }[];
  /** Path of the stored null distribution, if any. */
  null?: string;
  /** Extra builder-specific parameters. */
  params?: Record<string, unknown>;
}

/** Reads files of the models/ tree by path relative to it, e.g. "hmax/manifest.json". */
export interface ModelSource {
  readJson<T = unknown>(path: string): Promise<T>;
  readBinary(path: string): Promise<ArrayBuffer>;
}

export interface LoadedModel {
  manifest: ModelManifest;
  model: StagedModel;
  nullDistribution: NullDistribution | null;
}
