import { describe, expect, it } from 'vitest';
import { StepRate } from '../../src/worker/step-rate.ts';

describe('StepRate', () => {
  it('is 0 until two observations exist', () => {
    const r = new StepRate(1000);
    expect(r.perSecond()).toBe(0);
    r.observe(0, 0);
    expect(r.perSecond()).toBe(0);
  });

  it('measures a constant rate', () => {
    const r = new StepRate(1000);
    for (let t = 0; t <= 5000; t += 100) r.observe(t, t / 50); // 20 steps/s
    expect(r.perSecond()).toBeCloseTo(20, 12);
  });

  it('forgets samples older than the window, so a rate change shows within it', () => {
    const r = new StepRate(1000);
    for (let t = 0; t <= 2000; t += 100) r.observe(t, t / 100); // 10 steps/s until t = 2 s
    let step = 20;
    for (let t = 2100; t <= 4000; t += 100) r.observe(t, (step += 5)); // then 50 steps/s
    expect(r.perSecond()).toBeCloseTo(50, 12);
  });
});
