import { describe, expect, it } from 'vitest';
import { Throttle, type Timers } from '../../src/plots/throttle.ts';

/** A manual clock: advance(ms) runs due timers in time order. */
function manualTimers(): Timers & { advance(ms: number): void } {
  let now = 0;
  let next = 0;
  const queue = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => now,
    setTimeout(fn, ms) { const id = next++; queue.set(id, { at: now + ms, fn }); return id; },
    clearTimeout(h) { queue.delete(h as number); },
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const due = [...queue.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        queue.delete(due[0]);
        now = due[1].at;
        due[1].fn();
      }
      now = end;
    },
  };
}

describe('Throttle', () => {
  it('emits the first value at once and then at most once per interval, always ending on the last value', () => {
    const timers = manualTimers();
    const seen: [number, number][] = [];
    const t = new Throttle<number>((v) => seen.push([timers.now(), v]), 100, timers);
    // 50 values, one every 7 ms (143 per second).
    for (let i = 0; i < 50; i++) {
      t.push(i);
      timers.advance(7);
    }
    timers.advance(200);
    expect(seen[0]).toEqual([0, 0]);
    for (let i = 1; i < seen.length; i++) expect(seen[i][0] - seen[i - 1][0]).toBeGreaterThanOrEqual(100);
    expect(seen[seen.length - 1][1]).toBe(49);
    // 350 ms of input: the first value plus one per 100 ms.
    expect(seen.length).toBe(5);
  });

  it('passes slow streams through unchanged and drops a pending value on cancel', () => {
    const timers = manualTimers();
    const seen: number[] = [];
    const t = new Throttle<number>((v) => seen.push(v), 100, timers);
    t.push(1);
    timers.advance(150);
    t.push(2);
    timers.advance(150);
    expect(seen).toEqual([1, 2]);
    t.push(3); // quiet for 150 ms: goes out at once
    t.push(4); // within 100 ms of 3: waits, then is cancelled
    t.cancel();
    timers.advance(500);
    expect(seen).toEqual([1, 2, 3]);
  });
});
