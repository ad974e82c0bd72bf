import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../../src/cli/batch/atomic.ts';
import { checkpointJson, parseCheckpoint } from '../../../src/cli/batch/checkpoint.ts';
import { makeRunConfig } from '../../../src/engine/presets.ts';
import type { RunState } from '../../../src/engine/metamer-run.ts';

describe('batch job files', () => {
  it('atomic writes replace the whole file and leave no temporary file behind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'metamer-atomic-'));
    const path = join(dir, 'a.json');
    writeFileAtomic(path, 'first');
    writeFileAtomic(path, new Uint8Array([50, 51]));
    expect(readFileSync(path, 'utf8')).toBe('23');
    expect(readdirSync(dir)).toEqual(['a.json']);
    expect(() => writeFileAtomic(join(dir, 'missing', 'b.json'), 'x')).toThrow(/ENOENT/);
    expect(readdirSync(dir)).toEqual(['a.json']);
  });

  it('a checkpoint keeps the Adam state bit-exact through JSON, and names a wrong file', () => {
    const x = Float32Array.from([0.1, -3.5e-12, 1 / 3, 7]);
    const state: RunState = {
      format: 'metamer-run-state/1', modelId: 'm', config: makeRunConfig('s', { optimizer: 'adam' }), step: 2, shape: [1, 4], x,
      rngState: [1, 2, 3, 4], adam: { m: x.map((v) => v / 7), v: x.map((v) => v * v) },
    };
    const records = [{ step: 0, loss: 0.5, eta: 1, gradNorm: 2 }, { step: 1, loss: 0.25, eta: 1, gradNorm: 1.5 }];
    const back = parseCheckpoint(JSON.parse(JSON.stringify(checkpointJson('job', state, records))), 'c.json', 'job');
    expect(back.records).toEqual(records);
    expect(Array.from(back.state.x)).toEqual(Array.from(x));
    expect(Array.from(back.state.adam!.m)).toEqual(Array.from(state.adam!.m));
    expect(Array.from(back.state.adam!.v)).toEqual(Array.from(state.adam!.v));
    expect(back.state.rngState).toEqual([1, 2, 3, 4]);
    expect(() => parseCheckpoint(JSON.parse(JSON.stringify(checkpointJson('job', state, records))), 'c.json', 'other')).toThrow(/c\.json: checkpoint of job "job", not "other"/);
    expect(() => checkpointJson('job', state, records.slice(1))).toThrow(/1 history records for step 2/);
  });
});
