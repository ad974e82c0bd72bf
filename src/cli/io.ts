/** Where a command writes: injectable so that tests can run commands in process. */
export interface CliIo {
  /** Results (JSON, tables): stdout. */
  out(text: string): void;
  /** Progress and messages: stderr. */
  err(text: string): void;
  /** True when stderr is a terminal (progress redraws one line). */
  errIsTty: boolean;
}

export const processIo: CliIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  errIsTty: Boolean(process.stderr.isTTY),
};

/**
 * A progress line on stderr: redrawn in place on a terminal, throttled lines otherwise.
 * The last state is always shown: a line skipped by the throttle is printed by done().
 */
export function progressReporter(io: CliIo, minIntervalMs = 1000): { update(line: string): void; done(line?: string): void } {
  let last = 0;
  let drawn = false;
  let pending: string | null = null;
  return {
    update(line) {
      const now = Date.now();
      if (io.errIsTty) {
        if (now - last < 100) return;
        io.err(`\r\x1b[2K${line}`);
        drawn = true;
      } else {
        if (now - last < minIntervalMs) {
          pending = line;
          return;
        }
        io.err(`${line}\n`);
        pending = null;
      }
      last = now;
    },
    done(line) {
      if (drawn) io.err('\r\x1b[2K');
      if (pending !== null) io.err(`${pending}\n`);
      pending = null;
      if (line) io.err(`${line}\n`);
    },
  };
}

/** A text progress bar, e.g. "[#####.....] 50%". */
export function bar(done: number, total: number, width = 24): string {
  const f = total > 0 ? Math.min(1, done / total) : 0;
  const n = Math.round(f * width);
  return `[${'#'.repeat(n)}${'.'.repeat(width - n)}] ${(f * 100).toFixed(0).padStart(3)}%`;
}
