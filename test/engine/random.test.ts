import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/engine/random.ts';

describe('Rng', () => {
  it('is deterministic for a seed and resumable from its state', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    for (let i = 0; i < 10; i++) a.uniform();
    for (let i = 0; i < 10; i++) b.uniform();
    const saved = b.state();
    const c = new Rng(saved);
    for (let i = 0; i < 100; i++) expect(c.uniform()).toBe(a.uniform());
    expect(new Rng(43).uniform()).not.toBe(new Rng(42).uniform());
  });

  it('normal samples have the requested mean and std', () => {
    const x = new Rng(7).normalArray(200_000, 3, 2);
    let m = 0;
    for (const v of x) m += v;
    m /= x.length;
    let s = 0;
    for (const v of x) s += (v - m) ** 2;
    s = Math.sqrt(s / x.length);
    expect(Math.abs(m - 3)).toBeLessThan(0.02);
    expect(Math.abs(s - 2)).toBeLessThan(0.02);
  });

  it('uniform stays in [0,1) with mean 1/2', () => {
    const r = new Rng(1);
    let m = 0;
    for (let i = 0; i < 100_000; i++) {
      const u = r.uniform();
      expect(u >= 0 && u < 1).toBe(true);
      m += u;
    }
    expect(Math.abs(m / 100_000 - 0.5)).toBeLessThan(0.01);
  });
});
