/**
 * Files dropped on (or picked for) "Open runs" as RunFiles with their paths: dropped folders are
 * walked (entry paths keep the folder names, so each run folder stays apart), and zip archives
 * are expanded (their entries under the archive's name).
 */
import type { RunFile } from '../export/open-run.ts';
import { unzip } from '../export/unzip.ts';

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

async function walk(entry: FileSystemEntry, out: { path: string; file: File }[]): Promise<void> {
  if (entry.isFile) out.push({ path: entry.fullPath.replace(/^\//, ''), file: await fileOf(entry as FileSystemFileEntry) });
  else if (entry.isDirectory) for (const child of await entriesOf(entry as FileSystemDirectoryEntry)) await walk(child, out);
}

/** Reads the files (zips expanded). */
export async function readRunFiles(files: { path: string; file: File }[]): Promise<RunFile[]> {
  const out: RunFile[] = [];
  for (const { path, file } of files) {
    const bytes = new Uint8Array(await file.arrayBuffer());
    if (/\.zip$/i.test(path)) {
      const stem = path.replace(/\.zip$/i, '');
      for (const e of await unzip(bytes, file.name)) out.push({ path: `${stem}/${e.path}`, bytes: e.bytes });
    } else out.push({ path, bytes });
  }
  return out;
}

/** The files of a drop: folders walked where the browser exposes entries, else the plain file list. */
export async function runFilesOfDrop(data: DataTransfer): Promise<RunFile[]> {
  const entries = Array.from(data.items ?? []).filter((i) => i.kind === 'file').map((i) => i.webkitGetAsEntry?.() ?? null);
  const found: { path: string; file: File }[] = [];
  if (entries.length > 0 && entries.every((e) => e !== null)) for (const e of entries) await walk(e!, found);
  else for (const file of Array.from(data.files)) found.push({ path: file.name, file });
  return readRunFiles(found);
}

/** Picked files (a folder picker gives webkitRelativePath). */
export function runFilesOfList(list: FileList | File[]): Promise<RunFile[]> {
  return readRunFiles(Array.from(list).map((file) => ({ path: file.webkitRelativePath || file.name, file })));
}
