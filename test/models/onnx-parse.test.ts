/**
 * parseOnnx on hand-built files: what it reads (constants in every encoding, Constant nodes,
 * default node names, int64 saturation), and the one-line OnnxImportError for each kind of
 * file it refuses. Also the unsupported-op check and the runner's feed/value errors.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { useNodeBackend } from '../../src/platform/tf-node.ts';
import { parseOnnx } from '../../src/models/onnx/onnx-parse.ts';
import { OnnxImportError } from '../../src/models/onnx/onnx-errors.ts';
import { assertSupportedOps, unsupportedOps } from '../../src/models/onnx/onnx-ops.ts';
import { runOnnxGraph } from '../../src/models/onnx/onnx-runner.ts';
import { buildOnnx, encodeModel, floatTensor, modelProto, type GraphSpec } from './onnx-build.ts';

/** x [1, 2, 4, 4] -> Conv (w, b) -> Relu; the weights as raw bytes, the bias in float_data. */
function convSpec(extra: Partial<GraphSpec> = {}): GraphSpec {
  return {
    inputs: [{ name: 'x', dims: ['N', 2, 4, 4] }],
    outputs: ['y'],
    initializers: {
      w: floatTensor([3, 2, 1, 1], [1, 2, 3, 4, 5, 6]),
      b: { dims: [3], data: [0.5, -0.5, 0.25], type: 'float32', raw: false },
    },
    nodes: [
      { op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['c'] },
      { op: 'Relu', inputs: ['c'], outputs: ['y'], name: '' },
    ],
    ...extra,
  };
}

function parseError(bytes: Uint8Array, fileName?: string): string {
  try {
    parseOnnx(bytes, fileName);
  } catch (e) {
    expect(e).toBeInstanceOf(OnnxImportError);
    const message = (e as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('parseOnnx accepted the file');
}

describe('parseOnnx reads', () => {
  it('inputs, outputs, opset, producer, constants in raw and typed encodings, default node names', () => {
    const g = parseOnnx(buildOnnx(convSpec({ opset: 12, producer: 'pytorch' })));
    expect(g.opset).toBe(12);
    expect(g.producer).toBe('pytorch');
    expect(g.inputs).toEqual([{ name: 'x', dims: ['N', 2, 4, 4], dataType: 'float32' }]);
    expect(g.outputs.map((o) => o.name)).toEqual(['y']);
    expect(Array.from(g.constants.get('w')!.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(g.constants.get('w')!.dims).toEqual([3, 2, 1, 1]);
    expect(Array.from(g.constants.get('b')!.data)).toEqual([0.5, -0.5, 0.25]);
    expect(g.nodes.map((n) => n.name)).toEqual(['Conv_0', 'Relu_1']);
  });

  it('int64 (saturated to int32), float64, int32 and uint8 constants, and Constant node values', () => {
    const big = 2 ** 40;
    const g = parseOnnx(buildOnnx(convSpec({
      initializers: {
        ...convSpec().initializers,
        i64: { dims: [3], data: [-big, 7, big], type: 'int64' },
        i64typed: { dims: [2], data: [3, -4], type: 'int64', raw: false },
        f64: { dims: [2], data: [0.1, 1e-30], type: 'float64' },
        i32: { dims: [1], data: [-9], type: 'int32' },
        u8: { dims: [2], data: [0, 255], type: 'uint8' },
      },
      nodes: [
        ...convSpec().nodes,
        { op: 'Constant', inputs: [], outputs: ['k'], attrs: { value_ints: [4, -1] } },
      ],
    })));
    const data = (name: string) => Array.from(g.constants.get(name)!.data);
    expect(data('i64')).toEqual([-(2 ** 31), 7, 2 ** 31 - 1]);
    expect(data('i64typed')).toEqual([3, -4]);
    expect(data('f64')).toEqual([Math.fround(0.1), Math.fround(1e-30)]);
    expect(data('i32')).toEqual([-9]);
    expect(data('u8')).toEqual([0, 255]);
    expect(data('k')).toEqual([4, -1]);
    expect(g.constants.get('k')!.dataType).toBe('int64');
  });
});

describe('parseOnnx refuses', () => {
  it('empty, non-ONNX and truncated files, naming the file', () => {
    expect(parseError(new Uint8Array(), 'm.onnx')).toBe('"m.onnx" is empty, not an ONNX model');
    expect(parseError(new TextEncoder().encode('<html>not a model</html>'), 'page.onnx')).toMatch(/^"page\.onnx" is not an ONNX model/);
    const bytes = buildOnnx(convSpec());
    expect(parseError(bytes.slice(0, Math.floor(bytes.length * 0.6)), 'cut.onnx')).toMatch(/^"cut\.onnx" is not an ONNX model or is truncated \(protobuf decoding failed: /);
    expect(parseError(encodeModel({ irVersion: 7, opsetImport: [{ domain: '', version: 13 }] }))).toBe('the file is not an ONNX model: it holds no graph');
  });

  it('weights stored in an external file', () => {
    const spec = convSpec();
    spec.initializers!.w = { ...spec.initializers!.w, extra: { dataLocation: 1, externalData: [{ key: 'location', value: 'weights.bin' }] } };
    expect(parseError(buildOnnx(spec))).toBe(
      'initializer "w" keeps its data in an external file ("weights.bin"): re-export with the weights inside the .onnx file ' +
        '(onnx.save(model, path, save_as_external_data=False))',
    );
  });

  it('several inputs, dynamic or unknown sizes, a batch other than 1, non-float inputs', () => {
    const two = convSpec({ inputs: [{ name: 'x', dims: [1, 2, 4, 4] }, { name: 'mask', dims: [1, 4] }] });
    expect(parseError(buildOnnx(two))).toBe('the graph has 2 inputs ("x", "mask"); only models with one input are supported');
    expect(parseError(buildOnnx(convSpec({ inputs: [{ name: 'x', dims: ['N', 2, 'height', 4] }] }))))
      .toBe('input "x" has dynamic dim "height": export with a fixed input size');
    expect(parseError(buildOnnx(convSpec({ inputs: [{ name: 'x', dims: [1, 2, null, 4] }] }))))
      .toBe('input "x" has dynamic dim 2 (no size given): export with a fixed input size');
    expect(parseError(buildOnnx(convSpec({ inputs: [{ name: 'x', dims: [4, 2, 4, 4] }] }))))
      .toBe('input "x" has batch size 4: export with a batch of 1');
    expect(parseError(buildOnnx(convSpec({ inputs: [{ name: 'x', dims: [1, 2, 4, 4], elemType: 7 }] }))))
      .toBe('input "x" has data type int64 (only float32 inputs are supported)');
  });

  it('unsupported data types and mis-sized data', () => {
    const half = convSpec();
    half.initializers!.w = { dims: [3, 2, 1, 1], data: [0, 0, 0, 0, 0, 0], type: 'float16' };
    expect(parseError(buildOnnx(half))).toBe('initializer "w" has data type float16 (supported: float32, float64, int64, int32, int8, uint8, bool)');
    const short = convSpec();
    short.initializers!.w = floatTensor([3, 2, 1, 1], [1, 2, 3]);
    expect(parseError(buildOnnx(short))).toBe('initializer "w" holds 12 bytes of data but its dims [3,2,1,1] need 24 (truncated or corrupt file)');
  });

  it('nodes out of topological order, and reads of values nothing produces', () => {
    const spec = convSpec();
    spec.nodes = [spec.nodes[1], spec.nodes[0]];
    expect(parseError(buildOnnx(spec))).toBe('nodes are not in topological order: node "Relu_0" (Relu) reads "c" before node "Conv_1" produces it');
    const dangling = convSpec();
    dangling.nodes[1] = { op: 'Relu', inputs: ['ghost'], outputs: ['y'] };
    expect(parseError(buildOnnx(dangling))).toBe('node "Relu_1" (Relu) reads value "ghost", which no node, input or initializer produces');
  });
});

describe('unsupported ops', () => {
  const spec = convSpec({
    nodes: [
      { op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['c'] },
      { op: 'Foo', inputs: ['c'], outputs: ['f'], name: 'bar' },
      { op: 'Relu', inputs: ['f'], outputs: ['r'] },
      { op: 'FusedThing', domain: 'com.microsoft', inputs: ['r'], outputs: ['g'], name: 'fused' },
      { op: 'Foo', inputs: ['g'], outputs: ['y'], name: 'baz' },
    ],
  });
  const graph = parseOnnx(buildOnnx(spec));

  it('lists every unsupported node and names the first in one line', () => {
    expect(unsupportedOps(graph)).toEqual([
      { op: 'Foo', node: 'bar' }, { op: 'com.microsoft.FusedThing', node: 'fused' }, { op: 'Foo', node: 'baz' },
    ]);
    expect(() => assertSupportedOps(graph)).toThrow(
      /^unsupported ONNX op "Foo" at node "bar"; 2 more unsupported node\(s\): com\.microsoft\.FusedThing, Foo \(supported: .*\bConv\b.*\)$/,
    );
  });

  it('does not stop the runner from computing values before them', async () => {
    await useNodeBackend('cpu');
    const x = tf.ones([1, 2, 4, 4]);
    const out = runOnnxGraph(graph, { x }, ['c']);
    expect(out.c.shape).toEqual([1, 3, 4, 4]);
    expect(() => runOnnxGraph(graph, { x }, ['r'])).toThrow(/^unsupported ONNX op "Foo" at node "bar"/);
    tf.dispose([x, out.c]);
  });
});

describe('runner input errors', () => {
  beforeAll(async () => {
    await useNodeBackend('cpu');
  });
  const graph = parseOnnx(buildOnnx(convSpec()));

  it('names a missing or mis-shaped feed and an unknown value', () => {
    const x = tf.ones([1, 2, 4, 5]);
    expect(() => runOnnxGraph(graph, { input: x }, ['y'])).toThrow('no tensor fed for ONNX input "x" (fed: input)');
    expect(() => runOnnxGraph(graph, { x }, ['y'])).toThrow('ONNX input "x" needs shape [N,2,4,4], got [1,2,4,5]');
    const ok = tf.ones([1, 2, 4, 4]);
    expect(() => runOnnxGraph(graph, { x: ok }, ['nope'])).toThrow('ONNX value "nope" is not in the graph (not the input, an initializer or a node output)');
    tf.dispose([x, ok]);
  });

  it('returns tensors the caller owns: the input and constants are copies', () => {
    const x = tf.ones([1, 2, 4, 4]);
    const before = tf.memory().numTensors;
    const out = runOnnxGraph(graph, { x }, ['x', 'w', 'y']);
    expect(out.x).not.toBe(x);
    tf.dispose(Object.values(out));
    expect(tf.memory().numTensors).toBe(before);
    expect(x.isDisposed).toBe(false);
    x.dispose();
  });
});

// modelProto is exported for tests that edit a model before encoding; keep it exercised.
it('modelProto + encodeModel equal buildOnnx', () => {
  expect(encodeModel(modelProto(convSpec()))).toEqual(buildOnnx(convSpec()));
});
