/**
 * The files of a drop on any drop zone of the page: dropped folders are walked where the
 * browser exposes entries (paths keep the folder names), else the plain file list is taken.
 */

/** A dropped file with its path inside the drop and whether it came from a dropped folder. */
export interface DroppedFile {
  path: string;
  file: File;
  inFolder: boolean;
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

type Keep = (name: string, inFolder: boolean) => boolean;

async function walk(entry: FileSystemEntry, inFolder: boolean, keep: Keep, out: DroppedFile[]): Promise<void> {
  if (entry.isFile) {
    if (keep(entry.name, inFolder)) {
      out.push({ path: entry.fullPath.replace(/^\//, ''), file: await fileOf(entry as FileSystemFileEntry), inFolder });
    }
  } else if (entry.isDirectory) {
    for (const child of await entriesOf(entry as FileSystemDirectoryEntry)) await walk(child, true, keep, out);
  }
}

/**
 * The files of a drop, in drop order. `keep` filters the walked entries before they are
 * opened (default: all); the plain file list, used where entries are unavailable, is all kept.
 */
export async function droppedFiles(data: DataTransfer, keep: Keep = () => true): Promise<DroppedFile[]> {
  const entries = Array.from(data.items ?? [])
    .filter((item) => item.kind === 'file')
    .map((item) => item.webkitGetAsEntry?.() ?? null);
  const found: DroppedFile[] = [];
  if (entries.length > 0 && entries.every((e) => e !== null)) for (const e of entries) await walk(e!, false, keep, found);
  else for (const file of Array.from(data.files)) found.push({ path: file.name, file, inFolder: false });
  return found;
}
