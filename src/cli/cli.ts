/**
 * The `metamer` command line: dispatch to one command, and the error policy - a usage
 * mistake exits with 2, any other failure with 1, each with ONE line on stderr (no stack
 * trace; set METAMER_DEBUG=1 to get it).
 */
import { EXIT_FAILURE, EXIT_USAGE, UsageError } from './errors.ts';
import type { CliIo } from './io.ts';
import type { Command } from './commands/command.ts';

/** Commands are imported on use, so that "--help" and light commands start fast (no tfjs). */
interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<Command>;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'activations',
    summary: "one stage's activations of a model (built-in or model file) for one input, as .npy",
    load: async () => (await import('./commands/activations.ts')).activationsCommand,
  },
  {
    name: 'batch',
    summary: 'many metamers (models x stages x references x seeds) as Slurm / Kubernetes array jobs',
    load: async () => (await import('./commands/batch.ts')).batchCommand,
  },
  {
    name: 'cochleagram',
    summary: "the audio models' cochleagram [211, 390] of a 2-s WAV file, as .npy",
    load: async () => (await import('./commands/cochleagram.ts')).cochleagramCommand,
  },
  {
    name: 'generate',
    summary: 'generate a model metamer for one stage of a built-in model or a model file',
    load: async () => (await import('./commands/generate.ts')).generateCommand,
  },
  {
    name: 'metrics',
    summary: 'match metrics between two .npy arrays (A = reference)',
    load: async () => (await import('./commands/metrics.ts')).metricsCommand,
  },
  {
    name: 'models',
    summary: 'list the built-in models (id, modality, stages, null distribution)',
    load: async () => (await import('./commands/models.ts')).modelsCommand,
  },
  {
    name: 'null',
    summary: "build a model's null distribution (metrics between random natural stimuli)",
    load: async () => (await import('./commands/null.ts')).nullCommand,
  },
  {
    name: 'quiz-set',
    summary: 'a recognition quiz for people (quiz.json) from a batch of generate runs of one model',
    load: async () => (await import('./commands/quiz-set.ts')).quizSetCommand,
  },
  {
    name: 'recognise',
    summary: "each model's top-5 classes and probabilities for each input (who else is fooled by a metamer)",
    load: async () => (await import('./commands/recognise.ts')).recogniseCommand,
  },
  {
    name: 'stages',
    summary: 'candidate stages of a model file (.onnx or TF.js model.json), with the paper names',
    load: async () => (await import('./commands/stages.ts')).stagesCommand,
  },
];

export function mainUsage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `Usage: metamer <command> [options]

Model metamers (Feather et al. 2023) from the command line, on TensorFlow.js
(wasm backend by default; --backend cpu for the pure-JS one; --backend webgpu for
the GPU, through Vulkan: add --allow-software-gpu to accept a software device).

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Run "metamer <command> --help" for a command's options.`;
}

function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ').trim();
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      if (name === 'help' && rest[0]) return await runCli([rest[0], '--help'], io);
      io.out(`${mainUsage()}\n`);
      return name === undefined ? EXIT_USAGE : 0;
    }
    const command = COMMANDS.find((c) => c.name === name);
    if (!command) throw new UsageError(`unknown command "${name}" (commands: ${COMMANDS.map((c) => c.name).join(', ')}; see metamer --help)`);
    return await (await command.load()).run(rest, io);
  } catch (e) {
    const usage = e instanceof UsageError;
    const message = e instanceof Error ? e.message : String(e);
    io.err(`metamer${name && !name.startsWith('-') ? ` ${name}` : ''}: ${usage ? '' : 'error: '}${oneLine(message)}\n`);
    if (process.env.METAMER_DEBUG && e instanceof Error && e.stack) io.err(`${e.stack}\n`);
    return usage ? EXIT_USAGE : EXIT_FAILURE;
  }
}
