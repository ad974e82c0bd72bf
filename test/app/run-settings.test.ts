import { describe, expect, it } from 'vitest';
import { makeRunConfig } from '../../src/engine/presets.ts';
import {
  crossFieldError, NUMERIC_FIELDS, parseNumeric, PRESET_LABELS, type NumericSetting,
} from '../../src/app/run-settings.ts';

const KEYS = Object.keys(NUMERIC_FIELDS) as NumericSetting[];

describe('run settings fields', () => {
  it('has a label, a one-sentence tooltip and a distinct short URL name for every field', () => {
    const params = new Set(KEYS.map((k) => NUMERIC_FIELDS[k].param));
    expect(params.size).toBe(KEYS.length);
    for (const k of KEYS) {
      const f = NUMERIC_FIELDS[k];
      expect(f.label.length, k).toBeGreaterThan(0);
      expect(f.tooltip.trim().endsWith('.'), k).toBe(true);
      expect(f.tooltip.split(/\.\s+[A-Z]/).length, `${k}: one sentence`).toBe(1);
      expect(f.param.length, k).toBeLessThanOrEqual(6);
    }
    expect(PRESET_LABELS.paper).toContain('24000 steps');
    expect(PRESET_LABELS.quick).toContain('2000 steps');
  });

  it('accepts values the engine accepts, with the engine fallback inside the allowed range', () => {
    for (const k of KEYS) {
      const f = NUMERIC_FIELDS[k];
      expect(parseNumeric(k, String(f.fallback)), k).toEqual({ ok: true, value: f.fallback });
    }
    expect(parseNumeric('eta0', '0.25')).toEqual({ ok: true, value: 0.25 });
    expect(parseNumeric('learningRate', '1e-4')).toEqual({ ok: true, value: 1e-4 });
    expect(parseNumeric('tv', ' 0 ')).toEqual({ ok: true, value: 0 });
    expect(parseNumeric('seed', '4294967295')).toEqual({ ok: true, value: 4294967295 });
  });

  it('explains what is wrong with a bad value', () => {
    const error = (k: NumericSetting, t: string): string => {
      const p = parseNumeric(k, t);
      if (p.ok) throw new Error(`${k} accepted ${t}`);
      return p.error;
    };
    expect(error('steps', '')).toBe('Steps is empty: enter a number.');
    expect(error('steps', 'ten')).toBe('Steps: "ten" is not a number.');
    expect(error('steps', '2.5')).toBe('Steps must be a whole number (got 2.5).');
    expect(error('steps', '0')).toMatch(/^Steps must be at least 1 and at most 1000000 \(got 0\)\.$/);
    expect(error('seed', '-1')).toMatch(/at least 0/);
    expect(error('seed', '4294967296')).toMatch(/at most 4294967295/);
    expect(error('eta0', '0')).toMatch(/more than 0/);
    expect(error('learningRate', '-0.1')).toMatch(/more than 0/);
    expect(error('alpha', '0.5')).toMatch(/at least 1/);
    expect(error('tv', '-1')).toMatch(/at least 0/);
    expect(error('tv', '1e999')).toMatch(/too large/);
    expect(error('eta0', '1,5')).toMatch(/not a number/);
  });

  it('every accepted value gives a valid engine config', () => {
    const samples: Record<NumericSetting, string[]> = {
      steps: ['1', '1000000'], passes: ['1', '1000'], seed: ['0', '4294967295'], learningRate: ['1e-9', '1000000'],
      eta0: ['1e-9', '1000000'], tv: ['0', '1e9'], alphaNorm: ['0', '1e9'], alpha: ['1', '100'],
    };
    for (const k of KEYS) {
      for (const t of samples[k]) {
        const p = parseNumeric(k, t);
        expect(p.ok, `${k}=${t}`).toBe(true);
        if (!p.ok) continue;
        const v = p.value;
        const overrides = k === 'learningRate' ? { adam: { learningRate: v } }
          : k === 'tv' || k === 'alphaNorm' || k === 'alpha' ? { regularizers: { [k]: v } }
          : k === 'steps' ? { itersPerPass: v } : { [k]: v };
        expect(() => makeRunConfig('S1', overrides), `${k}=${t}`).not.toThrow();
      }
    }
  });

  it('checks passes against steps', () => {
    expect(crossFieldError({ steps: 3, passes: 4 })).toMatch(/Passes \(4\) cannot exceed steps \(3\)/);
    expect(crossFieldError({ steps: 4, passes: 4 })).toBeNull();
    expect(crossFieldError({ passes: 4 })).toBeNull();
  });
});
