/**
 * `metamer recognise`: one JSON document with each model's top-5 for each input; the answers
 * equal the argmax of each model's final stage on the same fitted input (computed here through
 * forward(), independently of the readout), and bad arguments give one clear line.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { cliInProcess, REPO } from './run-cli.ts';
import { useNodeBackend } from '../../src/platform/tf-node.ts';
import { loadBuiltinModel } from '../../src/models/registry.ts';
import { nodeModelSource } from '../../src/models/source-node.ts';
import { prepareInput } from '../../src/cli/prepare-input.ts';
import { writeNpy } from '../../src/io/npy.ts';
import type { RecogniseReport } from '../../src/cli/commands/recognise.ts';

const MODELS = ['fmnist-alexnet', 'fmnist-alexnet-seed1'];
const PNG = join(REPO, 'models/fmnist-alexnet/references/sandal.png');
let npy = '';

beforeAll(async () => {
  await useNodeBackend('wasm');
  const dir = mkdtempSync(join(tmpdir(), 'recognise-'));
  npy = join(dir, 'noise.npy');
  writeFileSync(npy, writeNpy(Float32Array.from({ length: 784 }, (_, i) => ((i * 7919) % 1000) / 1000), [28, 28, 1]));
});

describe('metamer recognise', () => {
  it('prints each model\'s top 5 for each input, the argmax of its final stage', async () => {
    const r = await cliInProcess(['recognise', '--models', MODELS.join(','), '--input', PNG, npy, '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as RecogniseReport;
    expect(report.format).toBe('metamer-recognise/1');
    expect(report.inputs.map((i) => i.file)).toEqual([PNG, npy]);
    for (const id of MODELS) {
      const { model } = await loadBuiltinModel(id, nodeModelSource());
      for (const input of report.inputs) {
        const entry = input.models.find((m) => m.modelId === id)!;
        expect(entry.top).toHaveLength(5);
        const prepared = await prepareInput(input.file, model.inputSpec);
        const acts = model.forward(prepared.tensor, ['final']);
        const v = Array.from(await acts.final.data());
        tf.dispose([prepared.tensor, ...Object.values(acts)]);
        expect(entry.predicted).toBe(model.readout!.labels[v.indexOf(Math.max(...v))]);
        expect(entry.top[0].label).toBe(entry.predicted);
      }
      model.dispose();
    }
    expect(report.inputs[0].models[0].predicted).toBe('Sandal');
  });

  it('prints a readable table without --json', async () => {
    const r = await cliInProcess(['recognise', '--models', 'fmnist-alexnet', '--input', PNG]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^.*sandal\.png\n {2}fmnist-alexnet: Sandal 0\.\d{3}, /);
  });

  it('refuses a model without a class readout, and a missing input, with one line each', async () => {
    const noReadout = await cliInProcess(['recognise', '--models', 'hmax', '--input', PNG]);
    expect(noReadout.code).toBe(2);
    expect(noReadout.err.trim().split('\n')).toHaveLength(1);
    expect(noReadout.err).toMatch(/"hmax" has no class readout/);
    const noInput = await cliInProcess(['recognise', '--models', 'fmnist-alexnet']);
    expect(noInput.code).toBe(2);
    expect(noInput.err).toMatch(/--input/);
  });
});
