/**
 * The one error type for a model file the ONNX importer cannot take: corrupt or truncated
 * bytes, a feature the runner does not implement (an op, a dtype, external weights), or a
 * graph that breaks the ONNX rules. The UI and the CLI show `message` as is, so it is always
 * one line that names the file part at fault (input, initializer, node, op) and says what to do.
 */
export class OnnxImportError extends Error {
  constructor(message: string) {
    super(message.replace(/\s*\n\s*/g, ' '));
    this.name = 'OnnxImportError';
  }
}
