/**
 * A small property-based fuzzing kit for the readers: a seeded generator (the project's sfc32
 * Rng, so every failure reproduces from its seed and case number), byte mutators (truncate,
 * flip, overwrite with extreme integers, insert, duplicate) and the one property every reader
 * must have: each input gives either a valid result (checked by the caller) or an Error whose
 * message is one line, names the file and carries no stack trace - never a hang, a crash of
 * another kind or a silently wrong result.
 */
import { expect } from 'vitest';
import { Rng } from '../../src/engine/random.ts';

export { Rng };

/** Extreme values a corrupt header may hold, as little- or big-endian 32-bit words. */
const EXTREMES = [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffe, 0xffff, 100000, 50000, 16000];

export type Mutation = (bytes: Uint8Array, rng: Rng) => Uint8Array;

export const truncate: Mutation = (b, rng) => b.slice(0, rng.int(b.length));

export const flipBytes: Mutation = (b, rng) => {
  const out = b.slice();
  const n = 1 + rng.int(4);
  for (let k = 0; k < n && out.length > 0; k++) out[rng.int(out.length)] = rng.int(256);
  return out;
};

/** Overwrites a 32-bit word at a random offset in the first `headerBytes` with an extreme value. */
export function extremeWord(headerBytes: number): Mutation {
  return (b, rng) => {
    const out = b.slice();
    if (out.length < 4) return out;
    const at = rng.int(Math.max(1, Math.min(headerBytes, out.length - 4)));
    const v = EXTREMES[rng.int(EXTREMES.length)];
    new DataView(out.buffer).setUint32(at, v, rng.int(2) === 0);
    return out;
  };
}

export const insertBytes: Mutation = (b, rng) => {
  const at = rng.int(b.length + 1);
  const extra = Uint8Array.from({ length: 1 + rng.int(16) }, () => rng.int(256));
  const out = new Uint8Array(b.length + extra.length);
  out.set(b.subarray(0, at));
  out.set(extra, at);
  out.set(b.subarray(at), at + extra.length);
  return out;
};

export const appendGarbage: Mutation = (b, rng) => {
  const out = new Uint8Array(b.length + 1 + rng.int(64));
  out.set(b);
  for (let i = b.length; i < out.length; i++) out[i] = rng.int(256);
  return out;
};

export const DEFAULT_MUTATIONS: Mutation[] = [truncate, flipBytes, extremeWord(64), insertBytes, appendGarbage];

/** `count` mutants of `seeds`, deterministic for `seed`. */
export function mutants(seeds: Uint8Array[], count: number, seed: number, mutations = DEFAULT_MUTATIONS): Uint8Array[] {
  // Plain copies: Buffer.slice() is a view, so a mutation would otherwise write into the seed.
  seeds = seeds.map((s) => Uint8Array.from(s));
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => {
    let b = seeds[rng.int(seeds.length)];
    const rounds = 1 + rng.int(2);
    for (let r = 0; r < rounds; r++) b = mutations[rng.int(mutations.length)](b, rng);
    return b;
  });
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; message: string };

/** Checks a refusal: an Error, one line, naming `name`, no stack trace in the message. */
export function expectCleanError(e: unknown, name: string, context: string): string {
  expect(e, `${context}: threw a non-Error`).toBeInstanceOf(Error);
  const message = (e as Error).message;
  expect(message, `${context}: message is not one line`).not.toMatch(/\n/);
  expect(message, `${context}: message does not name the file`).toContain(name);
  expect(message, `${context}: stack trace in the message`).not.toMatch(/\s+at\s+\S+\s+\(/);
  // A JS engine error as the whole explanation: the reader did not check what it read.
  expect(message, `${context}: internal error leaked`).not.toMatch(/^[^:]*: (Invalid typed array length|Maximum call stack|.* is not a function|Cannot read propert|undefined is not|.* is not iterable)/);
  return message;
}

/** Runs a reader on one input and applies the property; `check` validates a result. */
export async function outcome<T>(name: string, context: string, read: () => T | Promise<T>, check: (value: T) => void): Promise<Outcome<T>> {
  let value: T;
  try {
    value = await read();
  } catch (e) {
    return { ok: false, message: expectCleanError(e, name, context) };
  }
  check(value);
  return { ok: true, value };
}

/** Counts of accepted and refused inputs, so a suite can show it exercised both. */
export function tally(outcomes: Outcome<unknown>[]): { accepted: number; refused: number } {
  const accepted = outcomes.filter((o) => o.ok).length;
  return { accepted, refused: outcomes.length - accepted };
}
