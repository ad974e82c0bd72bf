/**
 * Files dropped on (or picked in) the import zone as ImportFiles. A dropped folder is walked
 * (its .onnx, .json and .bin files, e.g. a TF.js model.json with its shards); loose files are
 * all kept, so the worker can say what is wrong with an unexpected one.
 */
import type { ImportFile } from '../../worker/protocol.ts';

const MODEL_FILE = /\.(onnx|json|bin)$/i;

async function readFile(file: File): Promise<ImportFile> {
  return { name: file.name, bytes: await file.arrayBuffer() };
}

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

async function entriesOf(dir: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = dir.createReader();
  const all: FileSystemEntry[] = [];
  // readEntries returns the entries in batches; an empty batch means the end.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) return all;
    all.push(...batch);
  }
}

async function walk(entry: FileSystemEntry, inFolder: boolean, out: File[]): Promise<void> {
  if (entry.isFile) {
    if (!inFolder || MODEL_FILE.test(entry.name)) out.push(await fileOf(entry as FileSystemFileEntry));
  } else if (entry.isDirectory) {
    for (const child of await entriesOf(entry as FileSystemDirectoryEntry)) await walk(child, true, out);
  }
}

/** The files of a drop: folders walked where the browser exposes entries, else the plain file list. */
export async function filesOfDrop(data: DataTransfer): Promise<ImportFile[]> {
  const entries = Array.from(data.items ?? [])
    .filter((item) => item.kind === 'file')
    .map((item) => item.webkitGetAsEntry?.() ?? null);
  if (entries.length > 0 && entries.every((e) => e !== null)) {
    const files: File[] = [];
    for (const entry of entries) await walk(entry!, false, files);
    return Promise.all(files.map(readFile));
  }
  return Promise.all(Array.from(data.files).map(readFile));
}

export function filesOfList(list: FileList | File[]): Promise<ImportFile[]> {
  return Promise.all(Array.from(list).map(readFile));
}
