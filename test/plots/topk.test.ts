import { describe, expect, it } from 'vitest';
import { softmax, topK } from '../../src/plots/topk.ts';

describe('softmax', () => {
  it('matches the closed form on small logits and sums to 1', () => {
    const p = softmax([0, Math.log(2), Math.log(5)]);
    // exp: 1, 2, 5 -> / 8
    expect(p[0]).toBeCloseTo(1 / 8, 15);
    expect(p[1]).toBeCloseTo(2 / 8, 15);
    expect(p[2]).toBeCloseTo(5 / 8, 15);
  });

  it('stays finite and exact for huge logits (naive exp overflows to Infinity/Infinity)', () => {
    expect(Math.exp(1000)).toBe(Infinity); // why stability matters
    const p = softmax([1000, 1000, 999]);
    const e = Math.exp(-1);
    expect(p[0]).toBeCloseTo(1 / (2 + e), 15);
    expect(p[1]).toBeCloseTo(1 / (2 + e), 15);
    expect(p[2]).toBeCloseTo(e / (2 + e), 15);
    // and very negative ones (naive exp underflows to 0/0)
    const q = softmax([-1000, -1001]);
    expect(q[0]).toBeCloseTo(1 / (1 + e), 15);
    expect(q[1]).toBeCloseTo(e / (1 + e), 15);
  });

  it('is invariant to adding a constant to every logit', () => {
    const a = softmax([0.3, -1.2, 2.5, 0]);
    const b = softmax([500.3, 498.8, 502.5, 500]);
    for (let i = 0; i < 4; i++) expect(b[i]).toBeCloseTo(a[i], 12);
  });

  it('handles non-finite logits and empty input', () => {
    expect(softmax([])).toEqual([]);
    expect(softmax([Infinity, 3, Infinity])).toEqual([0.5, 0, 0.5]);
    expect(softmax([NaN, 0])).toEqual([0, 1]);
    expect(softmax([-Infinity, -Infinity])).toEqual([0.5, 0.5]);
  });
});

describe('topK', () => {
  const classes = ['airplane', 'bear', 'bicycle', 'bird', 'boat', 'bottle', 'car'];

  it('ranks the five most probable classes, most probable first', () => {
    const logits = [0.1, 3, -2, 2, 5, 0.5, 1];
    const top = topK(logits, classes);
    expect(top.map((c) => c.label)).toEqual(['boat', 'bear', 'bird', 'car', 'bottle']);
    expect(top.map((c) => c.index)).toEqual([4, 1, 3, 6, 5]);
    // Float64 reference probability of the winner.
    const z = logits.reduce((s, v) => s + Math.exp(v), 0);
    expect(top[0].probability).toBeCloseTo(Math.exp(5) / z, 14);
    expect(top[0].logit).toBe(5);
  });

  it('breaks ties by class index, stably', () => {
    const top = topK([1, 2, 2, 1, 2, 1, 0], classes, 5);
    expect(top.map((c) => c.index)).toEqual([1, 2, 4, 0, 3]);
    expect(top[0].probability).toBe(top[1].probability);
  });

  it('returns every class when there are fewer than k, and names unlabelled ones', () => {
    const top = topK([0, 1, 2], ['a', 'b']);
    expect(top).toHaveLength(3);
    expect(top.map((c) => c.label)).toEqual(['class 2', 'b', 'a']);
    expect(top.reduce((s, c) => s + c.probability, 0)).toBeCloseTo(1, 15);
    expect(topK([], [])).toEqual([]);
    expect(topK([1, 2], ['a', 'b'], 0)).toEqual([]);
  });
});
