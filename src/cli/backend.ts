/** tfjs for the CLI: the chosen backend, without tfjs's Node advertising on stderr. */
import type * as tfTypes from '@tensorflow/tfjs';
import { useNodeBackend, type AnyNodeBackend } from '../platform/tf-node.ts';
import { describeAdapter, prepareNodeWebGpu } from '../platform/webgpu-node.ts';
import type { BackendChoice } from './args.ts';
import type { CliIo } from './io.ts';

/**
 * Starts the backend. WebGPU says on stderr (through `io`) which adapter it runs on, and
 * warns when that is a software device.
 */
export async function cliBackend(choice: AnyNodeBackend | BackendChoice, io?: CliIo): Promise<typeof tfTypes> {
  const { name, allowSoftwareGpu } = typeof choice === 'string' ? { name: choice, allowSoftwareGpu: undefined } : choice;
  const tf = await import('@tensorflow/tfjs');
  // PROD silences tfjs's "install tfjs-node" banner, which would break the one-line error rule.
  tf.env().set('PROD', true);
  if (name === 'webgpu') {
    const adapter = await prepareNodeWebGpu({ allowSoftwareGpu });
    const line = adapter.software
      ? `backend: webgpu on ${describeAdapter(adapter)} (no GPU found; software allowed): far slower than a GPU, and than --backend wasm`
      : `backend: webgpu on ${describeAdapter(adapter)}`;
    io?.err(`${line}\n`);
  }
  return useNodeBackend(name, { allowSoftwareGpu });
}
