/** tfjs for the CLI: the chosen backend, without tfjs's Node advertising on stderr. */
import type * as tfTypes from '@tensorflow/tfjs';
import { useNodeBackend, type NodeBackend } from '../platform/tf-node.ts';

export async function cliBackend(name: NodeBackend): Promise<typeof tfTypes> {
  const tf = await import('@tensorflow/tfjs');
  // PROD silences tfjs's "install tfjs-node" banner, which would break the one-line error rule.
  tf.env().set('PROD', true);
  return useNodeBackend(name);
}
