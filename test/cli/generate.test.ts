import { describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { cliSpawn, REPO } from './run-cli.ts';
import { successMetricsOf } from '../../src/models/success-metrics.ts';
import { exportVerdict } from '../../src/export/run-json.ts';
import { generateRunConfig } from '../../src/cli/commands/generate.ts';
import { weightsHashOf } from '../../src/models/weights-hash.ts';
import { defaultPoolSize } from '../../src/cli/commands/null.ts';
import { parseNpy } from '../../src/io/npy.ts';
import { readImage } from '../../src/io/png-node.ts';
import { summarizeNull, QUANTILE_LEVELS } from '../../src/engine/null-distribution.ts';
import { successTest } from '../../src/engine/verdict.ts';
import { stageMetrics } from '../../src/engine/metrics.ts';
import { loadBuiltinModel } from '../../src/models/registry.ts';
import { nodeModelSource } from '../../src/models/source-node.ts';
import { useNodeBackend } from '../../src/platform/tf-node.ts';
import type { NullDistribution } from '../../src/engine/types.ts';

describe('null pool size', () => {
  it('the default null pool has at least twice as many distinct pairs as requested, and is the smallest such', () => {
    for (const pairs of [1, 10, 1000, 12345]) {
      const n = defaultPoolSize(pairs);
      expect((n * (n - 1)) / 2).toBeGreaterThanOrEqual(2 * pairs);
      expect(((n - 1) * (n - 2)) / 2).toBeLessThan(2 * pairs);
    }
  });
});

describe('metamer generate (HMAX, 2 steps, end to end)', () => {
  it('writes images, metrics, history, a verdict against the null and run settings', async () => {
    // A copy of models/ whose hmax manifest points at a small synthetic null distribution.
    const models = mkdtempSync(join(tmpdir(), 'metamer-models-'));
    cpSync(join(REPO, 'models', 'hmax'), join(models, 'hmax'), { recursive: true });
    const manifest = JSON.parse(readFileSync(join(models, 'hmax', 'manifest.json'), 'utf8'));
    manifest.null = 'test-null.json';
    writeFileSync(join(models, 'hmax', 'manifest.json'), JSON.stringify(manifest));
    const stageNull = { spearman: summarizeNull([0.1, 0.2]), pearson: summarizeNull([0.1, 0.3]), snrDb: summarizeNull([-40, -30]) };
    const nullDist: NullDistribution = {
      format: 'metamer-null/1', model: 'hmax', source: 'test', createdAt: '', quantileLevels: [...QUANTILE_LEVELS],
      stages: { C2: stageNull },
    };
    writeFileSync(join(models, 'hmax', 'test-null.json'), JSON.stringify(nullDist));

    const out = join(mkdtempSync(join(tmpdir(), 'metamer-gen-')), 'run');
    const input = join(REPO, 'node_modules', '@stdlib', 'datasets', 'img-locomotion-house-cat', 'data', 'image.jpg');
    const r = cliSpawn(['generate', '--model', 'hmax', '--stage', 'C2', '--input', input, '--steps', '2', '--seed', '3', '--out', out, '--models-dir', models], 280_000);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/input: read \d+x\d+x3, converted to grey.*resized \(bilinear\) to 250x250/);
    expect(r.err).toMatch(/success test at C2: (PASS|FAIL)/);

    const metamer = parseNpy(readFileSync(join(out, 'metamer.npy')));
    const reference = parseNpy(readFileSync(join(out, 'reference.npy')));
    expect(metamer.shape).toEqual([250, 250, 1]);
    expect(reference.shape).toEqual([250, 250, 1]);
    // PNGs hold the same pixels, 0..255 mapped to 0..1.
    const png = await readImage(join(out, 'metamer.png'));
    for (let i = 0; i < png.data.length; i += 997) expect(Math.abs(png.data[i] * 255 - metamer.data[i])).toBeLessThanOrEqual(0.5 + 1e-3);

    // run.json is the page's run record (metamer-run-export/1).
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    expect(run.schema).toBe('metamer-run-export/1');
    const history = run.lossHistory;
    expect(history.map((h: { step: number }) => h.step)).toEqual([0, 1]);
    for (const h of history) expect(Object.keys(h).sort()).toEqual(['eta', 'gradNorm', 'loss', 'step']);

    // The final metrics equal the metrics recomputed here from the written arrays.
    expect(run.metricHistory.map((m: { step: number }) => m.step)).toEqual([2]);
    const metrics = run.metricHistory[0].stages;
    expect(Object.keys(metrics)).toEqual(['S1', 'C1', 'S2', 'C2']);
    await useNodeBackend('wasm');
    const { model } = await loadBuiltinModel('hmax', nodeModelSource());
    const before = tf.memory().numTensors;
    const xs = [tf.tensor(reference.data, [1, 250, 250, 1]), tf.tensor(metamer.data, [1, 250, 250, 1])];
    const [ra, ma] = xs.map((x) => model.forward(x, ['C2']).C2);
    const direct = await stageMetrics(ra, ma);
    tf.dispose([...xs, ra, ma]);
    model.dispose();
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before);
    for (const k of ['spearman', 'pearson', 'snrDb'] as const) expect(metrics.C2[k]).toBeCloseTo(direct[k], 4);

    // The verdict is the success test at C2 with HMAX's SNR-only criterion and the stored null.
    const verdict = run.verdict;
    expect(verdict).toEqual(exportVerdict(successTest({ stage: 'C2', metrics: metrics.C2, nullDist, metricsUsed: successMetricsOf(manifest) })));
    expect(verdict.criteria.map((c: { criterion: string }) => c.criterion)).toEqual(['snrDb']);

    expect(run).toMatchObject({ stage: 'C2', seed: 3, run: { status: 'done', step: 2, totalSteps: 2 }, reference: { kind: 'user', name: 'image.jpg', shape: [250, 250, 1] } });
    expect(run.model).toMatchObject({ id: 'hmax', weightsHash: await weightsHashOf(manifest) });
    expect(run.settings).toEqual({ config: generateRunConfig(['--stage', 'C2', '--steps', '2', '--seed', '3']), measure: 'all', backend: 'wasm' });
    expect(run.metamer).toEqual({ step: 2, shape: [250, 250, 1] });
  }, 300_000);
});
