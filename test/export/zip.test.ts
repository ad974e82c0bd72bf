import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/engine/random.ts';
import { crc32, zip } from '../../src/export/zip.ts';
import { readZipWithPython } from './python-zip.ts';

const utf8 = (s: string) => new TextEncoder().encode(s);

describe('crc32', () => {
  it('gives the check value of "123456789" and of the empty string', () => {
    expect(crc32(utf8('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    expect(crc32(utf8('The quick brown fox jumps over the lazy dog'))).toBe(0x414fa339);
  });

  it('continues across chunks and agrees with Python zlib.crc32', () => {
    const rng = new Rng(11);
    const data = Uint8Array.from({ length: 5000 }, () => rng.int(256));
    const split = crc32(data.subarray(1234), crc32(data.subarray(0, 1234)));
    expect(split).toBe(crc32(data));
    const python = execFileSync('python3', ['-c', 'import sys, zlib; print(zlib.crc32(sys.stdin.buffer.read()))'], { input: data, encoding: 'utf8' });
    expect(crc32(data)).toBe(Number(python.trim()));
  });
});

describe('zip', () => {
  it('writes an archive Python reads back intact: text, binary, UTF-8 names, folders, empty files', () => {
    const rng = new Rng(5);
    const binary = Uint8Array.from({ length: 70_000 }, () => rng.int(256));
    const entries = [
      { name: 'index.json', data: '{"stages": ["S1", "C1"]}' },
      { name: 'stages/C1 métamère ✓.bin', data: binary },
      { name: 'empty.txt', data: '' },
      { name: 'notes/readme.txt', data: 'grüße\n' },
    ];
    const modified = new Date(2024, 4, 17, 13, 45, 58); // local time, as zip stores it
    const archive = zip(entries, { modified });
    const read = readZipWithPython(archive);
    expect(read.testzip).toBeNull();
    expect(read.entries.map((e) => e.name)).toEqual(entries.map((e) => e.name));
    read.entries.forEach((e, i) => {
      const want = typeof entries[i].data === 'string' ? utf8(entries[i].data as string) : (entries[i].data as Uint8Array);
      expect(e.data).toEqual(want);
      expect(e.crc).toBe(crc32(want));
      expect(e.compressType).toBe(0);
      expect(e.flagBits & 0x800).toBe(0x800);
      expect(e.dateTime).toEqual([2024, 5, 17, 13, 45, 58]);
    });
    // Size is exactly headers + names + data + end record: stored, nothing else.
    const nameBytes = entries.reduce((n, e) => n + utf8(e.name).length, 0);
    const dataBytes = entries.reduce((n, e) => n + (typeof e.data === 'string' ? utf8(e.data).length : e.data.length), 0);
    expect(archive.length).toBe(entries.length * (30 + 46) + 2 * nameBytes + dataBytes + 22);
  });

  it('writes a valid empty archive and honours per-entry times', () => {
    expect(readZipWithPython(zip([]))).toEqual({ testzip: null, entries: [] });
    const read = readZipWithPython(zip([{ name: 'a.txt', data: 'a', modified: new Date(1999, 11, 31, 23, 59, 59) }], { modified: new Date(1970, 0, 1) }));
    expect(read.entries[0].dateTime).toEqual([1999, 12, 31, 23, 59, 58]); // 2-second resolution
    expect(readZipWithPython(zip([{ name: 'old.txt', data: 'x' }], { modified: new Date(1970, 0, 1) })).entries[0].dateTime).toEqual([1980, 1, 1, 0, 0, 0]);
  });

  it('refuses duplicate, absolute and escaping names', () => {
    expect(() => zip([{ name: 'a', data: '1' }, { name: 'a', data: '2' }])).toThrow(/duplicate/);
    expect(() => zip([{ name: '/etc/passwd', data: '' }])).toThrow(/relative/);
    expect(() => zip([{ name: 'x/../../y', data: '' }])).toThrow(/segment/);
    expect(() => zip([{ name: '', data: '' }])).toThrow(/empty/);
  });
});
