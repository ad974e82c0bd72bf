/**
 * Reads a zip with Python's zipfile (an independent implementation): testzip() and every
 * entry's name, bytes (base64), date_time and flags.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PythonZipEntry {
  name: string;
  data: Uint8Array;
  dateTime: number[];
  flagBits: number;
  compressType: number;
  crc: number;
}

export interface PythonZip {
  /** zipfile.testzip(): null when every CRC checks out, else the first bad name. */
  testzip: string | null;
  entries: PythonZipEntry[];
}

const SCRIPT = `
import base64, json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    bad = z.testzip()
    entries = [{'name': i.filename, 'data': base64.b64encode(z.read(i)).decode(), 'dateTime': list(i.date_time),
                'flagBits': i.flag_bits, 'compressType': i.compress_type, 'crc': i.CRC} for i in z.infolist()]
print(json.dumps({'testzip': bad, 'entries': entries}))
`;

export function readZipWithPython(bytes: Uint8Array): PythonZip {
  const dir = mkdtempSync(join(tmpdir(), 'zip-test-'));
  try {
    const file = join(dir, 'archive.zip');
    writeFileSync(file, bytes);
    const out = execFileSync('python3', ['-c', SCRIPT, file], { encoding: 'utf8' });
    const parsed = JSON.parse(out) as { testzip: string | null; entries: (Omit<PythonZipEntry, 'data'> & { data: string })[] };
    return {
      testzip: parsed.testzip,
      entries: parsed.entries.map((e) => ({ ...e, data: new Uint8Array(Buffer.from(e.data, 'base64')) })),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
