/** Argument parsing on node:util parseArgs, turning its errors into usage errors. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './errors.ts';
import { NODE_BACKENDS, type NodeBackend } from '../platform/tf-node.ts';

export type Options = NonNullable<ParseArgsConfig['options']>;

export const COMMON_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  backend: { type: 'string' },
  'models-dir': { type: 'string' },
} as const satisfies Options;

export function parse<O extends Options>(argv: string[], options: O, positionals = false) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: positionals, strict: true, allowNegative: true });
  } catch (e) {
    // parseArgs messages are already clear ("Unknown option '--x'"); drop its hints about '--'.
    throw new UsageError((e as Error).message.split('. To specify')[0]);
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

export function backendOption(value: unknown): NodeBackend {
  if (value === undefined) return 'wasm';
  if (!NODE_BACKENDS.includes(value as NodeBackend)) throw new UsageError(`--backend must be one of ${NODE_BACKENDS.join(', ')}, got "${value}"`);
  return value as NodeBackend;
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
