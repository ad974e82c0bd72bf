/**
 * The Vulkan loader (libvulkan.so.1) and Vulkan drivers (ICDs) that Dawn, the WebGPU of the
 * npm package `webgpu`, needs on Linux. Node only.
 *
 * Dawn opens the loader itself with dlopen("libvulkan.so.1"), which searches the library path
 * fixed when the process started: setting LD_LIBRARY_PATH from JavaScript is too late. Instead
 * we load the loader first from a known absolute path (RTLD_NODELETE, so it stays loaded after
 * Node's addon check gives up on it); glibc then hands Dawn's dlopen the already-loaded library,
 * because it matches its soname. No re-exec, so the CLI, the tests and the benchmarks all work
 * in process.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { delimiter, join } from 'node:path';

/** Environment variable naming the loader file to use (any path to a libvulkan.so.1). */
export const VULKAN_LOADER_ENV = 'METAMER_VULKAN_LOADER';

/** glibc's RTLD_NODELETE (Node's os.constants.dlopen omits it). */
const RTLD_NODELETE = 0x1000;

/** Loaders shipped by other packages, tried when the system has none (Debian's chromium). */
const EXTRA_LOADERS = ['/usr/lib/chromium/libvulkan.so.1'];

/** The SwiftShader (software Vulkan) drivers we know of: Debian's chromium ships one. */
const SWIFTSHADER_ICDS = ['/usr/lib/chromium/vk_swiftshader_icd.json'];

/** Environment variable naming a software Vulkan driver manifest to use with --allow-software-gpu. */
export const SOFTWARE_ICD_ENV = 'METAMER_SOFTWARE_VULKAN_ICD';

/** Variables by which a user (or run.sh) already chose the Vulkan drivers. */
const DRIVER_ENV = ['VK_ICD_FILENAMES', 'VK_DRIVER_FILES', 'VK_ADD_DRIVER_FILES'];

/** Driver manifests outside the loader's standard folders that GPU containers use. */
const EXTRA_ICD_DIRS = ['/usr/local/nvidia/share/vulkan/icd.d'];

export const VULKAN_INSTALL_HINT =
  'install the Vulkan loader (Debian/Ubuntu: apt-get install libvulkan1; Fedora: dnf install vulkan-loader) ' +
  `or set ${VULKAN_LOADER_ENV}=/path/to/libvulkan.so.1`;

function loaderIsLoaded(): boolean {
  try {
    return /\/libvulkan\.so[.\d]*$/m.test(readFileSync('/proc/self/maps', 'utf8'));
  } catch {
    return false;
  }
}

function tryLoad(path: string): boolean {
  try {
    // Node's addon loader keeps the library (RTLD_NODELETE) and then rejects it as "did not
    // self-register", the expected outcome here.
    process.dlopen({ exports: {} }, path, constants.dlopen.RTLD_NOW | constants.dlopen.RTLD_GLOBAL | RTLD_NODELETE);
  } catch {
    // Whether it loaded is read from the process's mappings below, not from the message.
  }
  return loaderIsLoaded();
}

export interface LoaderResult {
  /** Where the loader came from: "system" (the library path), or the file loaded. */
  source: string;
}

/**
 * Makes sure libvulkan.so.1 is loaded before Dawn looks for it. Order: $METAMER_VULKAN_LOADER,
 * the system's library path (LD_LIBRARY_PATH, ldconfig), then loaders bundled by other
 * packages. Throws with what to install when none is found. Linux only (elsewhere Dawn uses
 * Metal or Direct3D and needs nothing).
 */
export function ensureVulkanLoader(env: NodeJS.ProcessEnv = process.env): LoaderResult | null {
  if (process.platform !== 'linux') return null;
  if (loaderIsLoaded()) return { source: 'already loaded' };
  const explicit = env[VULKAN_LOADER_ENV];
  if (explicit) {
    if (!existsSync(explicit)) throw new Error(`${VULKAN_LOADER_ENV}=${explicit}: no such file`);
    if (!tryLoad(explicit)) throw new Error(`${VULKAN_LOADER_ENV}=${explicit} is not a loadable Vulkan loader (libvulkan.so.1)`);
    return { source: explicit };
  }
  if (tryLoad('libvulkan.so.1')) return { source: 'system' };
  for (const path of EXTRA_LOADERS) if (existsSync(path) && tryLoad(path)) return { source: path };
  throw new Error(`WebGPU in Node needs the Vulkan loader libvulkan.so.1, which was not found: ${VULKAN_INSTALL_HINT}`);
}

/** True when a loader could be found (for tests that must skip without one). */
export function vulkanLoaderAvailable(env: NodeJS.ProcessEnv = process.env): boolean {
  try {
    return ensureVulkanLoader(env) !== null;
  } catch {
    return false;
  }
}

function manifestsIn(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => join(dir, f));
  } catch {
    return [];
  }
}

/** The loader's standard driver folders (Vulkan loader documentation, "Linux driver discovery"). */
function standardIcdDirs(env: NodeJS.ProcessEnv): string[] {
  const config = [env.XDG_CONFIG_HOME ?? join(env.HOME ?? '/', '.config'), ...(env.XDG_CONFIG_DIRS ?? '/etc/xdg').split(delimiter)];
  const data = [env.XDG_DATA_HOME ?? join(env.HOME ?? '/', '.local/share'), ...(env.XDG_DATA_DIRS ?? '/usr/local/share:/usr/share').split(delimiter)];
  return [...config.map((d) => join(d, 'vulkan/icd.d')), '/etc/vulkan/icd.d', ...data.map((d) => join(d, 'vulkan/icd.d'))];
}

/** How the hardware Vulkan drivers are found: the user's variables, the standard folders, or ours. */
export interface DriverSearch {
  /** The driver manifests found (empty when none; the user's variables are taken as given). */
  manifests: string[];
  /** Set when the user chose the drivers through VK_* variables. */
  fromEnv?: string;
}

/**
 * Finds the installed Vulkan drivers. When there are none in the standard folders but a GPU
 * container put its driver in a known non-standard folder, points VK_ICD_FILENAMES at it.
 */
export function findVulkanDrivers(env: NodeJS.ProcessEnv = process.env): DriverSearch {
  const fromEnv = DRIVER_ENV.find((k) => env[k]);
  if (fromEnv) return { manifests: env[fromEnv]!.split(delimiter).filter(Boolean), fromEnv };
  const standard = standardIcdDirs(env).flatMap(manifestsIn);
  if (standard.length > 0) return { manifests: standard };
  const extra = EXTRA_ICD_DIRS.flatMap(manifestsIn);
  if (extra.length > 0) env.VK_ICD_FILENAMES = extra.join(delimiter);
  return { manifests: extra };
}

/** The software Vulkan driver (SwiftShader) manifest, or null when none is installed. */
export function findSoftwareVulkanDriver(env: NodeJS.ProcessEnv = process.env): string | null {
  const explicit = env[SOFTWARE_ICD_ENV];
  if (explicit) {
    if (!existsSync(explicit)) throw new Error(`${SOFTWARE_ICD_ENV}=${explicit}: no such file`);
    return explicit;
  }
  return SWIFTSHADER_ICDS.find((p) => existsSync(p)) ?? null;
}
