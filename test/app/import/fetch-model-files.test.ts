import { describe, expect, it } from 'vitest';
import { fetchModelFiles, shardPaths } from '../../../src/app/import/fetch-model-files.ts';

/** A fake server: URL -> body (string or bytes); anything else is a 404. Records what was asked. */
function server(files: Record<string, string | Uint8Array>) {
  const asked: string[] = [];
  const fetchFn = async (url: string): Promise<Response> => {
    asked.push(url);
    const body = files[url];
    if (body === undefined) return new Response('no', { status: 404, statusText: 'Not Found' });
    return new Response(typeof body === 'string' ? body : new Uint8Array(body));
  };
  return { fetchFn, asked };
}

const text = (b: ArrayBuffer) => new TextDecoder().decode(b);

describe('import from a URL', () => {
  it('downloads an .onnx file as one file named after the path', async () => {
    const { fetchFn } = server({ 'https://x.org/nets/alex%20net.onnx': Uint8Array.of(8, 1, 2) });
    const files = await fetchModelFiles(' https://x.org/nets/alex%20net.onnx ', fetchFn);
    expect(files.map((f) => f.name)).toEqual(['alex net.onnx']);
    expect(Array.from(new Uint8Array(files[0].bytes))).toEqual([8, 1, 2]);
  });

  it('downloads a model.json and every shard it lists, relative to it (also from a relative address)', async () => {
    const json = JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['g1-shard1of2.bin', 'g1-shard2of2.bin'] }, { paths: ['sub/g2.bin'] }] });
    const { fetchFn, asked } = server({
      'https://h.org/m/model.json': json,
      'https://h.org/m/g1-shard1of2.bin': Uint8Array.of(1),
      'https://h.org/m/g1-shard2of2.bin': Uint8Array.of(2),
      'https://h.org/m/sub/g2.bin': Uint8Array.of(3),
    });
    const files = await fetchModelFiles('m/model.json', fetchFn, 'https://h.org/page/../');
    expect(asked[0]).toBe('https://h.org/m/model.json');
    expect(files.map((f) => f.name)).toEqual(['model.json', 'g1-shard1of2.bin', 'g1-shard2of2.bin', 'sub/g2.bin']);
    expect(text(files[0].bytes)).toBe(json);
    expect(files.slice(1).map((f) => new Uint8Array(f.bytes)[0])).toEqual([1, 2, 3]);
  });

  it('says which address failed and how', async () => {
    const { fetchFn } = server({ 'https://h.org/model.json': JSON.stringify({ weightsManifest: [{ paths: ['gone.bin'] }] }), 'https://h.org/bad.json': '{nope' });
    await expect(fetchModelFiles('https://h.org/model.json', fetchFn)).rejects.toThrow('could not download https://h.org/gone.bin: HTTP 404 Not Found');
    await expect(fetchModelFiles('https://h.org/bad.json', fetchFn)).rejects.toThrow(/^bad\.json from https:\/\/h\.org\/bad\.json is not valid JSON/);
    const offline = async () => { throw new TypeError('Failed to fetch'); };
    await expect(fetchModelFiles('https://h.org/a.onnx', offline)).rejects.toThrow(
      'could not download https://h.org/a.onnx: Failed to fetch (offline, a wrong address, or a server that refuses cross-origin requests)');
    await expect(fetchModelFiles('   ', fetchFn)).rejects.toThrow('enter the address of an .onnx file or a TF.js model.json');
    await expect(fetchModelFiles('ftp://h.org/a.onnx', fetchFn)).rejects.toThrow('"ftp://h.org/a.onnx" is not an http(s) address');
    await expect(fetchModelFiles('no address', fetchFn)).rejects.toThrow('"no address" is not a web address');
  });

  it('reads shard paths and rejects a malformed weightsManifest', () => {
    expect(shardPaths({ modelTopology: {} }, 'model.json')).toEqual([]);
    expect(() => shardPaths({ weightsManifest: {} }, 'model.json')).toThrow('model.json: weightsManifest is not a list');
    expect(() => shardPaths({ weightsManifest: [{ paths: [1] }] }, 'model.json')).toThrow('model.json: a weightsManifest entry has no list of paths');
  });
});
