/**
 * WebGPU in Node (CLI, tests, benchmarks) through the npm package `webgpu` (Dawn): finds the
 * Vulkan loader and a GPU, installs `navigator.gpu`, and registers tfjs's webgpu backend on
 * the adapter it checked. A software device (SwiftShader, a CPU emulation of a GPU) is used
 * only when the caller allows it, because it is slower than the wasm backend.
 */
import * as tf from '@tensorflow/tfjs';
import { ensureVulkanLoader, findSoftwareVulkanDriver, findVulkanDrivers, SOFTWARE_ICD_ENV } from './vulkan-loader.ts';

/** Environment variable that allows a software GPU, like the CLI's --allow-software-gpu. */
export const ALLOW_SOFTWARE_GPU_ENV = 'METAMER_ALLOW_SOFTWARE_GPU';

const ALLOW_HINT = `pass --allow-software-gpu (or set ${ALLOW_SOFTWARE_GPU_ENV}=1) to run on a software GPU (SwiftShader: correct but slower than --backend wasm), or use --backend wasm`;

export interface NodeWebGpuOptions {
  /** Use a software Vulkan device when no GPU is found (default: $METAMER_ALLOW_SOFTWARE_GPU). */
  allowSoftwareGpu?: boolean;
}

/** The adapter WebGPU runs on, as Dawn describes it. */
export interface NodeGpuAdapter {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A CPU emulation (SwiftShader, llvmpipe), not a GPU. */
  software: boolean;
  /** Where the Vulkan loader came from ("system", or its file); empty off Linux. */
  vulkanLoader: string;
}

/** "nvidia ampere (NVIDIA GeForce RTX 3090)": vendor, architecture and Dawn's description. */
export function describeAdapter(a: NodeGpuAdapter): string {
  const name = [a.vendor, a.architecture].filter(Boolean).join(' ') || 'unknown adapter';
  const detail = a.description || a.device;
  return `${name}${detail ? ` (${detail})` : ''}${a.software ? ', a software device' : ''}`;
}

function isSoftware(info: GPUAdapterInfo): boolean {
  const fallback = (info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
  return fallback || /swiftshader|llvmpipe|lavapipe|softpipe/i.test(`${info.architecture} ${info.device} ${info.description}`);
}

function allowedByEnv(): boolean {
  const v = process.env[ALLOW_SOFTWARE_GPU_ENV];
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

type DawnModule = { create(flags: string[]): GPU; globals: Record<string, unknown> };

function installNavigatorGpu(gpu: GPU): void {
  const g = globalThis as { navigator?: object };
  if (g.navigator) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true, writable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
}

async function requestAdapter(dawn: DawnModule): Promise<{ gpu: GPU; adapter: GPUAdapter | null }> {
  const gpu = dawn.create([]);
  return { gpu, adapter: await gpu.requestAdapter({ powerPreference: 'high-performance' }) };
}

/** Finds the adapter: a GPU, or (when allowed) a software device. Throws what to do otherwise. */
async function findAdapter(dawn: DawnModule, allowSoftware: boolean): Promise<{ gpu: GPU; adapter: GPUAdapter }> {
  const drivers = findVulkanDrivers();
  const linux = process.platform === 'linux';
  // Without any Vulkan driver, asking Dawn only prints its own warnings: skip straight on.
  let found = linux && drivers.manifests.length === 0 ? null : await requestAdapter(dawn);
  if (found?.adapter && !isSoftware(found.adapter.info)) return found as { gpu: GPU; adapter: GPUAdapter };
  if (!allowSoftware) {
    if (found?.adapter) throw new Error(`WebGPU found only a software adapter (${found.adapter.info.vendor} ${found.adapter.info.architecture}), no GPU: ${ALLOW_HINT}`);
    const why = !linux
      ? 'no WebGPU adapter'
      : drivers.manifests.length === 0
        ? 'no Vulkan driver is installed (no ICD manifest in the standard folders such as /usr/share/vulkan/icd.d, and VK_ICD_FILENAMES is unset)'
        : `the Vulkan driver(s) ${drivers.manifests.join(', ')}${drivers.fromEnv ? ` (from ${drivers.fromEnv})` : ''} gave no adapter (check the GPU driver, e.g. with vulkaninfo)`;
    throw new Error(`WebGPU found no GPU adapter: ${why}; ${ALLOW_HINT}`);
  }
  if (found?.adapter) return found as { gpu: GPU; adapter: GPUAdapter };
  if (linux && !drivers.fromEnv) {
    const icd = findSoftwareVulkanDriver();
    if (!icd) throw new Error(`WebGPU found no GPU adapter and no software Vulkan driver (SwiftShader): install Debian's chromium package (it ships one) or set ${SOFTWARE_ICD_ENV}=/path/to/vk_swiftshader_icd.json`);
    // The loader reads the driver list each time Dawn creates a Vulkan instance.
    process.env.VK_ICD_FILENAMES = icd;
    found = await requestAdapter(dawn);
  }
  if (!found?.adapter) throw new Error('WebGPU found no adapter, not even a software one');
  return found as { gpu: GPU; adapter: GPUAdapter };
}

interface SyncReader {
  readSync(dataId: object): unknown;
  tensorMap: { get(dataId: object): { values?: unknown; dtype?: string } | undefined };
}

/**
 * tfjs's WebGPU backend reads GPU data synchronously (dataSync) through an OffscreenCanvas,
 * which Node lacks: instead of "OffscreenCanvas is not defined", say what happened. Data still
 * held on the CPU reads as before.
 */
function explainSynchronousReads(proto: SyncReader): void {
  if (typeof OffscreenCanvas !== 'undefined' || (proto as { nodeReadSync?: boolean }).nodeReadSync) return;
  const original = proto.readSync;
  proto.readSync = function (this: SyncReader, dataId: object) {
    const data = this.tensorMap.get(dataId);
    if (data && (data.values != null || data.dtype === 'string' || data.dtype === 'complex64')) return original.call(this, dataId);
    throw new Error('WebGPU in Node cannot read a tensor synchronously (dataSync), which this command needs: use --backend wasm');
  };
  (proto as { nodeReadSync?: boolean }).nodeReadSync = true;
}

let installed: Promise<NodeGpuAdapter> | null = null;
const uncaptured: string[] = [];

/**
 * WebGPU errors that no one caught (a rejected shader, an out-of-memory buffer) since the last
 * call. Such errors do not throw: results computed meanwhile are wrong. Benchmarks check this.
 */
export function takeUncapturedWebGpuErrors(): string[] {
  return uncaptured.splice(0);
}

async function install(allowSoftware: boolean): Promise<NodeGpuAdapter> {
  const loader = ensureVulkanLoader();
  const dawn = (await import('webgpu')) as unknown as DawnModule;
  Object.assign(globalThis, dawn.globals);
  const { gpu, adapter } = await findAdapter(dawn, allowSoftware);
  installNavigatorGpu(gpu);
  const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
  explainSynchronousReads(WebGPUBackend.prototype as unknown as SyncReader);
  // Our factory, on the adapter checked above (tfjs's own would request an adapter again).
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend(
    'webgpu',
    async () => {
      const limits = adapter.limits;
      const requiredFeatures = (['timestamp-query'] as GPUFeatureName[]).filter((f) => adapter.features.has(f));
      const device = await adapter.requestDevice({
        requiredFeatures,
        requiredLimits: {
          maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
          maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
          maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
          maxBufferSize: limits.maxBufferSize,
          maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
          maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
          // tfjs's own factory leaves this at WebGPU's default of 8, which some of its shaders
          // (seen in the cochleagram's backward pass) exceed: Dawn then rejects the pipeline.
          maxStorageBuffersPerShaderStage: limits.maxStorageBuffersPerShaderStage,
        },
      });
      device.addEventListener('uncapturederror', (e) => uncaptured.push((e as GPUUncapturedErrorEvent).error.message));
      return new WebGPUBackend(device, adapter.info);
    },
    3,
  );
  const info = adapter.info;
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    software: isSoftware(info),
    vulkanLoader: loader?.source ?? '',
  };
}

/**
 * Prepares WebGPU in this process (once) and registers tfjs's "webgpu" backend on the chosen
 * adapter; the caller then calls tf.setBackend('webgpu'). Throws a one-line error saying
 * what to install or pass when there is no usable adapter.
 */
export async function prepareNodeWebGpu(options: NodeWebGpuOptions = {}): Promise<NodeGpuAdapter> {
  const allowSoftware = options.allowSoftwareGpu ?? allowedByEnv();
  if (!installed) {
    installed = install(allowSoftware);
    installed.catch(() => (installed = null));
  }
  const adapter = await installed;
  if (adapter.software && !allowSoftware) throw new Error(`WebGPU runs on a software adapter (${describeAdapter(adapter)}) in this process: ${ALLOW_HINT}`);
  return adapter;
}

/** The adapter of the prepared WebGPU, or null before prepareNodeWebGpu succeeded. */
export async function nodeGpuAdapter(): Promise<NodeGpuAdapter | null> {
  try {
    return installed ? await installed : null;
  } catch {
    return null;
  }
}
