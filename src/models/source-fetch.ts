/**
 * ModelSource over HTTP (the browser app): files are fetched lazily from `baseUrl`
 * (the Vite models plugin serves the repository's models/ folder at /models/).
 */
import type { ModelSource } from './manifest.ts';

export function fetchModelSource(baseUrl = '/models/', fetchFn: typeof fetch = (...a) => fetch(...a)): ModelSource {
  const base = baseUrl.endsWith('/') ? baseUrl : baseUrl + '/';
  async function get(path: string): Promise<Response> {
    const url = base + path;
    let res: Response;
    try {
      res = await fetchFn(url);
    } catch (e) {
      throw new Error(`cannot fetch model file ${url}: ${(e as Error).message}`);
    }
    if (!res.ok) {
      throw new Error(res.status === 404 ? `model file not found: ${url} (HTTP 404)` : `model file ${url}: HTTP ${res.status}`);
    }
    return res;
  }
  return {
    async readJson<T = unknown>(path: string): Promise<T> {
      const text = await (await get(path)).text();
      try {
        return JSON.parse(text) as T;
      } catch (e) {
        throw new Error(`model file ${base + path} is not valid JSON: ${(e as Error).message}`);
      }
    },
    async readBinary(path: string): Promise<ArrayBuffer> {
      return (await get(path)).arrayBuffer();
    },
  };
}
