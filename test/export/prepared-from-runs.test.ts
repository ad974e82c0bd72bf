import { describe, expect, it } from 'vitest';
import { preparedFromRuns } from '../../src/export/prepared-from-runs.ts';
import { decodeStimulus } from '../../src/export/prepared-codec.ts';
import { parsePreparedSet } from '../../src/export/prepared-run.ts';
import { replayAt, importRecords } from '../../src/app/replay/replay-state.ts';
import { makeRunConfig } from '../../src/engine/presets.ts';
import { diskManifest, sampleRun, stepRecords } from '../store/sample-run.ts';

const manifest = diskManifest('spectemp');
const n = manifest.inputSpec.shape[0];
const clip = (f: number) => Float32Array.from({ length: n }, (_, i) => 0.1 * Math.sin(i * f));

function audioRun(stage: string, group: string) {
  return sampleRun({
    id: `r-${stage}`, modelId: 'spectemp', modelName: manifest.name, stage, group, status: 'done', step: 300, totalSteps: 300,
    reference: { kind: 'bundled', index: 1 }, settings: { config: makeRunConfig(stage, { passes: 3, itersPerPass: 100 }), measure: 'all', backend: 'wasm' },
    records: stepRecords(0, 300), metrics: [], snapshot: { step: 300, shape: [n], data: clip(0.02) },
    verdict: { stage, pass: true, criteria: [{ criterion: 'snrDb', value: 30, threshold: 5, pass: true }] }, state: null,
  });
}

describe('preparedFromRuns', () => {
  it('turns an all-stages batch into one set, in the model\'s stage order, that the replay opens at the verdict', async () => {
    const stages = manifest.stages.map((s) => s.name);
    const sources = [...stages].reverse().map((s) => ({ run: audioRun(s, 'batch-1'), start: { step: 0, data: clip(0.5) } }));
    const set = preparedFromRuns(sources, manifest, { data: clip(0.02), label: 'she sells', index: 1 }, { now: new Date(0) });
    const reread = parsePreparedSet(JSON.parse(JSON.stringify(set)), 'set.json');
    expect(reread.id).toBe('spectemp-batch-1');
    expect(reread.stages).toEqual(stages);
    expect(reread.runs.map((r) => r.record.stage)).toEqual(stages);
    expect(reread.budget).toMatchObject({ passes: 3, itersPerPass: 100, steps: 300, label: 'custom' });
    const run = reread.runs[0];
    expect(run.frames.map((f) => f.step)).toEqual([0, 300]);
    expect(run.record.schema).toBe('metamer-run-export/1');
    const final = replayAt(run, importRecords(run), 1);
    expect(final.verdict?.pass).toBe(true);
    const metamer = await decodeStimulus(run.frames[1].stimulus);
    const want = clip(0.02);
    let err = 0;
    for (let i = 0; i < n; i++) err = Math.max(err, Math.abs(metamer.data[i] - want[i]));
    expect(err).toBeLessThan(0.1 * 0.03); // mu-law at this level: ~1-3% of the peak
  });

  it('refuses a run without a metamer, and a stimulus that does not fit the model, in one line', () => {
    expect(() => preparedFromRuns([{ run: { ...audioRun('power', 'g'), snapshot: null } }], manifest, { data: clip(1), label: 'x', index: 0 }))
      .toThrow('the run at power has no metamer yet');
    expect(() => preparedFromRuns([{ run: sampleRun() }], diskManifest('hmax'), { data: new Float32Array(12), label: 'x', index: 0 }))
      .toThrow("a stimulus of 12 values does not fit hmax's input [250, 250, 1]");
    expect(() => preparedFromRuns([], manifest, { data: clip(1), label: 'x', index: 0 })).toThrow('nothing to prepare: no run');
  });
});
