/**
 * Files dropped on (or picked for) "Open runs" as RunFiles with their paths: dropped folders are
 * walked (entry paths keep the folder names, so each run folder stays apart), and zip archives
 * are expanded (their entries under the archive's name).
 */
import type { RunFile } from '../export/open-run.ts';
import { unzip } from '../export/unzip.ts';
import { droppedFiles } from './dropped-entries.ts';

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
  return readRunFiles(await droppedFiles(data));
}

/** Picked files (a folder picker gives webkitRelativePath). */
export function runFilesOfList(list: FileList | File[]): Promise<RunFile[]> {
  return readRunFiles(Array.from(list).map((file) => ({ path: file.webkitRelativePath || file.name, file })));
}
