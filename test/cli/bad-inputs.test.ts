/**
 * The bad-input audit's examples (issue 13), each refused with one line naming the file and
 * the problem - or, for the valid 1-bit grey PNG, accepted.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode as encodePng } from 'fast-png';
import { prepareInput } from '../../src/cli/prepare-input.ts';
import { writeNpy } from '../../src/io/npy.ts';
import { useNodeBackend } from '../../src/platform/tf-node.ts';
import type { InputSpec } from '../../src/engine/types.ts';
import { cliInProcess } from './run-cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'metamer-bad-'));
const rgb96: InputSpec = { modality: 'image', shape: [96, 96, 3], range: [0, 1], init: { mean: 0.5, std: 0.05 } };

function npy(name: string, data: Float32Array, shape: number[]): string {
  const path = join(dir, name);
  writeFileSync(path, writeNpy(data, shape));
  return path;
}

/** A .npy of int64 values (numpy's '<i8'), written by hand. */
function int64Npy(name: string, values: bigint[]): string {
  const dict = `{'descr': '<i8', 'fortran_order': False, 'shape': (${values.length},), }`;
  const header = `${dict}${' '.repeat(117 - dict.length)}\n`;
  const out = new Uint8Array(10 + header.length + 8 * values.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  const view = new DataView(out.buffer);
  view.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  values.forEach((v, i) => view.setBigInt64(10 + header.length + 8 * i, v, true));
  const path = join(dir, name);
  writeFileSync(path, out);
  return path;
}

beforeAll(async () => {
  await useNodeBackend('cpu');
});

describe('arrays: exact shapes, finite values, exact integers', () => {
  it('[1, 3, 96, 96] and [3, 96, 96] for a [96, 96, 3] input are refused with a transpose hint', async () => {
    const n = 96 * 96 * 3;
    const batched = npy('chw-batch.npy', new Float32Array(n), [1, 3, 96, 96]);
    await expect(prepareInput(batched, rgb96)).rejects.toThrow(
      `${batched} has shape [1,3,96,96] (27648 values); the model's input is [96,96,3] (a leading batch of 1 is fine): the same dims in another order (channels first?); transpose it, e.g. np.transpose(x, (0, 2, 3, 1))`,
    );
    const chw = npy('chw.npy', new Float32Array(n), [3, 96, 96]);
    await expect(prepareInput(chw, rgb96)).rejects.toThrow(/chw\.npy has shape \[3,96,96\] .* np\.transpose\(x, \(1, 2, 0\)\)/);
    // A leading batch of 1 in the right layout is fine.
    const ok = await prepareInput(npy('hwc-batch.npy', new Float32Array(n).fill(0.25), [1, 96, 96, 3]), rgb96);
    expect(ok.tensor.shape).toEqual([1, 96, 96, 3]);
    ok.tensor.dispose();
  });

  it('a NaN pixel is refused (not "clipped"); one out-of-range value is counted in the singular', async () => {
    const data = new Float32Array(96 * 96 * 3);
    data[5] = NaN;
    const path = npy('nan.npy', data, [96, 96, 3]);
    await expect(prepareInput(path, rgb96)).rejects.toThrow(`${path}: element 5 (of shape [96,96,3]) is NaN; NaN and Infinity are not accepted`);
    data[5] = 2;
    const one = await prepareInput(npy('one.npy', data, [96, 96, 3]), rgb96);
    expect(one.description).toMatch(/, 1 value outside the model's range clipped to \[0, 1\]$/);
    one.tensor.dispose();
  });

  it('int64 values float32 cannot hold exactly (above 2^24) are refused, naming the file', async () => {
    const spec: InputSpec = { modality: 'audio', shape: [2], range: [0, 2 ** 30], init: { mean: 0, std: 1 } };
    const exact = await prepareInput(int64Npy('exact.npy', [16777216n, 3n]), spec);
    expect(Array.from(exact.tensor.dataSync())).toEqual([16777216, 3]);
    exact.tensor.dispose();
    const path = int64Npy('int64.npy', [16777217n, 3n]);
    await expect(prepareInput(path, spec)).rejects.toThrow(`${path}: element 0 is 16777217, which float32 cannot hold exactly`);
  });

  it('metrics refuses NaN or Infinity, naming the file', async () => {
    const a = npy('ma.npy', Float32Array.from([1, 2, 3]), [3]);
    const b = npy('mb.npy', Float32Array.from([1, Infinity, 3]), [3]);
    const r = await cliInProcess(['metrics', a, b]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`metamer metrics: error: ${b}: element 1 (of shape [3]) is Infinity; NaN and Infinity are not accepted\n`);
  });
});

describe('images', () => {
  it('a 0x0 PNG is refused; a valid 1-bit grey PNG is accepted', async () => {
    const png = encodePng({ width: 2, height: 2, data: new Uint8Array(4), channels: 1, depth: 8 });
    new DataView(png.buffer).setUint32(16, 0);
    new DataView(png.buffer).setUint32(20, 0);
    const empty = join(dir, 'empty.png');
    writeFileSync(empty, png);
    await expect(prepareInput(empty, rgb96)).rejects.toThrow(`${empty}: the header says the image has no pixels (0x0)`);
    const bits = join(dir, 'bits.png');
    // 24 x 24 pixels, 1 bit each: a checkerboard of 8-pixel squares.
    const rows = Array.from({ length: 24 }, (_, y) => [0, 1, 2].map((x) => (((x + Math.floor(y / 8)) % 2) === 0 ? 0xff : 0x00)));
    writeFileSync(bits, encodePng({ width: 24, height: 24, data: Uint8Array.from(rows.flat()), channels: 1, depth: 1 }));
    const grey: InputSpec = { modality: 'image', shape: [24, 24, 1], range: [0, 1], init: { mean: 0.5, std: 0.05 } };
    const { tensor, description } = await prepareInput(bits, grey);
    const px = tensor.dataSync();
    expect([px[0], px[8], px[16], px[8 * 24]]).toEqual([1, 0, 1, 0]);
    expect(description).toBe('read 24x24x1');
    tensor.dispose();
  });
});

describe('arguments and output folders', () => {
  it('--steps -5 gets the option\'s own message, not "ambiguous"', async () => {
    const r = await cliInProcess(['generate', '--model', 'fmnist-alexnet', '--stage', 'relu0', '--input', 'x.npy', '--out', dir, '--steps', '-5']);
    expect(r.code).toBe(2);
    expect(r.err).toBe('metamer generate: --steps must be an integer >= 1, got "-5"\n');
  });

  it('--out under /proc fails at once instead of hanging', async () => {
    const input = npy('fm.npy', new Float32Array(28 * 28).fill(0.5), [28, 28, 1]);
    const out = join('/proc', 'metamer-test', 'out');
    const r = await cliInProcess(['generate', '--model', 'fmnist-alexnet', '--stage', 'relu0', '--input', input, '--out', out, '--steps', '1', '--backend', 'cpu']);
    expect(r.code).toBe(1);
    expect(r.err.trimEnd().split('\n').at(-1)).toBe(`metamer generate: error: cannot create output folder ${out}: ENOENT`);
  });
});
