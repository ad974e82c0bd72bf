/** Argument parsing on node:util parseArgs, turning its errors into usage errors. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './errors.ts';
import { ANY_NODE_BACKENDS, type AnyNodeBackend } from '../platform/tf-node.ts';

export type Options = NonNullable<ParseArgsConfig['options']>;

export const COMMON_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  backend: { type: 'string' },
  'allow-software-gpu': { type: 'boolean' },
  'models-dir': { type: 'string' },
} as const satisfies Options;

/**
 * "--steps -5" reads as an option followed by another option to parseArgs, which then calls
 * it "ambiguous". A value that looks like a negative number is joined to its option
 * ("--steps=-5"), so that the option's own check says what is wrong with it.
 */
export function joinNegativeValues(argv: readonly string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const next = argv[i + 1];
    const name = arg.startsWith('--') ? arg.slice(2) : undefined;
    const short = !name && /^-[A-Za-z]$/.test(arg) ? Object.keys(options).find((k) => options[k].short === arg[1]) : undefined;
    const key = name ?? short;
    if (key && options[key]?.type === 'string' && next !== undefined && /^-(\d|\.\d|Infinity|inf)/i.test(next)) {
      out.push(`--${key}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

export function parse<O extends Options>(argv: string[], options: O, positionals = false) {
  try {
    return parseArgs({ args: joinNegativeValues(argv, options), options, allowPositionals: positionals, strict: true, allowNegative: true });
  } catch (e) {
    const message = (e as Error).message;
    // "--out --json": parseArgs calls the value "ambiguous"; say what is missing instead.
    const ambiguous = /Option '([^']+)' argument is ambiguous/.exec(message);
    if (ambiguous) {
      const name = ambiguous[1].split(/[ ,]/).find((s) => s.startsWith('--')) ?? ambiguous[1];
      throw new UsageError(`${name} is missing its value (the next argument is an option; write ${name}=VALUE for a value that starts with "-")`);
    }
    // Other parseArgs messages are already clear ("Unknown option '--x'"); drop its hints about '--'.
    throw new UsageError(message.split('. To specify')[0]);
  }
}

export function requireString(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') throw new UsageError(`missing required option --${name}`);
  return value;
}

export function intOption(value: unknown, name: string, fallback?: number, min = 0): number {
  if (value === undefined) {
    if (fallback === undefined) throw new UsageError(`missing required option --${name}`);
    return fallback;
  }
  const n = Number(value);
  if (typeof value !== 'string' || !/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`--${name} must be an integer >= ${min}, got "${value}"`);
  }
  return n;
}

export function backendOption(value: unknown): AnyNodeBackend {
  if (value === undefined) return 'wasm';
  if (!ANY_NODE_BACKENDS.includes(value as AnyNodeBackend)) throw new UsageError(`--backend must be one of ${ANY_NODE_BACKENDS.join(', ')}, got "${value}"`);
  return value as AnyNodeBackend;
}

/** The options every command that runs tfjs takes: --backend and --allow-software-gpu. */
export const BACKEND_OPTIONS = {
  backend: COMMON_OPTIONS.backend,
  'allow-software-gpu': COMMON_OPTIONS['allow-software-gpu'],
} as const satisfies Options;

/** A backend as asked for on the command line. */
export interface BackendChoice {
  name: AnyNodeBackend;
  /** --allow-software-gpu: WebGPU may run on a software device when there is no GPU. */
  allowSoftwareGpu?: boolean;
}

export function backendChoice(values: { backend?: string; 'allow-software-gpu'?: boolean }): BackendChoice {
  const name = backendOption(values.backend);
  const allowSoftwareGpu = values['allow-software-gpu'];
  if (allowSoftwareGpu && name !== 'webgpu') throw new UsageError('--allow-software-gpu applies to --backend webgpu');
  return allowSoftwareGpu === undefined ? { name } : { name, allowSoftwareGpu };
}

export function choiceOption<T extends string>(value: unknown, name: string, choices: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!choices.includes(value as T)) throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got "${value}"`);
  return value as T;
}

export function numberOption(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== 'string' || value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got "${value}"`);
  return n;
}
