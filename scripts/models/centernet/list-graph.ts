/**
 * Lists the nodes of a TF.js graph model (models/centernet/centernet.json by default): op,
 * name, inputs and, with --shapes, the output shape of every non-constant node for a zero
 * input (one execute per node; slow but only for inspection). Used to pick the stages of
 * models/centernet/manifest.json.
 *
 *   npx tsx scripts/models/centernet/list-graph.ts [path/to/model.json] [--shapes] [--filter text]
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

interface GraphNode {
  name: string;
  op: string;
  input?: string[];
}

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const modelPath = resolve(args.find((a) => a.endsWith('.json')) ?? join(here, '../../../models/centernet/centernet.json'));
const withShapes = args.includes('--shapes');
const filterAt = args.indexOf('--filter');
const filter = filterAt >= 0 ? args[filterAt + 1] : '';

const json = JSON.parse(readFileSync(modelPath, 'utf8'));
const nodes: GraphNode[] = json.modelTopology.node;
const live = nodes.filter((n) => n.op !== 'Const' && n.name.includes(filter));

let shapeOf: (name: string) => string = () => '';
if (withShapes) {
  const { useNodeBackend } = await import('../../../src/platform/tf-node.ts');
  const tf = await useNodeBackend('wasm');
  const bin = readFileSync(join(dirname(modelPath), json.weightsManifest[0].paths[0]));
  const model = await tf.loadGraphModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((g: { weights: unknown[] }) => g.weights),
      weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
    }),
  );
  const input = model.inputs[0];
  const x = tf.zeros(input.shape!.map((d) => (d < 0 ? 1 : d)));
  shapeOf = (name) => {
    try {
      const y = model.execute(x, name) as import('@tensorflow/tfjs').Tensor;
      const s = `[${y.shape.join(',')}]`;
      if (y !== x) y.dispose(); // executing the placeholder returns the input itself
      return s;
    } catch (e) {
      return `(${(e as Error).message.slice(0, 60)})`;
    }
  };
}

console.log(`${modelPath}: ${nodes.length} nodes, ${nodes.length - nodes.filter((n) => n.op === 'Const').length} non-constant`);
const counts = new Map<string, number>();
for (const n of nodes) counts.set(n.op, (counts.get(n.op) ?? 0) + 1);
console.log('ops:', [...counts].map(([op, c]) => `${op} ${c}`).join(', '));
for (const n of live) {
  const inputs = (n.input ?? []).filter((i) => !nodes.some((m) => m.name === i && m.op === 'Const'));
  console.log(`${n.op.padEnd(28)} ${n.name} ${shapeOf(n.name)}  <- ${inputs.join(', ')}`);
}
