/** The 95 % intervals of the quiz results against closed forms and scipy's beta quantiles. */
import { describe, expect, it } from 'vitest';
import { clopperPearson, incompleteBeta, wilson, Z95 } from '../../../src/app/quiz/binomial.ts';

// scipy.stats.beta.ppf(0.025, k, n-k+1) and beta.ppf(0.975, k+1, n-k) (scipy 1.10, Debian).
const SCIPY_CP: [number, number, number, number][] = [
  [0, 10, 0.0, 0.3084971078187608],
  [3, 10, 0.06673951117773447, 0.6524528500599973],
  [10, 10, 0.6915028921812392, 1.0],
  [7, 20, 0.15390920478454118, 0.5921885345328282],
  [1, 1, 0.025, 1.0],
  [45, 50, 0.7818646335657977, 0.9667249064109775],
  [12, 37, 0.1801386480520567, 0.4978532835133968],
];

describe('wilson', () => {
  it('matches the closed form, is symmetric, and gives [0, z²/(n+z²)] for k = 0', () => {
    const z2 = Z95 * Z95;
    for (const [k, n] of [[0, 10], [3, 10], [7, 20], [50, 50], [12, 37]]) {
      const p = k / n;
      const c = (p + z2 / (2 * n)) / (1 + z2 / n);
      const h = (Z95 / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
      const w = wilson(k, n);
      expect(w.lower).toBeCloseTo(Math.max(0, c - h), 12);
      expect(w.upper).toBeCloseTo(Math.min(1, c + h), 12);
      const mirror = wilson(n - k, n);
      expect(mirror.lower).toBeCloseTo(1 - w.upper, 12);
    }
    expect(wilson(0, 10).lower).toBeCloseTo(0, 15);
    expect(wilson(0, 10).upper).toBeCloseTo(z2 / (10 + z2), 12);
    // A textbook value: 7 of 20 -> [0.1812, 0.5671] (Newcombe 1998, Table I style).
    expect(wilson(7, 20).lower).toBeCloseTo(0.1812, 4);
    expect(wilson(7, 20).upper).toBeCloseTo(0.5671, 4);
  });

  it('refuses impossible counts with a clear message', () => {
    expect(() => wilson(3, 2)).toThrow(/0 <= k <= n/);
    expect(() => clopperPearson(0, 0)).toThrow(/n >= 1/);
  });
});

describe('clopperPearson', () => {
  it('has the closed forms at k = 0 and k = n', () => {
    for (const n of [1, 5, 10, 40]) {
      expect(clopperPearson(0, n).upper).toBeCloseTo(1 - 0.025 ** (1 / n), 10);
      expect(clopperPearson(n, n).lower).toBeCloseTo(0.025 ** (1 / n), 10);
    }
  });

  it('matches scipy\'s beta quantiles', () => {
    for (const [k, n, lo, hi] of SCIPY_CP) {
      const cp = clopperPearson(k, n);
      expect(cp.lower).toBeCloseTo(lo, 9);
      expect(cp.upper).toBeCloseTo(hi, 9);
    }
  });

  it('incomplete beta: I_x(1, b) = 1 - (1 - x)^b and I_x(a, 1) = x^a', () => {
    for (const x of [0.1, 0.37, 0.9]) {
      expect(incompleteBeta(x, 1, 4)).toBeCloseTo(1 - (1 - x) ** 4, 12);
      expect(incompleteBeta(x, 3, 1)).toBeCloseTo(x ** 3, 12);
    }
  });
});
