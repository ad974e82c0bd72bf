/** `metamer models [--json]`: the built-in models, their stages and whether a null exists. */
import { parse } from '../args.ts';
import type { CliIo } from '../io.ts';
import type { Command } from './command.ts';
import { listBuiltinModels } from '../../models/registry.ts';
import { nodeModelSource } from '../../models/source-node.ts';

export interface ModelRow {
  id: string;
  name: string;
  modality: string;
  stages: string[];
  null: boolean;
}

export async function modelRows(root?: string): Promise<ModelRow[]> {
  const manifests = await listBuiltinModels(nodeModelSource(root));
  return manifests.map((m) => ({
    id: m.id,
    name: m.name,
    modality: m.inputSpec.modality,
    stages: m.stages.map((s) => s.name),
    null: Boolean(m.null),
  }));
}

export const modelsCommand: Command = {
  name: 'models',
  summary: 'list the built-in models (id, modality, stages, null distribution)',
  usage: `Usage: metamer models [--json] [--models-dir DIR]

Lists the built-in models under models/: id, modality, stages (shallow to deep) and
whether a null distribution (needed for the success test) is stored.`,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values } = parse(argv, { help: { type: 'boolean', short: 'h' }, json: { type: 'boolean' }, 'models-dir': { type: 'string' } });
    if (values.help) {
      io.out(`${this.usage}\n`);
      return 0;
    }
    const rows = await modelRows(values['models-dir']);
    if (values.json) {
      io.out(`${JSON.stringify(rows, null, 2)}\n`);
      return 0;
    }
    const w = Math.max(2, ...rows.map((r) => r.id.length));
    io.out(`${'id'.padEnd(w)}  modality  null  stages\n`);
    for (const r of rows) io.out(`${r.id.padEnd(w)}  ${r.modality.padEnd(8)}  ${(r.null ? 'yes' : 'no').padEnd(4)}  ${r.stages.join(', ')}\n`);
    return 0;
  },
};
