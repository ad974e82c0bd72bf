import { describe, expect, it } from 'vitest';
import { backendOrder, isBrowserBackend } from '../../src/platform/backend-names.ts';

describe('backendOrder', () => {
  it('tries webgpu, webgl, wasm, cpu by default', () => {
    expect(backendOrder()).toEqual(['webgpu', 'webgl', 'wasm', 'cpu']);
  });

  it('puts the preferred backend first and keeps the rest in order, each once', () => {
    expect(backendOrder('wasm')).toEqual(['wasm', 'webgpu', 'webgl', 'cpu']);
    expect(backendOrder('cpu')).toEqual(['cpu', 'webgpu', 'webgl', 'wasm']);
    expect(backendOrder('webgpu')).toEqual(['webgpu', 'webgl', 'wasm', 'cpu']);
  });

  it('ignores names tfjs cannot use in the browser', () => {
    expect(backendOrder('tensorflow')).toEqual(['webgpu', 'webgl', 'wasm', 'cpu']);
    expect(isBrowserBackend('tensorflow')).toBe(false);
    expect(isBrowserBackend('wasm')).toBe(true);
  });
});
