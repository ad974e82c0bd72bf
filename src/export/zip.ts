/**
 * A minimal ZIP writer (PKWARE APPNOTE 6.3): entries are stored uncompressed (method 0),
 * because the payloads are PNG/WAV (already compressed or barely compressible) and small JSON.
 * Each entry gets a local header with its CRC-32 and sizes, then a central directory and the
 * end-of-central-directory record. Names are UTF-8 (general-purpose flag bit 11). No ZIP64:
 * archives over 4 GiB or 65,535 entries are refused.
 */

export interface ZipEntry {
  /** Path inside the archive, '/'-separated, e.g. "stages/C1.png". */
  name: string;
  /** Bytes, or text stored as UTF-8. */
  data: Uint8Array | string;
  /** Modification time (defaults to the archive's). */
  modified?: Date;
}

export interface ZipOptions {
  /** Modification time of entries that give none. Default: now. */
  modified?: Date;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (ISO-HDLC, the one ZIP and PNG use). Pass a previous result as `crc` to continue it. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** MS-DOS date and time words (local time, 2-second resolution, years 1980..2107). */
function dosDateTime(d: Date): { date: number; time: number } {
  const year = d.getFullYear();
  if (year < 1980) return { date: (1 << 5) | 1, time: 0 };
  if (year > 2107) return { date: (127 << 9) | (12 << 5) | 31, time: (23 << 11) | (59 << 5) | 29 };
  return {
    date: ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | (d.getSeconds() >> 1),
  };
}

function checkName(name: string): void {
  if (name.length === 0) throw new RangeError('zip entry names must not be empty');
  if (name.startsWith('/') || name.includes('\\') || /^[A-Za-z]:/.test(name)) {
    throw new RangeError(`zip entry name "${name}" must be a relative '/'-separated path`);
  }
  if (name.split('/').some((part) => part === '..' || part === '.' || part === '')) {
    throw new RangeError(`zip entry name "${name}" has an empty, "." or ".." segment`);
  }
}

const UTF8_FLAG = 0x0800;
const VERSION = 20; // 2.0: the version that introduced folders; enough for stored entries.

export function zip(entries: readonly ZipEntry[], options: ZipOptions = {}): Uint8Array {
  if (entries.length > 0xffff) throw new RangeError(`a zip without ZIP64 holds at most 65535 entries, got ${entries.length}`);
  const encoder = new TextEncoder();
  const seen = new Set<string>();
  const fallbackTime = options.modified ?? new Date();
  const prepared = entries.map((entry) => {
    checkName(entry.name);
    if (seen.has(entry.name)) throw new RangeError(`duplicate zip entry name "${entry.name}"`);
    seen.add(entry.name);
    const name = encoder.encode(entry.name);
    if (name.length > 0xffff) throw new RangeError(`zip entry name too long: ${entry.name.slice(0, 40)}...`);
    const data = typeof entry.data === 'string' ? encoder.encode(entry.data) : entry.data;
    return { name, data, crc: crc32(data), ...dosDateTime(entry.modified ?? fallbackTime) };
  });

  const localBytes = prepared.reduce((n, e) => n + 30 + e.name.length + e.data.length, 0);
  const centralBytes = prepared.reduce((n, e) => n + 46 + e.name.length, 0);
  const total = localBytes + centralBytes + 22;
  if (localBytes > 0xffffffff || centralBytes > 0xffffffff) throw new RangeError('zip too large without ZIP64 (4 GiB)');

  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let at = 0;
  const u16 = (v: number) => {
    view.setUint16(at, v, true);
    at += 2;
  };
  const u32 = (v: number) => {
    view.setUint32(at, v, true);
    at += 4;
  };
  const bytes = (b: Uint8Array) => {
    out.set(b, at);
    at += b.length;
  };

  const offsets: number[] = [];
  for (const e of prepared) {
    offsets.push(at);
    u32(0x04034b50); // local file header
    u16(VERSION);
    u16(UTF8_FLAG);
    u16(0); // method: stored
    u16(e.time);
    u16(e.date);
    u32(e.crc);
    u32(e.data.length); // compressed size
    u32(e.data.length); // uncompressed size
    u16(e.name.length);
    u16(0); // extra field length
    bytes(e.name);
    bytes(e.data);
  }

  const centralStart = at;
  prepared.forEach((e, i) => {
    u32(0x02014b50); // central directory file header
    u16(VERSION); // made by: MS-DOS attributes, spec 2.0
    u16(VERSION);
    u16(UTF8_FLAG);
    u16(0);
    u16(e.time);
    u16(e.date);
    u32(e.crc);
    u32(e.data.length);
    u32(e.data.length);
    u16(e.name.length);
    u16(0); // extra
    u16(0); // comment
    u16(0); // disk number start
    u16(0); // internal attributes
    u32(0); // external attributes
    u32(offsets[i]);
    bytes(e.name);
  });

  const centralSize = at - centralStart;
  u32(0x06054b50); // end of central directory
  u16(0);
  u16(0);
  u16(prepared.length);
  u16(prepared.length);
  u32(centralSize);
  u32(centralStart);
  u16(0); // comment length
  return out;
}
