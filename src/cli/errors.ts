/** Errors the CLI reports as one line: usage mistakes exit with 2, failures with 1. */
export class UsageError extends Error {}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
