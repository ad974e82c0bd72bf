/**
 * A lecturer's own runs as a prepared set: the page's saved runs (one run, or every stage of an
 * all-stages batch) with the reference, written as one 'metamer-prepared-set/1' file that the
 * page opens later or on another machine, offline. The snapshots are what the page keeps of a
 * run: the start noise when known and the latest metamer.
 */
import type { ModelManifest } from '../models/manifest.ts';
import type { SavedRun } from './saved-run.ts';
import { encodeAudio, encodeImage } from './prepared-codec.ts';
import { PREPARED_SET_SCHEMA, downsampleRecords, type EncodedStimulus, type PreparedBudget, type PreparedFrame, type PreparedSet } from './prepared-run.ts';
import { runToJson } from './run-json.ts';

export interface PreparedSource {
  run: SavedRun;
  /** The start noise x_0 of this run, when the page still has it. */
  start?: { step: number; data: Float32Array } | null;
  readout?: { labels: string[]; reference: number[]; metamer: number[] } | null;
}

function encoder(manifest: ModelManifest): (data: Float32Array) => EncodedStimulus {
  const spec = manifest.inputSpec;
  if (spec.modality === 'audio') return (d) => encodeAudio(d, spec.sampleRate ?? 20000);
  return (d) => {
    if (d.length !== spec.shape.reduce((a, b) => a * b, 1)) throw new Error(`a stimulus of ${d.length} values does not fit ${manifest.id}'s input [${spec.shape.join(', ')}]`);
    return encodeImage(d, spec.shape, spec.range);
  };
}

function budgetOf(run: SavedRun): PreparedBudget {
  const { passes, itersPerPass } = run.settings.config;
  const steps = passes * itersPerPass;
  const label = passes === 8 && itersPerPass === 3000 ? 'paper' : passes === 4 && itersPerPass === 500 ? 'quick' : 'custom';
  return { passes, itersPerPass, steps, label, note: `${label} budget (${passes} x ${itersPerPass} = ${steps.toLocaleString('en-US')} steps), run on ${run.settings.backend || 'an unknown backend'}` };
}

/** The set of `sources` (same model and reference); throws a one-line error when a run has no metamer yet. */
export function preparedFromRuns(sources: PreparedSource[], manifest: ModelManifest, reference: { data: Float32Array; label: string; index: number | null },
  options: { now?: Date; id?: string } = {}): PreparedSet {
  if (!sources.length) throw new Error('nothing to prepare: no run');
  const now = options.now ?? new Date();
  const encode = encoder(manifest);
  const order = manifest.stages.map((s) => s.name);
  const sorted = [...sources].sort((a, b) => order.indexOf(a.run.stage) - order.indexOf(b.run.stage));
  const runs = sorted.map(({ run, start, readout }) => {
    if (!run.snapshot) throw new Error(`the run at ${run.stage} has no metamer yet`);
    const frames: PreparedFrame[] = [];
    if (start && start.step < run.snapshot.step) frames.push({ step: start.step, stimulus: encode(start.data) });
    frames.push({ step: run.snapshot.step, stimulus: encode(run.snapshot.data) });
    const record = runToJson({ ...run, records: downsampleRecords(run.records) }, manifest, { now });
    return {
      record, budget: budgetOf(run), reference: { stimulus: encode(reference.data), label: reference.label }, frames,
      ...(readout ? { readout } : {}),
    };
  });
  const first = sorted[0].run;
  const stages = sorted.map((s) => s.run.stage);
  const id = options.id ?? `${manifest.id}-${first.group ?? first.id}`;
  return {
    schema: PREPARED_SET_SCHEMA, id,
    title: `${manifest.name}: “${reference.label}”, ${stages.length === 1 ? `stage ${stages[0]}` : `${stages.length} stages`}`,
    model: { id: manifest.id, name: manifest.name, modality: manifest.inputSpec.modality },
    stages: order.filter((s) => stages.includes(s)), reference: { label: reference.label, index: reference.index },
    budget: runs[0].budget, createdAt: now.toISOString(), runs,
  };
}
