/**
 * "Import from a URL": downloads an .onnx file, or a TF.js model.json together with the weight
 * shards its weightsManifest names (resolved relative to the model.json's address), as the
 * files the worker inspects. Every failure names the address and what went wrong.
 */
import type { ImportFile } from '../../worker/protocol.ts';

export type FetchLike = (url: string) => Promise<Response>;

function nameOf(url: URL, fallback: string): string {
  const last = url.pathname.split('/').filter(Boolean).at(-1);
  return last ? decodeURIComponent(last) : fallback;
}

async function download(url: URL, fetchFn: FetchLike): Promise<ArrayBuffer> {
  let response: Response;
  try {
    response = await fetchFn(url.href);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(`could not download ${url.href}: ${why} (offline, a wrong address, or a server that refuses cross-origin requests)`);
  }
  if (!response.ok) throw new Error(`could not download ${url.href}: HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
  return response.arrayBuffer();
}

/** Paths of the weight shards a TF.js model.json lists (weightsManifest[].paths). */
export function shardPaths(modelJson: unknown, name: string): string[] {
  const manifest = (modelJson as { weightsManifest?: unknown } | null)?.weightsManifest;
  if (manifest === undefined) return [];
  if (!Array.isArray(manifest)) throw new Error(`${name}: weightsManifest is not a list`);
  const paths: string[] = [];
  for (const group of manifest) {
    const p = (group as { paths?: unknown } | null)?.paths;
    if (!Array.isArray(p) || !p.every((x) => typeof x === 'string')) throw new Error(`${name}: a weightsManifest entry has no list of paths`);
    paths.push(...(p as string[]));
  }
  return paths;
}

/** The model files at `address` (an absolute URL, or relative to `base`). */
export async function fetchModelFiles(address: string, fetchFn: FetchLike = (u) => fetch(u), base?: string): Promise<ImportFile[]> {
  const text = address.trim();
  if (!text) throw new Error('enter the address of an .onnx file or a TF.js model.json');
  let url: URL;
  try {
    url = new URL(text, base);
  } catch {
    throw new Error(`"${text}" is not a web address`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`"${text}" is not an http(s) address`);
  const name = nameOf(url, 'model.onnx');
  const bytes = await download(url, fetchFn);
  if (!name.toLowerCase().endsWith('.json')) return [{ name, bytes }];
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (err) {
    throw new Error(`${name} from ${url.href} is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const files: ImportFile[] = [{ name, bytes }];
  for (const path of shardPaths(json, name)) {
    files.push({ name: path, bytes: await download(new URL(path, url), fetchFn) });
  }
  return files;
}
