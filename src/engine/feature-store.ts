/**
 * Where the null builder keeps each stimulus's per-stage features (z-scored ranks and raw
 * activations, 8 bytes per unit) between the forward passes and the pair pass.
 *
 * The builder only ever reads a block of units [start, end) of one stimulus at a time, so a
 * store may keep features anywhere: in memory (this file, the default: browser, tests) or on
 * disk (scripts/lib/file-feature-store.ts, Node only, for models whose features of all stimuli
 * do not fit in RAM, e.g. Spectemp's 9 M-unit stages).
 */

/** Units [start, end) of one stimulus's features at one stage. */
export interface FeatureBlock {
  /** Average ranks over the whole stage, centred and scaled to unit L2 norm. */
  zRanks: Float32Array;
  raw: Float32Array;
}

/** Float64 scalars of one stimulus's stage features. */
export interface FeatureScalars {
  /** sum(raw^2), mean(raw) and ||raw - mean||. */
  energy: number;
  mean: number;
  centredNorm: number;
}

/** Everything stored per stimulus and stage. */
export type StoredFeatures = FeatureBlock & FeatureScalars;

export interface FeatureStore {
  /**
   * True when the features live outside memory (on disk): the builder then makes one forward
   * pass for all stages and reads blocks that fit its memory budget. False: the builder groups
   * stages so that a group's features fit the budget and reads whole stages.
   */
  readonly spills: boolean;
  /** Keeps a stimulus's features at a stage (the arrays may be kept as they are: do not reuse them). */
  put(stimulus: number, stage: string, features: StoredFeatures): void | Promise<void>;
  /** The scalars of a stored stimulus's features. */
  scalars(stimulus: number, stage: string): FeatureScalars | Promise<FeatureScalars>;
  /**
   * Units [start, end) of a stored stimulus's features. `into` holds at least end - start
   * units per array; the store either fills it (and returns views of it) or returns views of
   * its own arrays. The result is valid until the next readBlock with the same `into`.
   */
  readBlock(stimulus: number, stage: string, start: number, end: number, into: FeatureBlock): FeatureBlock | Promise<FeatureBlock>;
  /** Forgets every stimulus's features at a stage (frees the memory or deletes the files). */
  release(stage: string): void | Promise<void>;
}

/** Keeps features in memory; blocks are views of the stored arrays (no copy). */
export class InMemoryFeatureStore implements FeatureStore {
  readonly spills = false;
  private readonly stages = new Map<string, StoredFeatures[]>();

  put(stimulus: number, stage: string, features: StoredFeatures): void {
    if (features.zRanks.length !== features.raw.length) {
      throw new Error(`stage "${stage}", stimulus ${stimulus}: ${features.zRanks.length} ranks for ${features.raw.length} activations`);
    }
    let list = this.stages.get(stage);
    if (!list) this.stages.set(stage, (list = []));
    list[stimulus] = features;
  }

  private get(stimulus: number, stage: string): StoredFeatures {
    const f = this.stages.get(stage)?.[stimulus];
    if (!f) throw new Error(`feature store: no features for stimulus ${stimulus} at stage "${stage}"`);
    return f;
  }

  scalars(stimulus: number, stage: string): FeatureScalars {
    const { energy, mean, centredNorm } = this.get(stimulus, stage);
    return { energy, mean, centredNorm };
  }

  readBlock(stimulus: number, stage: string, start: number, end: number): FeatureBlock {
    const f = this.get(stimulus, stage);
    if (start < 0 || end > f.raw.length || start > end) {
      throw new Error(`feature store: block [${start}, ${end}) outside stage "${stage}" of ${f.raw.length} units`);
    }
    return { zRanks: f.zRanks.subarray(start, end), raw: f.raw.subarray(start, end) };
  }

  release(stage: string): void {
    this.stages.delete(stage);
  }
}
