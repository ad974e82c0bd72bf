import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { metamerFile, runJsonFile } from '../../src/export/metamer-file.ts';
import { groupRunFiles, runsFromFiles, type RunFile } from '../../src/export/open-run.ts';
import { unzip } from '../../src/export/unzip.ts';
import { zip } from '../../src/export/zip.ts';
import { writeRunFolder } from '../../src/cli/run-folder.ts';
import type { ModelManifest } from '../../src/models/manifest.ts';
import type { SavedRun } from '../../src/export/saved-run.ts';
import { diskManifest, sampleRun } from '../store/sample-run.ts';

const enc = (s: string) => new TextEncoder().encode(s);
/** HMAX's manifest with the tiny input of the sample run (2x2 RGB in 0..1). */
const manifest: ModelManifest = { ...diskManifest('hmax'), inputSpec: { ...diskManifest('hmax').inputSpec, shape: [2, 2, 3], range: [0, 1] } };
const finished = (over: Partial<SavedRun> = {}): SavedRun => sampleRun({
  status: 'done', state: null, step: 10,
  snapshot: { step: 10, shape: [2, 2, 3], data: Float32Array.from({ length: 12 }, (_, i) => i / 11) },
  verdict: { stage: 'C1', pass: true, criteria: [{ criterion: 'snrDb', value: Infinity, threshold: 3.5, pass: true }] },
  metrics: [{ step: 10, stages: { C1: { spearman: 1, pearson: 1, r2: 1, snrDb: Infinity }, S1: { spearman: NaN, pearson: 0.5, r2: 0.25, snrDb: -3 } } }],
  ...over,
});

/** What a reopened run must equal: the saved run, less what a record does not carry. */
function expectSameRun(got: SavedRun, want: SavedRun, pixelTol: number): void {
  const { snapshot: gs, reference: gr, ...g } = got;
  const { snapshot: ws, reference: wr, state: _s, ...w } = want;
  expect(g).toEqual({ ...w, state: null });
  expect(gr.kind).toBe(wr.kind);
  expect(gs!.shape).toEqual(ws!.shape);
  expect(gs!.step).toBe(ws!.step);
  for (let i = 0; i < ws!.data.length; i++) expect(Math.abs(gs!.data[i] - ws!.data[i])).toBeLessThanOrEqual(pixelTol);
}

describe('opening run records', () => {
  it('reopens the page\'s own export (JSON + PNG) with history, metrics (NaN, Infinity), verdict and metamer', () => {
    const run = finished();
    const json = runJsonFile(run, manifest);
    const png = metamerFile(run, manifest)!;
    const { runs, errors } = runsFromFiles([{ path: json.name, bytes: json.bytes }, { path: png.name, bytes: png.bytes }]);
    expect(errors).toEqual([]);
    expect(runs).toHaveLength(1);
    // 8-bit PNG: within half a grey level.
    expectSameRun(runs[0], run, 0.5 / 255 + 1e-6);
  });

  it('reopens a CLI run folder exactly (metamer.npy wins over metamer.png), reference values included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'open-run-'));
    const run = finished();
    const written = await writeRunFolder(dir, run, manifest);
    expect(written).toEqual(['run.json', 'metamer.png', 'metamer.npy', 'reference.npy', 'reference.png']);
    const files: RunFile[] = readdirSync(dir).map((n) => ({ path: `runs/a/${n}`, bytes: new Uint8Array(readFileSync(join(dir, n))) }));
    const groups = groupRunFiles(files);
    expect(groups.map((g) => [g.record.path, g.metamer?.path, g.reference?.path])).toEqual([['runs/a/run.json', 'runs/a/metamer.npy', 'runs/a/reference.npy']]);
    const { runs } = runsFromFiles(files);
    expectSameRun(runs[0], run, 0);
    expect(runs[0].reference).toEqual(run.reference);
  });

  it('opens a zip of many folders, stored or deflated (a deflated zip written by Python\'s zipfile)', async () => {
    const dirs = ['x', 'y'].map((id) => {
      const dir = mkdtempSync(join(tmpdir(), `open-zip-${id}-`));
      return { id, dir };
    });
    for (const { id, dir } of dirs) await writeRunFolder(dir, finished({ id: `run-${id}` }), manifest);
    const entries = dirs.flatMap(({ id, dir }) => readdirSync(dir).map((n) => ({ name: `batch/${id}/${n}`, data: new Uint8Array(readFileSync(join(dir, n))) })));
    const stored = await unzip(zip(entries));
    expect(stored.map((e) => e.path).sort()).toEqual(entries.map((e) => e.name).sort());
    expect(runsFromFiles(stored).runs.map((r) => r.id).sort()).toEqual(['run-x', 'run-y']);

    const out = join(mkdtempSync(join(tmpdir(), 'open-zip-py-')), 'runs.zip');
    const py = `import sys, zipfile, os\nz = zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED)\n${dirs.map(({ id, dir }) =>
      `for n in os.listdir(${JSON.stringify(dir)}): z.write(os.path.join(${JSON.stringify(dir)}, n), 'runs/${id}/' + n)`).join('\n')}\nz.close()`;
    execFileSync('python3', ['-c', py, out]);
    const deflated = await unzip(new Uint8Array(readFileSync(out)), 'runs.zip');
    for (const e of deflated) expect(e.bytes).toEqual(entries.find((x) => x.name === e.path.replace(/^runs\//, 'batch/'))!.data);
    expect(runsFromFiles(deflated).runs).toHaveLength(2);
  });

  it('says in one line what is wrong with a file, and loses nothing else', async () => {
    const good = runJsonFile(finished(), manifest);
    const goodPng = metamerFile(finished(), manifest)!;
    const { runs, errors } = runsFromFiles([
      { path: 'a.json', bytes: enc('{ nope') },
      { path: 'b.json', bytes: enc('{"schema": "something-else/1"}') },
      { path: 'c/run.json', bytes: good.bytes },
      { path: good.name, bytes: good.bytes }, { path: goodPng.name, bytes: goodPng.bytes },
    ]);
    expect(runs).toHaveLength(1);
    expect(errors).toEqual([
      expect.stringMatching(/^a\.json: not valid JSON/),
      'b.json: not a run record (schema "something-else/1", expected "metamer-run-export/1")',
      'c/run.json: the metamer file is missing (drop metamer.npy, .png or .wav with the record, or its folder)',
    ]);
    expect(runsFromFiles([{ path: 'x.png', bytes: goodPng.bytes }]).errors).toEqual([expect.stringMatching(/no run record among the files/)]);
    await expect(unzip(enc('not a zip'), 'bad.zip')).rejects.toThrow(/^bad\.zip: not a zip archive/);
  });
});
