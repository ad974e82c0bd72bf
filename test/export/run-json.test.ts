import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { APP_NAME, APP_VERSION } from '../../src/export/app-version.ts';
import { exportBaseName, safeFilePart } from '../../src/export/file-names.ts';
import { RUN_EXPORT_SCHEMA, jsonNumber, runJsonText, runToJson } from '../../src/export/run-json.ts';
import { diskManifest, metricsEntries, sampleRun, stepRecords } from '../store/sample-run.ts';

const verdict = {
  stage: 'C1',
  pass: false,
  criteria: [
    { criterion: 'snrDb' as const, value: 8.5, threshold: 11.25, pass: false },
    { criterion: 'class' as const, value: 'cat', threshold: 'dog', pass: false },
  ],
};

/** Every value reachable from `value`. */
function* walk(value: unknown): Generator<unknown> {
  yield value;
  if (value && typeof value === 'object') for (const v of Object.values(value)) yield* walk(v);
}

describe('runToJson', () => {
  const manifest = diskManifest('hmax');
  const now = new Date('2026-01-02T03:04:05.000Z');

  it('JSON-round-trips exactly and holds no typed arrays or undefined', () => {
    const doc = runToJson(sampleRun({ verdict, group: 'batch-7' }), manifest, { now });
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
    for (const v of walk(doc)) {
      expect(ArrayBuffer.isView(v)).toBe(false);
      expect(v).not.toBeUndefined();
    }
    expect(JSON.parse(runJsonText(sampleRun({ verdict }), manifest, { now }))).toEqual(runToJson(sampleRun({ verdict }), manifest, { now }));
  });

  it('contains what the issue lists: settings, seed, model id, weights hash, histories, verdict', () => {
    const run = sampleRun({ verdict, records: stepRecords(0, 6), metrics: metricsEntries([0, 3, 6], ['S1', 'C1', 'S2', 'C2']) });
    const doc = JSON.parse(runJsonText(run, manifest, { now }));
    expect(doc.schema).toBe(RUN_EXPORT_SCHEMA);
    expect(doc.schema).toBe('metamer-run-export/1');
    expect(doc.app).toEqual({ name: APP_NAME, version: APP_VERSION });
    expect(doc.exportedAt).toBe('2026-01-02T03:04:05.000Z');
    expect(doc.model).toEqual({ id: 'hmax', name: 'HMAX', weightsHash: run.weightsHash, licence: manifest.licence });
    expect(doc.stage).toBe('C1');
    expect(doc.seed).toBe(1234);
    expect(doc.settings).toEqual({ config: run.settings.config, measure: 'all', backend: 'wasm' });
    expect(doc.input).toEqual({ modality: 'image', shape: [250, 250, 1], range: [0, 255], sampleRate: null });
    expect(doc.run).toMatchObject({ id: 'run-a', status: 'paused', step: 4, totalSteps: 10, createdAt: new Date(run.createdAt).toISOString() });
    expect(doc.lossHistory).toEqual(run.records);
    expect(doc.metricHistory).toEqual(run.metrics);
    expect(doc.verdict).toEqual(verdict);
    expect(doc.metamer).toEqual({ step: 4, shape: [2, 2, 3] });
  });

  it('describes a user reference by name and shape only, a bundled one from the manifest', () => {
    const user = runToJson(sampleRun(), manifest, { now }).reference;
    expect(user).toEqual({ kind: 'user', name: 'my-photo.png', shape: [2, 2, 3] });
    const bundled = runToJson(sampleRun({ reference: { kind: 'bundled', index: 1 } }), manifest, { now }).reference;
    expect(bundled).toEqual({ kind: 'bundled', index: 1, ...manifest.references[1] });
    expect(bundled).toMatchObject({ label: 'boats', path: 'references/boats.png' });
  });

  it('writes NaN and infinities as strings JSON can carry', () => {
    expect([1.5, Number.NaN, Infinity, -Infinity].map(jsonNumber)).toEqual([1.5, 'NaN', 'Infinity', '-Infinity']);
    const run = sampleRun({
      records: [{ step: 0, loss: Number.NaN, eta: 1, gradNorm: Infinity }],
      metrics: [{ step: 1, stages: { C1: { spearman: 1, pearson: 1, r2: 1, snrDb: Infinity } } }],
    });
    const doc = JSON.parse(runJsonText(run, manifest, { now }));
    expect(doc.lossHistory).toEqual([{ step: 0, loss: 'NaN', eta: 1, gradNorm: 'Infinity' }]);
    expect(doc.metricHistory[0].stages.C1.snrDb).toBe('Infinity');
  });

  it('refuses a manifest of another model', () => {
    expect(() => runToJson(sampleRun(), diskManifest('spectemp'))).toThrow(/belongs to model "hmax"/);
  });
});

describe('export names and version', () => {
  it('APP_VERSION is package.json version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(APP_VERSION).toBe(pkg.version);
    expect(APP_NAME).toBe(pkg.name);
  });

  it('makes file-system-safe name parts', () => {
    expect(safeFilePart('block_3/Relu:0')).toBe('block_3_Relu_0');
    expect(safeFilePart('../..')).toBe('unnamed');
    expect(safeFilePart('métamère')).toBe('metamere');
    expect(exportBaseName({ modelId: 'hmax', stage: 'C1', id: 'abc-1' })).toBe('metamer-hmax-C1-abc-1');
  });
});
