/**
 * `metamer batch plan|run|status|summary`: many metamers on the schedulers researchers have
 * (Slurm arrays, Kubernetes Indexed Jobs), one folder per batch, one summary at the end.
 */
import { UsageError } from '../errors.ts';
import type { CliIo } from '../io.ts';
import type { Command } from './command.ts';
import { batchPlan, PLAN_USAGE } from '../batch/plan-command.ts';
import { batchRun, RUN_USAGE } from '../batch/run-command.ts';
import { batchStatus, STATUS_USAGE } from '../batch/status-command.ts';
import { batchSummary, SUMMARY_USAGE } from '../batch/summary-command.ts';

const SUBCOMMANDS: Record<string, (argv: string[], io: CliIo) => Promise<number>> = {
  plan: batchPlan,
  run: batchRun,
  status: batchStatus,
  summary: batchSummary,
};

export const batchCommand: Command = {
  name: 'batch',
  summary: 'many metamers (models x stages x references x seeds) as Slurm / Kubernetes array jobs',
  usage: `Usage: metamer batch plan|run|status|summary ...

${PLAN_USAGE}

${RUN_USAGE}

${STATUS_USAGE}

${SUMMARY_USAGE}`,
  async run(argv: string[], io: CliIo): Promise<number> {
    const [sub, ...rest] = argv;
    if (sub === undefined || sub === '--help' || sub === '-h') {
      io.out(`${this.usage}\n`);
      return sub === undefined ? 2 : 0;
    }
    const handler = SUBCOMMANDS[sub];
    if (!handler) throw new UsageError(`unknown batch subcommand "${sub}" (plan, run, status, summary)`);
    return handler(rest, io);
  },
};
