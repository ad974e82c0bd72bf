/**
 * WebGPU in Node (npm `webgpu`, Dawn) on the software Vulkan device: the engine's loop runs
 * there without leaking tensors, and the CLI's `--backend webgpu` gives wasm's loss history.
 * Needs a Vulkan loader and SwiftShader (Debian: libvulkan1 or chromium, which ships both);
 * skipped, with the reason printed, when they are absent.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { BIN, REPO } from '../cli/run-cli.ts';
import { writeNpy } from '../../src/io/npy.ts';
import { findSoftwareVulkanDriver, vulkanLoaderAvailable } from '../../src/platform/vulkan-loader.ts';

const missing = !vulkanLoaderAvailable()
  ? 'no Vulkan loader (apt-get install libvulkan1, or chromium)'
  : !findSoftwareVulkanDriver()
    ? 'no software Vulkan driver (apt-get install chromium: it ships SwiftShader)'
    : null;
if (missing) console.warn(`WebGPU-in-Node tests skipped: ${missing}`);

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: REPO, encoding: 'utf8', timeout: 110_000, env: { ...process.env, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const INPUT = join(REPO, 'models', 'fmnist-alexnet', 'references', 'coat.png');

function generate(backend: string[]): { loss: number[]; err: string; backend: string } {
  const out = join(mkdtempSync(join(tmpdir(), 'metamer-webgpu-')), 'run');
  const r = cli(['generate', '--model', 'fmnist-alexnet', '--stage', 'relu4', '--input', INPUT, '--steps', '5', '--passes', '1', '--seed', '2', '--measure', 'stage', '--out', out, ...backend]);
  expect(r.code, r.err).toBe(0);
  const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { lossHistory: { loss: number }[]; settings: { backend: string } };
  return { loss: run.lossHistory.map((h) => h.loss), err: r.err, backend: run.settings.backend };
}

describe.skipIf(missing !== null)(`metamer --backend webgpu on the software device${missing ? ` (skipped: ${missing})` : ''}`, () => {
  it("a 5-step generate's loss history equals wasm's within 1e-3, and the adapter is named", () => {
    const gpu = generate(['--backend', 'webgpu', '--allow-software-gpu']);
    const wasm = generate([]);
    expect(gpu.backend).toBe('webgpu');
    expect(wasm.backend).toBe('wasm');
    expect(gpu.err).toMatch(/^backend: webgpu on google swiftshader .*a software device/m);
    expect(gpu.loss).toHaveLength(5);
    // The loss falls, so the 5 values really are an optimisation, not a constant.
    expect(gpu.loss[4]).toBeLessThan(gpu.loss[0] * 0.95);
    for (let i = 0; i < 5; i++) expect(Math.abs(gpu.loss[i] - wasm.loss[i])).toBeLessThan(1e-3);
  }, 120_000);

  it('refuses a software device unless asked, and names what to do', () => {
    // Drivers chosen by the user that give no adapter: the same answer on machines with a GPU.
    const none = cli(['activations', '--model', 'fmnist-alexnet', '--stage', 'relu0', '--input', INPUT, '--out', join(tmpdir(), 'x.npy'), '--backend', 'webgpu'], {
      VK_ICD_FILENAMES: join(tmpdir(), 'no-such-icd.json'),
    });
    expect(none.code).toBe(1);
    expect(none.err.trim().split('\n').at(-1)).toMatch(/^metamer activations: error: WebGPU found no GPU adapter: the Vulkan driver\(s\) .*no-such-icd\.json \(from VK_ICD_FILENAMES\) gave no adapter.*--allow-software-gpu.*--backend wasm$/);
    const soft = cli(['activations', '--model', 'fmnist-alexnet', '--stage', 'relu0', '--input', INPUT, '--out', join(tmpdir(), 'x.npy'), '--backend', 'webgpu'], {
      VK_ICD_FILENAMES: findSoftwareVulkanDriver()!,
    });
    expect(soft.code).toBe(1);
    expect(soft.err).toMatch(/error: WebGPU found only a software adapter \(google swiftshader\), no GPU: pass --allow-software-gpu/);
  }, 60_000);

  it('a missing loader named by METAMER_VULKAN_LOADER, and the flag without webgpu, are one-line errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'metamer-npy-'));
    const a = join(dir, 'a.npy');
    writeFileSync(a, writeNpy(new Float32Array([1, 2, 3]), [3]));
    const loader = cli(['stages', join(REPO, 'test', 'fixtures', 'onnx', 'alexnet.onnx'), '--backend', 'webgpu'], { METAMER_VULKAN_LOADER: '/nonexistent/libvulkan.so.1' });
    expect(loader.code).toBe(1);
    expect(loader.err).toBe('metamer stages: error: METAMER_VULKAN_LOADER=/nonexistent/libvulkan.so.1: no such file\n');
    const usage = cli(['metrics', a, a, '--allow-software-gpu']);
    expect(usage.code).toBe(2);
    expect(usage.err).toBe('metamer metrics: --allow-software-gpu applies to --backend webgpu\n');
  }, 60_000);

  it('the engine loop on webgpu keeps tf.memory().numTensors flat', async () => {
    const { useNodeBackend } = await import('../../src/platform/tf-node.ts');
    const { nodeGpuAdapter } = await import('../../src/platform/webgpu-node.ts');
    const { MetamerRun } = await import('../../src/engine/metamer-run.ts');
    const { makeRunConfig } = await import('../../src/engine/presets.ts');
    const { loadBuiltinModel, loadReference } = await import('../../src/models/registry.ts');
    const { nodeModelSource } = await import('../../src/models/source-node.ts');
    const tf = await useNodeBackend('webgpu', { allowSoftwareGpu: true });
    expect(tf.getBackend()).toBe('webgpu');
    expect((await nodeGpuAdapter())?.software).toBe(true);
    const source = nodeModelSource();
    const { manifest, model } = await loadBuiltinModel('fmnist-alexnet', source);
    const reference = await loadReference(manifest, source);
    const start = tf.memory().numTensors;
    const run = new MetamerRun(model, reference, makeRunConfig('fc0_relu', { passes: 2, itersPerPass: 3 }));
    const counts: number[] = [];
    const outcome = await run.run({ progressEvery: 1, measureStages: ['fc0_relu'], onEvent: (e) => e.type === 'progress' && counts.push(tf.memory().numTensors) });
    expect(outcome).toBe('done');
    expect(counts).toHaveLength(6);
    expect(new Set(counts.slice(1)).size).toBe(1);
    run.dispose();
    expect(tf.memory().numTensors).toBe(start);
    reference.dispose();
    model.dispose();
  }, 60_000);
});
