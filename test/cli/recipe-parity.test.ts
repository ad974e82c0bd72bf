/**
 * Page and CLI share one recipe (issue 12): the same settings give the same run config, and the
 * same weights give the same hash. The page side is what App.svelte runs (URL -> settings ->
 * runConfigFor); the CLI side is what `metamer generate` runs for its argv.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parsePageParams } from '../../src/app/url-params.ts';
import { generateRunConfig } from '../../src/cli/commands/generate.ts';
import { runConfigFor } from '../../src/engine/run-recipe.ts';
import { totalSteps } from '../../src/engine/presets.ts';
import { weightsHashOf } from '../../src/models/weights-hash.ts';
import type { ModelManifest } from '../../src/models/manifest.ts';

const pageConfig = (search: string) => {
  const p = parsePageParams(search);
  return runConfigFor(p.stage ?? '', p);
};
const cliConfig = (args: string[]) => generateRunConfig(['--model', 'fmnist-alexnet', '--input', 'x.png', '--out', 'o', ...args]);

describe('the same settings give the same config in the page and the CLI', () => {
  const cases: [string, string[], number][] = [
    ['?stage=relu2', ['--stage', 'relu2'], 24000],
    ['?stage=relu2&steps=2000', ['--stage', 'relu2', '--steps', '2000'], 2000],
    ['?stage=relu2&preset=quick', ['--stage', 'relu2', '--preset', 'quick'], 2000],
    ['?stage=relu2&preset=quick&steps=300', ['--stage', 'relu2', '--preset', 'quick', '--steps', '300'], 300],
    ['?stage=relu2&steps=10&passes=4&seed=9', ['--stage', 'relu2', '--steps', '10', '--passes', '4', '--seed', '9'], 12],
    ['?stage=final&steps=700&passes=2&seed=4294967295&opt=adam&lr=0.0025&eta=0.5&frelu=0&tv=1.5e-7&an=0.125&alpha=3.5',
      ['--stage', 'final', '--steps', '700', '--passes', '2', '--seed', '4294967295', '--optimizer', 'adam', '--lr', '0.0025',
        '--eta0', '0.5', '--no-fake-relu', '--tv', '1.5e-7', '--alpha-norm', '0.125', '--alpha', '3.5'], 700],
  ];
  for (const [search, args, steps] of cases) {
    it(`${search}  ==  ${args.join(' ')}`, () => {
      const page = pageConfig(search);
      expect(cliConfig(args)).toEqual(page);
      expect(totalSteps(page)).toBe(steps);
    });
  }

  it('steps=2000 is one pass of 2000 on both sides (it was 1 x 2000 in the page and 4 x 500 in the CLI)', () => {
    expect(cliConfig(['--stage', 'relu0', '--steps', '2000'])).toMatchObject({ passes: 1, itersPerPass: 2000, metricsEvery: 100, snapshotEvery: 10 });
  });
});

describe('the same weights give the same hash', () => {
  it('is SHA-256 over sha256sum\'s own output for the weight files, in the page, the CLI and the README', async () => {
    const dir = 'models/fmnist-alexnet';
    const manifest = JSON.parse(readFileSync(`${dir}/manifest.json`, 'utf8')) as ModelManifest;
    // Independent reference: the system's sha256sum over the files themselves, lines joined by "\n".
    const lines = execFileSync('sha256sum', manifest.weights.map((w) => w.path), { cwd: dir, encoding: 'utf8' }).trimEnd();
    const want = createHash('sha256').update(lines).digest('hex');
    expect(await weightsHashOf(manifest)).toBe(want);
    // The value the issue found in the page (the CLI wrote 139cdaf7... under another key).
    expect(want.startsWith('b8c7136c')).toBe(true);
  });
});
