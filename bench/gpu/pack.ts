/**
 * `npm run bench:gpu:pack`: packs the self-contained GPU benchmark into
 * bench/gpu/out/metamer-gpu-bench/ (and a .tar of it), to carry to a GPU machine that has no
 * network and no Node, then `bash run.sh` there. Contents (under 60 MiB, checked):
 *
 *   node.xz                          this machine's Node binary (linux-x64), xz-compressed
 *   app/bench.mjs                    bench/gpu/gpu-bench.ts bundled with esbuild (tfjs included)
 *   app/node_modules/webgpu/         npm `webgpu` (Dawn): index.js + dist/linux-x64/dawn.node.xz
 *   lib/libvulkan.so.1               the Vulkan loader from Debian's libvulkan1 .deb (+ copyright)
 *   models/<id>/                     each built-in model's manifest, weights and first reference
 *   torch_bench.py, compare.py, py/  the PyTorch side and the comparison
 *   run.sh                           the one command to run there
 *
 * Options: --out DIR (default bench/gpu/out), --libvulkan-deb FILE (default: `apt-get download
 * libvulkan1` into a temporary folder), --no-tar.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, renameSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { BUILTIN_MODEL_IDS } from '../../src/models/registry.ts';
import type { ModelManifest } from '../../src/models/manifest.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const MAX_BYTES = 60 * 1024 * 1024;

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: join(REPO, 'bench/gpu/out') },
    'libvulkan-deb': { type: 'string' },
    'no-tar': { type: 'boolean', default: false },
  },
});

const outRoot = resolve(values.out!);
const pack = join(outRoot, 'metamer-gpu-bench');
rmSync(pack, { recursive: true, force: true });
mkdirSync(pack, { recursive: true });

function step(text: string): void {
  process.stderr.write(`${text}\n`);
}

/** xz-compresses `from` into `to`, reusing an earlier result for the same file (minutes for Node). */
function xz(from: string, to: string): void {
  mkdirSync(dirname(to), { recursive: true });
  const st = statSync(from);
  const cached = join(outRoot, 'cache', `${createHash('sha256').update(`${from}:${st.size}:${st.mtimeMs}`).digest('hex').slice(0, 16)}.xz`);
  if (!existsSync(cached)) {
    mkdirSync(dirname(cached), { recursive: true });
    writeFileSync(`${cached}.tmp`, execFileSync('xz', ['-6', '-T2', '-c', from], { maxBuffer: 1 << 30 }));
    renameSync(`${cached}.tmp`, cached);
  }
  copyFileSync(cached, to);
}

// 1. The bench, bundled: one ESM file with tfjs and the project's code; `webgpu` (a native
//    addon that finds dawn.node next to itself) stays a package beside it.
step('bundling bench/gpu/gpu-bench.ts');
await build({
  entryPoints: [join(REPO, 'bench/gpu/gpu-bench.ts')],
  outfile: join(pack, 'app/bench.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  external: ['webgpu'],
  // CommonJS dependencies call require(): give the ESM bundle one.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: 'warning',
});
writeFileSync(join(pack, 'app/package.json'), '{ "type": "module", "private": true }\n');

// 2. Dawn for linux-x64 (the package carries every platform; only this one travels).
step('packing npm webgpu (Dawn, linux-x64)');
const webgpuDir = dirname(createRequire(import.meta.url).resolve('webgpu/package.json'));
const webgpuOut = join(pack, 'app/node_modules/webgpu');
mkdirSync(webgpuOut, { recursive: true });
for (const f of ['package.json', 'index.js', 'LICENSE.md']) copyFileSync(join(webgpuDir, f), join(webgpuOut, f));
xz(join(webgpuDir, 'dist/linux-x64/dawn.node'), join(webgpuOut, 'dist/linux-x64/dawn.node.xz'));

// 3. Node itself.
step(`packing Node ${process.version} (${process.execPath})`);
xz(realpathSync(process.execPath), join(pack, 'node.xz'));

// 4. The Vulkan loader from Debian's libvulkan1 (GPU machines may have the driver but not the loader).
step('packing the Vulkan loader (Debian libvulkan1)');
let deb = values['libvulkan-deb'];
if (!deb) {
  const dir = mkdtempSync(join(tmpdir(), 'libvulkan1-'));
  try {
    execFileSync('apt-get', ['download', 'libvulkan1'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    throw new Error(`apt-get download libvulkan1 failed (${(e as Error).message.split('\n')[0]}): download the .deb elsewhere and pass --libvulkan-deb FILE`);
  }
  deb = join(dir, readdirSync(dir).find((f) => f.endsWith('.deb'))!);
}
const debDir = mkdtempSync(join(tmpdir(), 'libvulkan1-x-'));
execFileSync('dpkg-deb', ['-x', deb, debDir]);
const libDir = join(debDir, 'usr/lib/x86_64-linux-gnu');
const so = readdirSync(libDir).find((f) => /^libvulkan\.so\.1\.\d+/.test(f));
if (!so) throw new Error(`${deb} holds no usr/lib/x86_64-linux-gnu/libvulkan.so.1.*`);
mkdirSync(join(pack, 'lib'));
copyFileSync(join(libDir, so), join(pack, 'lib/libvulkan.so.1'));
copyFileSync(join(debDir, 'usr/share/doc/libvulkan1/copyright'), join(pack, 'lib/libvulkan1.copyright'));
writeFileSync(join(pack, 'lib/SOURCE.txt'), `${basename(deb)} (Debian libvulkan1, the Khronos Vulkan loader; Apache-2.0, see libvulkan1.copyright)\n`);

// 5. Built-in models: what building one and its first reference need. Natural-stimulus sets
//    (read only by the null builder) stay home, so the packed manifest stops listing them.
step('packing the built-in models');
const NATURAL_PARAMS = ['naturalMulaw', 'heldout', 'naturalArray'];
for (const id of BUILTIN_MODEL_IDS) {
  const src = join(REPO, 'models', id);
  const manifest = JSON.parse(readFileSync(join(src, 'manifest.json'), 'utf8')) as ModelManifest;
  const params = (manifest.params ?? {}) as Record<string, { path?: string } | undefined>;
  const natural = new Set(NATURAL_PARAMS.map((k) => params[k]?.path).filter((p): p is string => typeof p === 'string'));
  manifest.weights = manifest.weights.filter((w) => !natural.has(w.path));
  const files = [...manifest.weights.map((w) => w.path), ...(manifest.null ? [manifest.null] : []), ...(manifest.references[0] ? [manifest.references[0].path] : [])];
  for (const f of files) {
    mkdirSync(dirname(join(pack, 'models', id, f)), { recursive: true });
    copyFileSync(join(src, f), join(pack, 'models', id, f));
  }
  writeFileSync(join(pack, 'models', id, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

// 6. The PyTorch side, the comparison and the entry point.
step('packing the PyTorch side and run.sh');
for (const f of ['torch_bench.py', 'compare.py', 'run.sh']) copyFileSync(join(REPO, 'bench/gpu', f), join(pack, f));
chmodSync(join(pack, 'run.sh'), 0o755);
mkdirSync(join(pack, 'py'));
copyFileSync(join(REPO, 'scripts/models/onnx_fixtures/architectures.py'), join(pack, 'py/architectures.py'));
copyFileSync(join(REPO, 'scripts/models/onnx_fixtures/seeded_weights.py'), join(pack, 'py/seeded_weights.py'));
copyFileSync(join(REPO, 'scripts/cochleagram_reference.py'), join(pack, 'py/cochleagram_reference.py'));
const commit = (() => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
})();
writeFileSync(
  join(pack, 'README.txt'),
  `Metamer Playground GPU benchmark (commit ${commit}, packed ${new Date().toISOString()}, Node ${process.version}).\n` +
    'Run: bash run.sh [OUT_DIR]   (DRY_RUN=1 bash run.sh: software WebGPU + PyTorch on the CPU, to check a machine without a GPU)\n' +
    'Writes results-gpu.md / results-gpu.json (commit them as bench/results-gpu.*), webgpu.json, torch.json and logs.\n',
);

// 7. Size check and the archive.
function sizeOf(path: string): number {
  const s = statSync(path);
  return s.isDirectory() ? readdirSync(path).reduce((n, f) => n + sizeOf(join(path, f)), 0) : s.size;
}
const total = sizeOf(pack);
for (const f of readdirSync(pack)) step(`  ${f.padEnd(16)} ${(sizeOf(join(pack, f)) / 2 ** 20).toFixed(1).padStart(6)} MiB`);
step(`total ${(total / 2 ** 20).toFixed(1)} MiB in ${relative(process.cwd(), pack) || pack}`);
if (total > MAX_BYTES) throw new Error(`the pack is ${(total / 2 ** 20).toFixed(1)} MiB, over the 60 MiB limit`);
if (!values['no-tar']) {
  const tar = join(outRoot, 'metamer-gpu-bench.tar');
  execFileSync('tar', ['-cf', tar, '-C', outRoot, 'metamer-gpu-bench']);
  step(`wrote ${tar} (${(statSync(tar).size / 2 ** 20).toFixed(1)} MiB)`);
}
