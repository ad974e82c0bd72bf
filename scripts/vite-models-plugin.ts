/**
 * Serves the repository's `models/` folder at `/models/` during `vite` dev and copies
 * its runtime files into `dist/models/` on `vite build`, so the built-in models load
 * lazily by URL in the browser while staying in one place in the repo.
 * Only runtime artifacts travel (json, bin, png, wav, npy, jpg, mulaw); build scripts stay behind.
 */
import type { Plugin } from 'vite';
import { createReadStream, existsSync, statSync, readdirSync, mkdirSync, copyFileSync } from 'node:fs';
import { join, extname, resolve, relative, sep } from 'node:path';

const RUNTIME_EXT = new Set(['.json', '.bin', '.png', '.wav', '.npy', '.jpg', '.mulaw', '.onnx']);
const MIME: Record<string, string> = {
  '.json': 'application/json',
  '.bin': 'application/octet-stream',
  '.npy': 'application/octet-stream',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.wav': 'audio/wav',
};

function runtimeFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...runtimeFiles(path));
    else if (RUNTIME_EXT.has(extname(name))) out.push(path);
  }
  return out;
}

export function modelsPlugin(modelsDir = resolve('models')): Plugin {
  let outDir = resolve('dist');
  return {
    name: 'metamer-models',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    configureServer(server) {
      server.middlewares.use('/models', (req, res, next) => {
        const url = decodeURIComponent((req.url ?? '/').split('?')[0]);
        const path = resolve(modelsDir, '.' + url);
        if (!path.startsWith(modelsDir + sep) || !existsSync(path) || statSync(path).isDirectory()
          || !RUNTIME_EXT.has(extname(path))) return next();
        res.setHeader('Content-Type', MIME[extname(path)] ?? 'application/octet-stream');
        createReadStream(path).pipe(res);
      });
    },
    closeBundle() {
      if (!existsSync(modelsDir)) return;
      for (const file of runtimeFiles(modelsDir)) {
        const target = join(outDir, 'models', relative(modelsDir, file));
        mkdirSync(join(target, '..'), { recursive: true });
        copyFileSync(file, target);
      }
    },
  };
}
