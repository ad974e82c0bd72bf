/**
 * A minimal ZIP reader (PKWARE APPNOTE 6.3) for opening run folders zipped by the user or by
 * the grid export: reads the central directory, then each entry, stored (method 0) or deflated
 * (method 8, through the platform's DecompressionStream('deflate-raw'): browsers and Node >= 18).
 * CRC-32 is checked. No ZIP64, no encryption: such archives are refused with a clear message.
 */
import { crc32 } from './zip.ts';

export interface UnzippedEntry {
  /** Path inside the archive, '/'-separated. */
  path: string;
  bytes: Uint8Array;
}

export class ZipReadError extends Error {}

async function inflateRaw(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The files of a zip archive (folders left out); `name` names the archive in errors. */
export async function unzip(bytes: Uint8Array, name = 'the zip file'): Promise<UnzippedEntry[]> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (why: string): never => {
    throw new ZipReadError(`${name}: ${why}`);
  };
  // End of central directory: 22 bytes plus a comment of up to 65,535 bytes, at the end.
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) fail('not a zip archive (no end-of-central-directory record)');
  const count = view.getUint16(eocd + 10, true);
  let at = view.getUint32(eocd + 16, true);
  if (count === 0xffff || at === 0xffffffff) fail('ZIP64 archives are not supported');
  const decoder = new TextDecoder();
  const out: UnzippedEntry[] = [];
  for (let k = 0; k < count; k++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== 0x02014b50) fail('the central directory is damaged');
    const flags = view.getUint16(at + 8, true);
    const method = view.getUint16(at + 10, true);
    const crc = view.getUint32(at + 16, true);
    const packed = view.getUint32(at + 20, true);
    const size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const local = view.getUint32(at + 42, true);
    const path = decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength));
    at += 46 + nameLength + extraLength + commentLength;
    if (path.endsWith('/')) continue;
    if (flags & 1) fail(`"${path}" is encrypted`);
    if (local + 30 > bytes.length || view.getUint32(local, true) !== 0x04034b50) fail(`the entry "${path}" is damaged`);
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    if (start + packed > bytes.length) fail(`the entry "${path}" is truncated`);
    const raw = bytes.subarray(start, start + packed);
    let data: Uint8Array;
    if (method === 0) data = raw.slice();
    else if (method === 8) data = await inflateRaw(raw).catch((e: unknown) => fail(`"${path}" cannot be inflated (${e instanceof Error ? e.message : String(e)})`));
    else data = fail(`"${path}" uses compression method ${method} (only stored and deflate are supported)`);
    if (data.length !== size || crc32(data) !== crc) fail(`"${path}" is corrupt (size or CRC-32 mismatch)`);
    out.push({ path, bytes: data });
  }
  return out;
}
