import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { modelsPlugin } from './scripts/vite-models-plugin.ts';

// The app is fully static: built-in models under models/ are served at /models/
// in dev and copied into dist/models/ by the build (see scripts/vite-models-plugin.ts).
export default defineConfig({
  plugins: [svelte(), modelsPlugin()],
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 4000 },
  // Do not exclude @tensorflow/tfjs-backend-wasm from dependency pre-bundling: unbundled, its
  // threaded worker stub breaks the dev server's module graph (test/e2e/dev-server.test.ts).
});
