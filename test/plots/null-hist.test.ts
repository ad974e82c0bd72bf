import { describe, expect, it } from 'vitest';
import { scaleLinear } from 'd3';
import type { NullSummary } from '../../src/engine/types.ts';
import {
  histogramBars, nullExtent, nullHistDomain, nullHistGeometry, passesNull, valueMarker, MIN_SPAN, SNR_REACH,
} from '../../src/plots/null-hist.ts';

/** A summary whose only meaningful parts are the histogram and its maximum. */
function summary(edges: number[], counts: number[], max = edges[edges.length - 1], min = edges[0]): NullSummary {
  const pairs = counts.reduce((a, b) => a + b, 0);
  return { pairs, min, max, mean: (min + max) / 2, quantiles: [], histogram: { edges, counts } };
}

// Plot area x: 10..110 (100 px), y: 5..45 (40 px, baseline at 45).
const box = { width: 120, height: 60, margin: { top: 5, right: 10, bottom: 15, left: 10 } };

describe('nullHistGeometry', () => {
  it('draws edges [0,.5,1] counts [1,3] as two bars of exact size', () => {
    const g = nullHistGeometry('pearson', summary([0, 0.5, 1], [1, 3]), 0.75, box);
    expect(g.x.domain()).toEqual([0, 1]);
    expect(g.bars).toHaveLength(2);
    // Bin [0, .5): x 10..60, count 1 of max 3 -> a third of the 40 px plot height.
    expect(g.bars[0]).toMatchObject({ lo: 0, hi: 0.5, count: 1, x: 10, width: 50 });
    expect(g.bars[0].height).toBeCloseTo(40 / 3, 12);
    expect(g.bars[0].y).toBeCloseTo(45 - 40 / 3, 12);
    // Bin [.5, 1]: x 60..110, the tallest bar reaches the top of the plot area.
    expect(g.bars[1]).toMatchObject({ lo: 0.5, hi: 1, count: 3, x: 60, width: 50, y: 5, height: 40 });
    expect(g.baseline).toBe(45);
    expect(g.nullMax).toBe(1);
    expect(g.nullMaxX).toBe(110);
    expect(g.marker).toEqual({ x: 85, clamped: null });
    expect(g.pass).toBe(false);
  });

  it('marks the null maximum where it lies inside the histogram', () => {
    const g = nullHistGeometry('spearman', summary([-0.5, 0, 0.5], [2, 2], 0.3), 0.9, box);
    // Domain widens to include 0.9: [-0.5, 0.9], 1.4 wide over 100 px.
    expect(g.x.domain()).toEqual([-0.5, 0.9]);
    expect(g.nullMaxX).toBeCloseTo(10 + (0.8 / 1.4) * 100, 10);
    expect(g.marker?.x).toBeCloseTo(110, 10);
    expect(g.marker?.clamped).toBeNull();
    expect(g.pass).toBe(true);
  });

  it('skips empty bins and has no bars, rule or verdict without a null', () => {
    const g = nullHistGeometry('pearson', summary([0, 0.25, 0.5, 0.75], [4, 0, 2]), null, box);
    expect(g.bars.map((b) => b.lo)).toEqual([0, 0.5]);
    expect(g.marker).toBeNull();
    expect(g.pass).toBeNull();

    const none = nullHistGeometry('snrDb', null, 3, box);
    expect(none.bars).toEqual([]);
    expect(none.nullMaxX).toBeNull();
    expect(none.pass).toBeNull();
    expect(none.x.domain()).toEqual([0, 10]);
    expect(none.marker?.x).toBeCloseTo(40, 12);
  });

  it('labels ticks inside the domain at their scale positions', () => {
    const g = nullHistGeometry('pearson', summary([0, 0.5, 1], [1, 3]), null, box);
    expect(g.ticks.length).toBeGreaterThanOrEqual(2);
    for (const t of g.ticks) {
      expect(t.value).toBeGreaterThanOrEqual(0);
      expect(t.value).toBeLessThanOrEqual(1);
      expect(t.x).toBeCloseTo(10 + t.value * 100, 9);
      expect(Number(t.label)).toBeCloseTo(t.value, 9);
    }
  });
});

describe('nullHistDomain', () => {
  const corr = summary([0.2, 0.4, 0.6], [1, 1]);

  it('keeps correlations inside [-1, 1] whatever the value', () => {
    expect(nullHistDomain('spearman', corr, -0.3)).toEqual([-0.3, 0.6]);
    expect(nullHistDomain('pearson', corr, 1.0000001)).toEqual([0.2, 1]);
    expect(nullHistDomain('pearson', corr, -5)).toEqual([-1, 0.6]);
    expect(nullHistDomain('pearson', null, 0.5)).toEqual([-1, 1]);
    expect(nullHistDomain('pearson', corr, NaN)).toEqual([0.2, 0.6]);
  });

  it('widens a degenerate null to the minimum span, still inside [-1, 1]', () => {
    const allOne = summary([1, 1], [10]);
    expect(nullHistDomain('pearson', allOne, null)).toEqual([1 - MIN_SPAN.correlation / 2, 1]);
    const flatSnr = summary([3, 3], [10]);
    expect(nullHistDomain('snrDb', flatSnr, null)).toEqual([3 - MIN_SPAN.snrDb / 2, 3 + MIN_SPAN.snrDb / 2]);
  });

  it('includes an SNR value up to SNR_REACH null spans away, no further', () => {
    const snr = summary([-5, 0, 5], [3, 3]); // span 10 dB
    expect(nullHistDomain('snrDb', snr, 20)).toEqual([-5, 20]);
    expect(nullHistDomain('snrDb', snr, -12)).toEqual([-12, 5]);
    expect(nullHistDomain('snrDb', snr, 500)).toEqual([-5, 5 + SNR_REACH * 10]);
    expect(nullHistDomain('snrDb', snr, Infinity)).toEqual([-5, 5]);
    expect(nullHistDomain('snrDb', null, -7)).toEqual([-7, 3]);
    expect(nullHistDomain('snrDb', null, 42)).toEqual([0, 42]);
    expect(nullHistDomain('snrDb', null, null)).toEqual([0, 10]);
  });

  it('takes the extent from the edges, or min/max when edges are missing', () => {
    expect(nullExtent(summary([0.1, 0.5], [1], 0.5, 0.1))).toEqual([0.1, 0.5]);
    expect(nullExtent({ ...summary([], [], 0.7, -0.2) })).toEqual([-0.2, 0.7]);
    expect(nullExtent(null)).toBeNull();
  });
});

describe('valueMarker', () => {
  const x = scaleLinear().domain([0, 10]).range([100, 200]);

  it('places values on the axis and clamps the rest to the ends with a direction', () => {
    expect(valueMarker(2.5, x)).toEqual({ x: 125, clamped: null });
    expect(valueMarker(0, x)).toEqual({ x: 100, clamped: null });
    expect(valueMarker(10, x)).toEqual({ x: 200, clamped: null });
    expect(valueMarker(-3, x)).toEqual({ x: 100, clamped: 'low' });
    expect(valueMarker(11, x)).toEqual({ x: 200, clamped: 'high' });
    expect(valueMarker(Infinity, x)).toEqual({ x: 200, clamped: 'high' });
    expect(valueMarker(-Infinity, x)).toEqual({ x: 100, clamped: 'low' });
    expect(valueMarker(NaN, x)).toBeNull();
    expect(valueMarker(null, x)).toBeNull();
  });

  it('draws an SNR far beyond the null as an arrow at the right end', () => {
    const g = nullHistGeometry('snrDb', summary([-5, 0, 5], [1, 1]), 500, box);
    expect(g.marker).toEqual({ x: 110, clamped: 'high' });
    expect(g.pass).toBe(true);
  });
});

describe('passesNull', () => {
  it('passes only strictly above the null maximum', () => {
    expect(passesNull(0.51, 0.5)).toBe(true);
    expect(passesNull(0.5, 0.5)).toBe(false);
    expect(passesNull(-2, 0.5)).toBe(false);
    expect(passesNull(Infinity, 40)).toBe(true);
    expect(passesNull(NaN, 0.5)).toBeNull();
    expect(passesNull(0.9, null)).toBeNull();
    expect(passesNull(undefined, 0.2)).toBeNull();
  });
});

describe('histogramBars', () => {
  it('cuts bins that cross the axis end and drops bins outside it', () => {
    const x = scaleLinear().domain([0, 1]).range([0, 100]);
    const y = scaleLinear().domain([0, 4]).range([40, 0]);
    const bars = histogramBars({ edges: [-1, -0.5, 0.5, 1.5], counts: [2, 4, 1] }, x, y);
    expect(bars).toEqual([
      { lo: -0.5, hi: 0.5, count: 4, x: 0, y: 0, width: 50, height: 40 },
      { lo: 0.5, hi: 1.5, count: 1, x: 50, y: 30, width: 50, height: 10 },
    ]);
  });
});
