/**
 * The generated protobuf classes of npm `onnx-proto` (ModelProto, TensorProto, ...).
 * The package is CommonJS that assigns its namespace at run time, so Node's ESM loader sees
 * no named export `onnx` (only `default`), while bundlers may expose either; this picks
 * whichever is there so parser, tests and the oracle all import the same object.
 */
import * as onnxModule from 'onnx-proto';

type OnnxNamespace = typeof onnxModule.onnx;

const mod = onnxModule as unknown as { onnx?: OnnxNamespace; default?: { onnx?: OnnxNamespace } };

export const onnx: OnnxNamespace = (mod.onnx ?? mod.default?.onnx)!;
if (!onnx) throw new Error('npm package "onnx-proto" did not load (no "onnx" namespace)');
