/**
 * Reading a user's file in Node with the checks every CLI reader shares, before any byte is
 * read: it must exist, be a regular file (not a folder, FIFO or device such as /dev/zero,
 * which would never end) and be at most `maxBytes` long. Errors are one line naming the file.
 */
import { readFile, stat } from 'node:fs/promises';

/** 2 GiB: Node's Buffer limit, and far above any input this tool takes. */
export const MAX_FILE_BYTES = 2 ** 31 - 1;

export interface ReadFileOptions {
  /** What the file is, for messages ("model file", "input spec"); default "file". */
  what?: string;
  maxBytes?: number;
}

function errnoText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'ENOENT (no such file)';
  if (code === 'EACCES' || code === 'EPERM') return `${code} (permission denied)`;
  return code ?? (e as Error).message;
}

/** A read failure; `code` is the system error code (ENOENT, EACCES, ...) when there was one. */
export class UserFileError extends Error {
  constructor(message: string, readonly code?: string) {
    super(message);
    this.name = 'UserFileError';
  }
}

/** The file's bytes, after the checks above. */
export async function readUserFile(path: string, opts: ReadFileOptions = {}): Promise<Buffer> {
  const what = opts.what ?? 'file';
  const max = opts.maxBytes ?? MAX_FILE_BYTES;
  let size: number;
  try {
    const s = await stat(path);
    if (s.isDirectory()) throw new UserFileError(`cannot read ${what} ${path}: it is a folder, not a file`, 'EISDIR');
    if (!s.isFile()) throw new UserFileError(`cannot read ${what} ${path}: not a regular file (a device, FIFO or socket)`);
    size = s.size;
  } catch (e) {
    if (e instanceof UserFileError) throw e;
    throw new UserFileError(`cannot read ${what} ${path}: ${errnoText(e)}`, (e as NodeJS.ErrnoException).code);
  }
  if (size > max) throw new UserFileError(`${what} ${path} is ${size} bytes; at most ${max} are accepted`);
  try {
    return await readFile(path);
  } catch (e) {
    throw new UserFileError(`cannot read ${what} ${path}: ${errnoText(e)}`, (e as NodeJS.ErrnoException).code);
  }
}
