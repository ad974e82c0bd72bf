import { defineConfig } from 'vitest/config';

// Two projects: "node" runs the engine, models and CLI under Node (tfjs cpu/wasm);
// "browser" drives real headless Chromium with WebGPU (SwiftShader) against the
// production build via playwright-core. `npm test` runs both.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/e2e/**'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/e2e/global-setup.ts'],
          testTimeout: 900_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
