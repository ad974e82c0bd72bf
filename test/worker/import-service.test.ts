/**
 * The worker's import flow in Node, on the small PyTorch AlexNet fixture and fake-indexeddb:
 * inspect -> import (built, checked, saved) -> null from the bundled photos -> a "reload" (a new
 * service over the same database) restores the model with its null, and it computes exactly
 * what the freshly imported one did. Also cancel, bad files and delete.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IDBFactory } from 'fake-indexeddb';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../src/platform/tf-node.ts';
import { nodeModelSource } from '../../src/models/source-node.ts';
import { BUILTIN_MODEL_IDS } from '../../src/models/registry.ts';
import { ImportService } from '../../src/worker/import-service.ts';
import { inspectModelFiles } from '../../src/models/import/import-model.ts';
import { buildOnnx, floatTensor } from '../models/onnx-build.ts';
import { openModelStore } from '../../src/store/model-store.ts';
import type { LoadedModel } from '../../src/models/manifest.ts';

const FIXTURE = join(import.meta.dirname, '../fixtures/onnx/alexnet.onnx');
const builtin = nodeModelSource();
const factory = new IDBFactory();
const toDispose: LoadedModel[] = [];

function alexnetFile() {
  const b = readFileSync(FIXTURE);
  return { name: 'alexnet.onnx', bytes: b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer };
}

async function service(): Promise<ImportService> {
  const s = new ImportService(builtin, BUILTIN_MODEL_IDS);
  await s.open(factory);
  return s;
}

beforeAll(async () => {
  await useNodeBackend('wasm');
});

afterAll(() => {
  for (const l of toDispose) l.model.dispose();
});

describe('import service (worker side of the import panel)', () => {
  let first: ImportService;
  let modelId = '';
  let imported: LoadedModel;

  it('inspects the AlexNet fixture: paper stage names, suggested pre-checked, guessed PyTorch input', async () => {
    first = await service();
    const draft = await first.inspect(7, [alexnetFile(), { name: 'notes.txt', bytes: new ArrayBuffer(3) }]);
    expect(draft.kind).toBe('onnx');
    expect(draft.architecture).toBe('alexnet');
    expect(draft.modelFile).toBe('alexnet.onnx');
    expect(draft.fileNames).toEqual(['alexnet.onnx']);
    expect(draft.inputDims).toEqual([1, 3, 224, 224]);
    expect(draft.layout).toBe('NCHW');
    expect(draft.inputGuess.shape).toEqual([224, 224, 3]);
    expect(draft.inputGuess.normalization?.mean).toEqual([0.485, 0.456, 0.406]);
    expect(draft.candidates.filter((c) => c.suggested).map((c) => c.name))
      .toEqual(['relu0', 'relu1', 'relu2', 'relu3', 'relu4', 'fc0_relu', 'fc1_relu', 'final']);
  });

  it('imports with the chosen stages, checks it runs, saves it; the id never clashes', async () => {
    const draft = await first.inspect(7, [alexnetFile()]);
    const r = await first.importModel(7, { name: 'Tiny AlexNet', stages: ['relu0', 'relu2', 'final'], inputSpec: draft.inputGuess });
    toDispose.push(r.loaded);
    imported = r.loaded;
    modelId = r.manifest.id;
    expect(modelId).toBe('imported-tiny-alexnet');
    expect(r.saveError).toBeNull();
    expect(r.manifest.builder).toBe('onnx');
    expect(r.manifest.stages.map((s) => s.name)).toEqual(['relu0', 'relu2', 'final']);
    expect(first.info()[modelId]).toEqual({ hasNull: false, saved: true, bytes: readFileSync(FIXTURE).byteLength });
    await expect(first.importModel(7, { name: 'x', stages: ['relu0'], inputSpec: draft.inputGuess }))
      .rejects.toThrow('this import was already finished or discarded: drop the files again');
    const store = await openModelStore(factory);
    expect((await store.list()).map((s) => s.manifest.id)).toEqual([modelId]);
    store.close();
  });

  it('builds the null in pieces with rising progress, without leaking tensors, and stores it', async () => {
    const before = tf.memory().numTensors;
    const fractions: number[] = [];
    const { dist, saveError } = await first.buildNull(imported, 6, 3, (f) => fractions.push(f));
    expect(tf.memory().numTensors).toBe(before);
    expect(saveError).toBeNull();
    expect(Object.keys(dist.stages)).toEqual(['relu0', 'relu2', 'final']);
    expect(dist.stages.relu0.spearman.pairs).toBe(6);
    expect(dist.source).toMatch(/centernet/);
    for (let i = 1; i < fractions.length; i++) expect(fractions[i]).toBeGreaterThanOrEqual(fractions[i - 1]);
    expect(fractions.at(-1)).toBe(1);
    expect(imported.nullDistribution).toBe(dist);
    expect(first.info()[modelId].hasNull).toBe(true);
    await expect(first.buildNull(imported, 1, 0, () => {})).rejects.toThrow('pairs must be a whole number from 2 to 20000, got 1');
  });

  it('a cancelled null build stops with "aborted", frees its tensors and keeps the previous null', async () => {
    const before = tf.memory().numTensors;
    const previous = imported.nullDistribution;
    const building = first.buildNull(imported, 40, 9, (f) => {
      if (f > 0) first.cancelNull();
    });
    await expect(building).rejects.toThrow(/aborted/);
    expect(first.buildingNull).toBe(false);
    expect(tf.memory().numTensors).toBe(before);
    expect(imported.nullDistribution).toBe(previous);
  });

  it('after a reload the model is listed with its null and computes exactly what the imported one did', async () => {
    const again = await service();
    expect(again.manifests().map((m) => m.id)).toEqual([modelId]);
    expect(again.info()[modelId]).toMatchObject({ hasNull: true, saved: true });
    const restored = await again.load(modelId);
    toDispose.push(restored);
    expect(restored.nullDistribution).toEqual(imported.nullDistribution);
    const x = tf.randomUniform([1, 224, 224, 3], 0, 1, 'float32', 5);
    const a = imported.model.forward(x, ['relu2', 'final']);
    const b = restored.model.forward(x, ['relu2', 'final']);
    expect(Array.from(await b.final.data())).toEqual(Array.from(await a.final.data()));
    expect(Array.from(await b.relu2.data())).toEqual(Array.from(await a.relu2.data()));
    tf.dispose([x, a.relu2, a.final, b.relu2, b.final]);
    // The default reference of a model without bundled ones: a natural photo crop of its input size.
    const ref = await again.naturalReference(restored.manifest, 0);
    expect(ref.shape).toEqual([1, 224, 224, 3]);
    ref.dispose();
  });

  it('without browser storage the model still imports and runs for the session, marked not saved', async () => {
    const refusing = { open: () => { throw new DOMException('denied', 'SecurityError'); } } as unknown as IDBFactory;
    const s = new ImportService(builtin, BUILTIN_MODEL_IDS);
    await s.open(refusing);
    expect(s.storageError).toMatch(/^IndexedDB is not available \(SecurityError: denied\)/);
    const draft = await s.inspect(1, [alexnetFile()]);
    const r = await s.importModel(1, { name: 'Tiny AlexNet', stages: ['relu0'], inputSpec: draft.inputGuess });
    toDispose.push(r.loaded);
    expect(r.saveError).toBe(s.storageError);
    expect(s.info()[r.manifest.id]).toMatchObject({ saved: false, hasNull: false });
    // Not cached by a worker here: load() builds it again from the bytes held in memory.
    const again = await s.load(r.manifest.id);
    toDispose.push(again);
    expect(again.model.stages).toEqual(['relu0']);
  });

  it('a cochleagram-input ONNX (CochCNN9 fixture) imports as a sound model with a fixed 2-s, 20-kHz input', async () => {
    const s = new ImportService(builtin, BUILTIN_MODEL_IDS);
    await s.open(new IDBFactory());
    const b = readFileSync(join(import.meta.dirname, '../fixtures/onnx/cochcnn9.onnx'));
    const draft = await s.inspect(1, [{ name: 'cochcnn9.onnx', bytes: b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer }]);
    expect(draft.fixedInput).toBe('cochleagram');
    expect(draft.inputGuess).toMatchObject({ modality: 'audio', shape: [40000], sampleRate: 20000 });
    const stages = draft.candidates.filter((c) => c.suggested).map((c) => c.name).slice(0, 2);
    const r = await s.importModel(1, { name: 'coch', stages, inputSpec: draft.inputGuess });
    toDispose.push(r.loaded);
    expect(r.manifest.inputSpec.modality).toBe('audio');
    const ref = await s.naturalReference(r.manifest, 0);
    expect(ref.shape).toEqual([1, 40000]);
    ref.dispose();
  });

  it('bad files give one-line errors; delete removes the model for good', async () => {
    const s = await service();
    await expect(s.inspect(1, [])).rejects.toThrow(/^no files to import/);
    const corrupt = await s.inspect(2, [{ name: 'broken.onnx', bytes: Uint8Array.of(0xff, 0xff, 0xff, 0x01, 0x02).buffer }]).catch((e: Error) => e);
    expect(corrupt).toBeInstanceOf(Error);
    expect((corrupt as Error).message).toMatch(/broken\.onnx/);
    expect((corrupt as Error).message).not.toMatch(/\n/);
    // An op nothing implements: the message names the op and the node that uses it.
    const unsupported = buildOnnx({
      inputs: [{ name: 'x', dims: [1, 3, 8, 8] }],
      nodes: [
        { op: 'Relu', inputs: ['x'], outputs: ['r'], name: 'relu_ok' },
        { op: 'GridSample', inputs: ['r', 'r'], outputs: ['y'], name: 'warp_7' },
      ],
      outputs: ['y'],
    });
    await expect(s.inspect(3, [{ name: 'warp.onnx', bytes: new Uint8Array(unsupported).buffer }]))
      .rejects.toThrow(/^warp\.onnx: unsupported ONNX op "GridSample" at node "warp_7"/);
    await s.delete(modelId);
    expect(s.manifests()).toEqual([]);
    expect((await service()).manifests()).toEqual([]);
    await expect(s.load(modelId)).rejects.toThrow(`unknown model "${modelId}": it is neither built in nor imported in this browser`);
  });

  it('a model whose weights exceed the memory budget is refused, naming file, size and budget', async () => {
    // A conv with 4x3x3x3 float weights (432 bytes): refused under a 300-byte budget, accepted when the budget covers the file.
    const bytes = buildOnnx({
      inputs: [{ name: 'x', dims: [1, 3, 8, 8] }],
      initializers: { w: floatTensor([4, 3, 3, 3], Array.from({ length: 108 }, (_, i) => i / 108)) },
      nodes: [{ op: 'Conv', inputs: ['x', 'w'], outputs: ['y'] }],
      outputs: ['y'],
    });
    const file = { name: 'big.onnx', bytes: new Uint8Array(bytes).buffer };
    await expect(inspectModelFiles([file], { maxWeightBytes: 300 }))
      .rejects.toThrow(/^big\.onnx is \d+ bytes; models over 300 bytes of weights are refused \(memory budget\)$/);
    await expect(inspectModelFiles([file], { maxWeightBytes: bytes.byteLength })).resolves.toMatchObject({ kind: 'onnx' });
  });
});
