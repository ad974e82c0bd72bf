import { describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliInProcess, cliSpawn, REPO } from './run-cli.ts';
import { validateNullDistribution } from '../../src/engine/null-distribution.ts';

describe('metamer models', () => {
  it('lists hmax with its stages; "null" follows the manifest', async () => {
    const r = await cliInProcess(['models', '--json']);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.out);
    const manifest = JSON.parse(readFileSync(join(REPO, 'models', 'hmax', 'manifest.json'), 'utf8'));
    const hmax = rows.find((m: { id: string }) => m.id === 'hmax');
    expect(hmax).toEqual({
      id: 'hmax',
      name: manifest.name,
      modality: 'image',
      stages: manifest.stages.map((s: { name: string }) => s.name),
      null: Boolean(manifest.null),
    });
    // Every built-in model directory is listed, each with a stored null whose stages are the model's.
    const { readdirSync, existsSync } = await import('node:fs');
    const dirs = readdirSync(join(REPO, 'models')).filter((d) => existsSync(join(REPO, 'models', d, 'manifest.json')));
    expect(rows.map((m: { id: string }) => m.id).sort()).toEqual(dirs.sort());
    for (const row of rows) {
      expect(row.null, row.id).toBe(true);
      const dist = validateNullDistribution(JSON.parse(readFileSync(join(REPO, 'models', row.id, 'null.json'), 'utf8')));
      expect(Object.keys(dist.stages).sort(), row.id).toEqual([...row.stages].sort());
    }

    const models = mkdtempSync(join(tmpdir(), 'metamer-models-'));
    cpSync(join(REPO, 'models'), models, { recursive: true });
    writeFileSync(join(models, 'hmax', 'manifest.json'), JSON.stringify({ ...manifest, null: 'null.json' }));
    const withNull = await cliInProcess(['models', '--models-dir', models]);
    expect(withNull.code, withNull.err).toBe(0);
    expect(withNull.out).toMatch(/^hmax\s+image\s+yes\s+S1, C1, S2, C2$/m);
    expect(withNull.out).toMatch(/^spectemp\s+audio\s+yes\s+cochleagram, filtered_signal, power, average$/m);
  });
});

describe('metamer null (HMAX, tiny pool)', () => {
  it('writes a valid null file with the requested pairs at the requested stages', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'metamer-null-')), 'null.json');
    const r = cliSpawn(['null', '--model', 'hmax', '--pairs', '3', '--pool', '3', '--stages', 'C2', '--seed', '5', '--out', out], 200_000);
    expect(r.code, r.err).toBe(0);
    // The throttle may skip intermediate lines, but the final state is always printed.
    expect(r.err).toMatch(/100% pairs C2 3\/3/);
    expect(r.err).toMatch(/wrote .*null\.json/);
    const dist = validateNullDistribution(JSON.parse(readFileSync(out, 'utf8')));
    expect(dist.model).toBe('hmax');
    expect(Object.keys(dist.stages)).toEqual(['C2']);
    for (const m of ['spearman', 'pearson', 'snrDb'] as const) {
      expect(dist.stages.C2[m].pairs).toBe(3);
      expect(dist.stages.C2[m].max).toBeGreaterThanOrEqual(dist.stages.C2[m].min);
    }
    // Different natural crops of photos: positive but imperfect C2 correlation.
    expect(dist.stages.C2.pearson.max).toBeLessThan(1);
  }, 240_000);
});
