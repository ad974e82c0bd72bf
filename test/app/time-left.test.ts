import { describe, expect, it } from 'vitest';
import { etaText, formatDuration, secondsLeft } from '../../src/app/time-left.ts';

describe('time left in a run', () => {
  it('divides the remaining steps by the rate', () => {
    expect(secondsLeft(0, 24000, 12)).toBe(2000);
    expect(secondsLeft(1000, 2000, 4)).toBe(250);
    expect(secondsLeft(2500, 2000, 4)).toBe(0);
    // No rate yet (0 steps/s, NaN, Infinity) or no run: unknown, never Infinity.
    expect(secondsLeft(0, 100, 0)).toBeNull();
    expect(secondsLeft(0, 100, NaN)).toBeNull();
    expect(secondsLeft(0, 100, Infinity)).toBeNull();
    expect(secondsLeft(0, 0, 5)).toBeNull();
  });

  it('formats durations with the two largest units', () => {
    expect(formatDuration(0)).toBe('0 s');
    expect(formatDuration(0.4)).toBe('0 s');
    expect(formatDuration(44.6)).toBe('45 s');
    expect(formatDuration(59.6)).toBe('1 min');
    expect(formatDuration(80)).toBe('1 min 20 s');
    expect(formatDuration(3600)).toBe('1 h');
    expect(formatDuration(2 * 3600 + 5 * 60 + 59)).toBe('2 h 5 min');
    expect(formatDuration(3 * 86400 + 4 * 3600 + 100)).toBe('3 d 4 h');
    expect(formatDuration(-1)).toBe('–');
    expect(formatDuration(NaN)).toBe('–');
  });

  it('says nothing until there is a rate, and nothing once done', () => {
    expect(etaText(0, 2000, 25)).toBe('about 1 min 20 s left');
    expect(etaText(0, 2000, 0)).toBe('');
    expect(etaText(2000, 2000, 25)).toBe('');
  });
});
