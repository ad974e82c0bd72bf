/**
 * Prepared runs in the page: the shipped index and sets (served beside the app under
 * prepared/, so they work offline like the models), a set from a file the user opens, and the
 * browser's JPEG decoder for the codec.
 */
import { parsePreparedIndex, parsePreparedSet, type PreparedIndex, type PreparedSet } from '../../export/prepared-run.ts';
import type { JpegDecoder } from '../../export/prepared-codec.ts';

const base = `${import.meta.env.BASE_URL}prepared/`;

async function fetchJson(url: string, name: string): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (err) {
    throw new Error(`${name}: cannot be read (${err instanceof Error ? err.message : String(err)})`);
  }
  if (!res.ok) throw new Error(`${name}: ${res.status === 404 ? 'not found' : `HTTP ${res.status}`}`);
  try {
    return await res.json();
  } catch {
    throw new Error(`${name}: not valid JSON`);
  }
}

export async function loadPreparedIndex(): Promise<PreparedIndex> {
  return parsePreparedIndex(await fetchJson(`${base}index.json`, 'prepared/index.json'), 'prepared/index.json');
}

/** The shipped set `id` (looked up in the index, so an unknown id says which ones exist). */
export async function loadPreparedSet(id: string): Promise<PreparedSet> {
  const index = await loadPreparedIndex();
  const entry = index.entries.find((e) => e.id === id);
  if (!entry) throw new Error(`no prepared run "${id}" (there are: ${index.entries.map((e) => e.id).join(', ') || 'none'})`);
  const name = `prepared/${entry.file}`;
  return parsePreparedSet(await fetchJson(`${base}${entry.file}`, name), name);
}

/** A prepared set the user opened (exported from this page, here or on another machine). */
export async function readPreparedFile(file: File): Promise<PreparedSet> {
  let value: unknown;
  try {
    value = JSON.parse(await file.text());
  } catch {
    throw new Error(`${file.name}: not valid JSON`);
  }
  return parsePreparedSet(value, file.name);
}

export const browserJpeg: JpegDecoder = async (bytes) => {
  const bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'image/jpeg' }));
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2D canvas to decode a JPEG snapshot');
  ctx.drawImage(bitmap, 0, 0);
  const { data } = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
  bitmap.close();
  return { width: canvas.width, height: canvas.height, channels: 4, data };
};

/** The model's stored null distribution (for the histograms), or null when it has none. */
export async function loadModelNull(modelId: string): Promise<Record<string, unknown> | null> {
  try {
    const value = await fetchJson(`${import.meta.env.BASE_URL}models/${modelId}/null.json`, `models/${modelId}/null.json`);
    return (value as { stages?: Record<string, unknown> }).stages ?? null;
  } catch {
    return null;
  }
}
