/**
 * Test oracle for the ONNX importer: runs onnxruntime-web (wasm, one thread) in Node on the
 * same model bytes the importer parses, and returns any intermediate values asked for.
 *
 * onnxruntime only returns declared graph outputs, so the ModelProto is decoded with
 * onnx-proto, each wanted value is appended to graph.output (float tensor, shape left
 * unknown so ort infers it), and the edited bytes are what the session loads. Nothing is
 * fetched: in Node the wasm binary is read from node_modules/onnxruntime-web/dist.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as ort from 'onnxruntime-web';
import { onnx } from '../../src/models/onnx/onnx-proto.ts';

export interface OracleTensor {
  data: Float32Array;
  dims: number[];
}

const FLOAT = onnx.TensorProto.DataType.FLOAT;

let configured = false;

/** One thread (CI has 2 cores shared with tfjs) and the local wasm folder, never a CDN. */
function configureOrt(): void {
  if (configured) return;
  const require = createRequire(import.meta.url);
  const distDir = dirname(require.resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm'));
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  ort.env.wasm.wasmPaths = pathToFileURL(join(distDir, '/')).href;
  ort.env.logLevel = 'error';
  configured = true;
}

/** The model bytes with `extraOutputs` appended to the graph outputs (existing outputs kept). */
export function withExtraOutputs(bytes: Uint8Array, extraOutputs: readonly string[]): Uint8Array {
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph;
  if (!graph) throw new Error('onnx-oracle: model has no graph');
  graph.output = graph.output ?? [];
  const declared = new Set(graph.output.map((o) => o.name));
  const produced = new Set<string>((graph.input ?? []).map((i) => i.name ?? ''));
  for (const node of graph.node ?? []) for (const out of node.output ?? []) produced.add(out);
  for (const name of extraOutputs) {
    if (declared.has(name)) continue;
    if (!produced.has(name)) throw new Error(`onnx-oracle: value "${name}" is not produced by any node of the graph`);
    graph.output.push(onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: FLOAT } } }));
    declared.add(name);
  }
  return onnx.ModelProto.encode(model).finish();
}

/**
 * Runs the model once. `feeds` maps graph input names to float32 data + dims; `wanted` lists
 * value names (graph outputs or any intermediate float value; repeats are fine). Returns copies, so the ort
 * session can be released before the caller compares.
 */
export async function runOnnxOracle(
  bytes: Uint8Array,
  feeds: Record<string, OracleTensor>,
  wanted: readonly string[],
): Promise<Record<string, OracleTensor>> {
  configureOrt();
  const names = [...new Set(wanted)];
  const session = await ort.InferenceSession.create(withExtraOutputs(bytes, names), {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'disabled', // keep every intermediate value as exported (no fusion)
  });
  try {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = new ort.Tensor('float32', t.data, t.dims);
    const results = await session.run(ortFeeds, names);
    const out: Record<string, OracleTensor> = {};
    for (const name of names) {
      const t = results[name];
      if (t.type !== 'float32') throw new Error(`onnx-oracle: value "${name}" is ${t.type}, expected float32`);
      out[name] = { data: Float32Array.from(t.data as Float32Array), dims: t.dims.map(Number) };
      t.dispose();
    }
    return out;
  } finally {
    await session.release();
  }
}
