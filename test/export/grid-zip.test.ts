import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/engine/random.ts';
import { GRID_EXPORT_SCHEMA, gridZip, type GridEntry } from '../../src/export/grid-zip.ts';
import { metamerFile } from '../../src/export/metamer-file.ts';
import { runJsonText } from '../../src/export/run-json.ts';
import type { Verdict } from '../../src/engine/types.ts';
import { diskManifest, metricsEntries, sampleRun, stepRecords } from '../store/sample-run.ts';
import { readZipWithPython } from './python-zip.ts';

const manifest = diskManifest('hmax');
const STAGES = ['S1', 'C1', 'S2', 'C2'];
const now = new Date('2026-05-06T07:08:09Z');

function stageEntry(stage: string, i: number): GridEntry {
  const rng = new Rng(100 + i);
  const snapshot = { step: 10, shape: [6, 5, 1], data: Float32Array.from({ length: 30 }, () => rng.uniform() * 255) };
  const verdict: Verdict | null = i === 3 ? null : { stage, pass: i < 2, criteria: [{ criterion: 'snrDb', value: 20 - 5 * i, threshold: 12, pass: i < 2 }] };
  const run = sampleRun({
    id: `run-${stage}`, stage, group: 'batch-42', status: i === 3 ? 'stopped' : 'done', step: 10, snapshot, verdict,
    records: stepRecords(0, 10), metrics: metricsEntries([0, 5, 10 + i], STAGES),
  });
  return { stage, run, file: metamerFile(run, manifest)! };
}

describe('gridZip', () => {
  it('writes one PNG and one run JSON per stage plus index.json, readable by Python', () => {
    const entries = STAGES.map(stageEntry);
    const read = readZipWithPython(gridZip(entries, manifest, { now }));
    expect(read.testzip).toBeNull();
    const folder = 'metamer-hmax-grid-batch-42';
    expect(read.entries.map((e) => e.name)).toEqual([
      `${folder}/index.json`,
      ...STAGES.flatMap((s) => [`${folder}/metamer-hmax-${s}-run-${s}.png`, `${folder}/metamer-hmax-${s}-run-${s}.run.json`]),
    ]);
    const byName = new Map(read.entries.map((e) => [e.name, e.data]));
    const text = (name: string) => new TextDecoder().decode(byName.get(`${folder}/${name}`));

    const index = JSON.parse(text('index.json'));
    expect(index.schema).toBe(GRID_EXPORT_SCHEMA);
    expect(index.model).toEqual({ id: 'hmax', name: manifest.name, weightsHash: entries[0].run.weightsHash });
    expect(index.group).toBe('batch-42');
    expect(index.exportedAt).toBe(now.toISOString());
    expect(index.stages.map((s: { stage: string }) => s.stage)).toEqual(STAGES);
    expect(index.stages.map((s: { pass: boolean | null }) => s.pass)).toEqual([true, true, false, null]);
    index.stages.forEach((s: Record<string, unknown>, i: number) => {
      const { run, file } = entries[i];
      expect(s.runId).toBe(run.id);
      expect(s.status).toBe(run.status);
      expect(s.verdict).toEqual(run.verdict);
      expect(s.finalMetrics).toEqual(run.metrics.at(-1)); // last entry, every measured stage
      expect(s.files).toEqual({ metamer: file.name, run: file.name.replace(/\.png$/, '.run.json') });
      // The stored files are byte for byte what the caller and runJsonText produce.
      expect(byName.get(`${folder}/${file.name}`)).toEqual(file.bytes);
      expect(text(file.name.replace(/\.png$/, '.run.json'))).toBe(runJsonText(run, manifest, { now }));
      expect(decode(byName.get(`${folder}/${file.name}`)!).width).toBe(5);
    });
  });

  it('names the folder by date when the runs share no batch, and says when weights differ', () => {
    const entries = STAGES.slice(0, 2).map(stageEntry);
    entries[0].run.group = undefined;
    entries[1].run.weightsHash = 'cd'.repeat(32);
    const read = readZipWithPython(gridZip(entries, manifest, { now }));
    const index = JSON.parse(new TextDecoder().decode(read.entries[0].data));
    expect(read.entries[0].name).toBe('metamer-hmax-grid-2026-05-06-07-08-09/index.json');
    expect(index.group).toBeNull();
    expect(index.model.weightsHash).toBe('mixed');
  });

  it('refuses mismatched stages, models, duplicate names and empty grids', () => {
    const a = stageEntry('S1', 0);
    expect(() => gridZip([{ ...a, stage: 'C2' }], manifest)).toThrow(/stage "C2" holds run run-S1 of stage "S1"/);
    expect(() => gridZip([a], diskManifest('spectemp'))).toThrow(/belongs to model "hmax"/);
    expect(() => gridZip([a, { ...stageEntry('C1', 1), file: a.file }], manifest)).toThrow(/duplicate/);
    expect(() => gridZip([], manifest)).toThrow(/at least one/);
  });
});
