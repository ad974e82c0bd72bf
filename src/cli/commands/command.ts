import type { CliIo } from '../io.ts';

/** One `metamer <name>` subcommand. Throws UsageError (exit 2) or Error (exit 1). */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[], io: CliIo): Promise<number>;
}
