import { describe, expect, it } from 'vitest';
import { RunTiming, timeAlternatives, timingText } from '../../src/app/run-timing.ts';

const base = { step: 0, total: 100, timing: new RunTiming() };

describe('RunTiming', () => {
  it('leaves the slow first step out of the rate: a 30-s compile then 2 steps/s gives 2 steps/s', () => {
    const t = new RunTiming();
    t.start(0, 0);
    expect(t.rate()).toBeNull();
    t.observe(30_000, 1); // first step: shader compilation
    expect(t.firstStep).toBe(30_000);
    expect(t.rate()).toBeNull(); // one step is no rate
    for (let s = 2; s <= 11; s++) t.observe(30_000 + (s - 1) * 500, s);
    expect(t.rate()).toBeCloseTo(2, 12);
    expect(t.secondsLeft(111)).toBeCloseTo(50, 9); // 100 steps left at 2/s
  });

  it('follows a change of speed within its window, and restarts its measure on resume', () => {
    const t = new RunTiming();
    t.start(0, 0);
    t.observe(1000, 1);
    for (let s = 2; s <= 100; s++) t.observe(1000 + (s - 1) * 100, s); // 10 steps/s
    for (let s = 101; s <= 200; s++) t.observe(10_900 + (s - 100) * 1000, s); // then 1 step/s for 100 s
    expect(t.rate()).toBeCloseTo(1, 6);
    t.start(500_000, 200);
    expect(t.firstStep).toBeNull();
    t.observe(500_100, 150); // stale step numbers from before the resume are ignored
    expect(t.rate()).toBeNull();
  });
});

describe('timingText', () => {
  it('says what a run does before its first step ends, by backend', () => {
    const timing = new RunTiming();
    timing.start(0, 0);
    expect(timingText({ ...base, status: 'loading', backend: 'wasm', nowMs: 0, timing })).toBe('loading the model and the reference…');
    expect(timingText({ ...base, status: 'running', backend: 'webgpu', nowMs: 12_000, timing }))
      .toBe('compiling GPU kernels (the first step builds every shader; seconds to minutes) · 12 s');
    expect(timingText({ ...base, status: 'running', backend: 'wasm', nowMs: 3_000, timing })).toBe('first step (warming up) · 3 s');
    timing.observe(8_200, 1);
    expect(timingText({ ...base, status: 'running', backend: 'wasm', nowMs: 8_300, timing })).toBe('first step took 8 s; measuring the speed…');
    timing.observe(9_200, 2);
    timing.observe(10_200, 3);
    expect(timingText({ ...base, status: 'running', backend: 'wasm', nowMs: 10_300, timing })).toBe('about 1 min 37 s left');
    expect(timingText({ ...base, status: 'done', backend: 'wasm', nowMs: 10_300, timing })).toBe('');
  });
});

describe('timeAlternatives', () => {
  const slow = { secondsLeft: 28_000, rate: 0.4, total: 24_000, quickTotal: 2000, availableBackends: ['webgpu', 'wasm', 'cpu'] };

  it('offers nothing for a run that fits a lecture, or before there is a rate', () => {
    expect(timeAlternatives({ ...slow, secondsLeft: 300, backend: 'wasm', softwareGpu: true })).toEqual([]);
    expect(timeAlternatives({ ...slow, secondsLeft: null, rate: null, backend: 'wasm', softwareGpu: true })).toEqual([]);
  });

  it('offers the quick preset, the steps that fit in 10 min, and wasm instead of an emulated GPU', () => {
    const alts = timeAlternatives({ ...slow, backend: 'webgpu', softwareGpu: true });
    expect(alts.map((a) => a.kind)).toEqual(['quick', 'fewer-steps', 'backend']);
    expect(alts[0].label).toBe('quick preset (2,000 steps, about 1 h 23 min)');
    expect(alts[1]).toMatchObject({ steps: 240, label: '240 steps (fits in 10 min)' });
    expect(alts[2].backend).toBe('wasm');
  });

  it('offers WebGPU to a wasm run on a machine with a real GPU, and no quick preset to a quick run', () => {
    const alts = timeAlternatives({ ...slow, total: 2000, secondsLeft: 5000, backend: 'wasm', softwareGpu: false });
    expect(alts.map((a) => a.kind)).toEqual(['fewer-steps', 'backend']);
    expect(alts[1].backend).toBe('webgpu');
  });
});
