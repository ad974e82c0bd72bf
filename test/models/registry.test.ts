import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { useNodeBackend } from '../../src/platform/tf-node.ts';
import type { ModelManifest, ModelSource } from '../../src/models/manifest.ts';
import { nodeModelSource, DEFAULT_MODELS_ROOT } from '../../src/models/source-node.ts';
import { fetchModelSource } from '../../src/models/source-fetch.ts';
import {
  BUILTIN_MODEL_IDS, listBuiltinModels, loadBuiltinModel, loadReference, naturalCrops, naturalStimuli,
} from '../../src/models/registry.ts';

const disk = nodeModelSource();

/** A source serving the real files except for overridden paths. */
function patched(overrides: Record<string, unknown>): ModelSource {
  return {
    readJson: async <T>(path: string) => (path in overrides ? structuredClone(overrides[path]) : await disk.readJson(path)) as T,
    readBinary: async (path: string) => {
      const o = overrides[path];
      return o instanceof ArrayBuffer ? o : disk.readBinary(path);
    },
  };
}

let manifest: ModelManifest;
beforeAll(async () => {
  await useNodeBackend('wasm');
  manifest = await disk.readJson<ModelManifest>('hmax/manifest.json');
});

describe('built-in model registry', () => {
  it('lists the built-in manifests', async () => {
    const list = await listBuiltinModels(disk);
    expect(list.map((m) => m.id)).toEqual([...BUILTIN_MODEL_IDS]);
    expect(list[0].builder).toBe('hmax');
  });

  it('loads HMAX: stage shapes match the manifest, null present iff listed', async () => {
    const loaded = await loadBuiltinModel('hmax', disk);
    const { model } = loaded;
    expect(model.stages).toEqual(loaded.manifest.stages.map((s) => s.name));
    const x = await loadReference(loaded.manifest, disk, 0);
    const acts = model.forward(x, model.stages);
    for (const s of loaded.manifest.stages) expect(acts[s.name].shape, s.name).toEqual([1, ...s.shape]);
    const c2 = acts.C2.dataSync();
    expect(Math.max(...c2)).toBeGreaterThan(0);
    expect(Math.max(...c2)).toBeLessThanOrEqual(1);
    Object.values(acts).forEach((t) => t.dispose());
    x.dispose();
    expect(loaded.nullDistribution !== null).toBe(Boolean(loaded.manifest.null));
    if (loaded.nullDistribution) expect(Object.keys(loaded.nullDistribution.stages).sort()).toEqual(['C1', 'C2', 'S1', 'S2']);
    model.dispose();
  });

  it('rejects an unknown id with the list of known ones', async () => {
    await expect(loadBuiltinModel('alexnet', disk)).rejects.toThrow(/unknown built-in model "alexnet".*hmax/);
  });

  it('rejects corrupt manifests with the reason', async () => {
    const bad = { ...manifest, format: 'something/2' };
    await expect(loadBuiltinModel('hmax', patched({ 'hmax/manifest.json': bad }))).rejects.toThrow(/corrupt manifest for model "hmax".*format/);
    const noStages = { ...manifest, stages: undefined };
    await expect(loadBuiltinModel('hmax', patched({ 'hmax/manifest.json': noStages }))).rejects.toThrow(/corrupt manifest.*stages/);
    const badBuilder = { ...manifest, builder: 'nope' };
    await expect(loadBuiltinModel('hmax', patched({ 'hmax/manifest.json': badBuilder }))).rejects.toThrow(/unknown builder "nope"/);
  });

  it('rejects missing, truncated and altered weight files', async () => {
    const w = manifest.weights[0];
    const path = `hmax/${w.path}`;
    const missing = { ...manifest, weights: [{ ...w, path: 'missing.bin' }] };
    await expect(loadBuiltinModel('hmax', patched({ 'hmax/manifest.json': missing }))).rejects.toThrow(/not found/);
    const bytes = await disk.readBinary(path);
    await expect(loadBuiltinModel('hmax', patched({ [path]: bytes.slice(0, bytes.byteLength - 4) }))).rejects.toThrow(/bytes/);
    const altered = bytes.slice(0);
    new Uint8Array(altered)[100] ^= 1;
    await expect(loadBuiltinModel('hmax', patched({ [path]: altered }))).rejects.toThrow(/SHA-256/);
  });

  it('does not leak tensors over load/forward/dispose', async () => {
    const loaded = await loadBuiltinModel('hmax', disk);
    const x = tf.fill([1, 250, 250, 1], 127.5);
    const run = () => Object.values(loaded.model.forward(x, ['C2'])).forEach((t) => t.dispose());
    run();
    const before = tf.memory().numTensors;
    run();
    run();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    loaded.model.dispose();
  });
});

describe('stimuli', () => {
  it('loadReference gives the bundled PNG as [1, 250, 250, 1] in 0..255', async () => {
    const x = await loadReference(manifest, disk, 1);
    expect(x.shape).toEqual([1, 250, 250, 1]);
    const png = decode(readFileSync(join(DEFAULT_MODELS_ROOT, 'hmax', manifest.references[1].path)));
    const v = x.dataSync();
    for (const i of [0, 777, 31_000, 62_499]) expect(v[i]).toBeCloseTo(png.data[i], 4);
    x.dispose();
    await expect(loadReference(manifest, disk, 99)).rejects.toThrow(/no reference #99/);
  });

  it('naturalStimuli: seeded random crops of the input size, in range, varied', async () => {
    const a = await naturalStimuli(manifest, disk, 4, 1);
    const b = await naturalStimuli(manifest, disk, 4, 1);
    const c = await naturalStimuli(manifest, disk, 4, 2);
    for (const t of a) {
      expect(t.shape).toEqual([1, 250, 250, 1]);
      const v = t.dataSync();
      expect(Math.min(...v)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...v)).toBeLessThanOrEqual(255);
    }
    expect(Array.from(a[2].dataSync())).toEqual(Array.from(b[2].dataSync()));
    expect(Array.from(a[0].dataSync())).not.toEqual(Array.from(a[1].dataSync()));
    expect(Array.from(a[0].dataSync())).not.toEqual(Array.from(c[0].dataSync()));
    tf.dispose([...a, ...b, ...c]);
  });

  it('naturalCrops reports the photo of each crop, and the crop is a window of that photo', async () => {
    const { stimuli, photo } = await naturalCrops(manifest, disk, 3, 1);
    const natural = manifest.params!.natural as string[];
    expect(photo).toHaveLength(3);
    for (const [i, t] of stimuli.entries()) {
      expect(photo[i]).toBeGreaterThanOrEqual(0);
      expect(photo[i]).toBeLessThan(natural.length);
      // Row 0 of the crop (possibly mirrored) occurs as a run of pixels in some row of its photo.
      const png = decode(readFileSync(join(DEFAULT_MODELS_ROOT, 'hmax', natural[photo[i]])));
      const row = Array.from(t.dataSync().subarray(0, 250), Math.round);
      const rev = [...row].reverse();
      let found = false;
      for (let r = 0; r < png.height && !found; r++) {
        const line = Array.from(png.data.subarray(r * png.width, (r + 1) * png.width));
        for (let c = 0; c + 250 <= png.width && !found; c++) {
          const win = line.slice(c, c + 250);
          found = win.every((v, k) => v === row[k]) || win.every((v, k) => v === rev[k]);
        }
      }
      expect(found, `crop ${i} from photo ${photo[i]}`).toBe(true);
    }
    tf.dispose(stimuli);
  });
});

describe('model sources', () => {
  it('node source: clear errors for a missing file and bad JSON', async () => {
    await expect(disk.readJson('hmax/nothing.json')).rejects.toThrow(/model file not found: .*hmax\/nothing.json/);
    await expect(disk.readJson('hmax/natural/SOURCES.md')).rejects.toThrow(/not valid JSON/);
  });

  it('fetch source: URLs, 404 and bad JSON', async () => {
    const seen: string[] = [];
    const fake = (async (url: string) => {
      seen.push(url);
      if (url.endsWith('ok.json')) return new Response('{"a":1}', { status: 200 });
      if (url.endsWith('bad.json')) return new Response('<html>', { status: 200 });
      if (url.endsWith('w.bin')) return new Response(new Uint8Array([1, 2, 3]), { status: 200 });
      return new Response('no', { status: 404 });
    }) as typeof fetch;
    const src = fetchModelSource('/models', fake);
    expect(await src.readJson('hmax/ok.json')).toEqual({ a: 1 });
    expect(new Uint8Array(await src.readBinary('hmax/w.bin'))).toEqual(new Uint8Array([1, 2, 3]));
    await expect(src.readJson('hmax/bad.json')).rejects.toThrow(/\/models\/hmax\/bad.json is not valid JSON/);
    await expect(src.readJson('hmax/gone.json')).rejects.toThrow(/not found: \/models\/hmax\/gone.json \(HTTP 404\)/);
    expect(seen[0]).toBe('/models/hmax/ok.json');
  });
});
