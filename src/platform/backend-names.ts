/** tfjs backend names the browser build can use, in the order they are tried. No tfjs import here. */
export type BrowserBackend = 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export const BACKEND_ORDER: readonly BrowserBackend[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

export function isBrowserBackend(name: string): name is BrowserBackend {
  return (BACKEND_ORDER as readonly string[]).includes(name);
}

/** The order to try: the preferred backend first, then the rest in the default order. */
export function backendOrder(preferred?: string): BrowserBackend[] {
  if (!preferred || !isBrowserBackend(preferred)) return [...BACKEND_ORDER];
  return [preferred, ...BACKEND_ORDER.filter((b) => b !== preferred)];
}

/** A backend that was tried and skipped at start-up, and why. */
export interface BackendFallback {
  backend: string;
  reason: string;
}
