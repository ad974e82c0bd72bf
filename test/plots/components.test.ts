/**
 * Component tests: the Svelte components rendered to HTML (server-side, see render-svelte.ts)
 * from given props, checked against expectations computed here independently (hand geometry,
 * the stored HMAX null read straight from models/hmax/null.json, float64 softmax).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricName, NullDistribution, NullSummary, Verdict } from '../../src/engine/types.ts';
import { METRIC_COLUMNS } from '../../src/app/metric-info.ts';
import { attr, elementHtml, svelteRenderer, tagsWith, textOf, type SvelteRenderer } from './render-svelte.ts';

let svelte: SvelteRenderer;
beforeAll(async () => {
  svelte = await svelteRenderer();
});
afterAll(async () => {
  await svelte?.close();
});

function summary(edges: number[], counts: number[], max = edges[edges.length - 1]): NullSummary {
  return { pairs: counts.reduce((a, b) => a + b, 0), min: edges[0], max, mean: 0, quantiles: [], histogram: { edges, counts } };
}

const num = (s: string | null) => Number(s);

describe('NullHistogram', () => {
  // The component's viewBox is 220 x 64 with margins top 13, right 6, bottom 13, left 6:
  // plot x 6..214 (208 units), baseline y 51, top y 13 (38 units).
  it('draws the bars, the null maximum and the value marker at hand-computed positions', async () => {
    const html = await svelte.render('/src/app/NullHistogram.svelte',
      { metric: 'pearson', summary: summary([0, 0.5, 1], [1, 3]), value: 0.75, label: 'S1 Pearson r' });
    const svg = tagsWith(html, 'role', 'img')[0];
    expect(attr(svg, 'data-pass')).toBe('false'); // 0.75 is not above the null max 1
    const bars = elementHtml(html, '<g class="bars').match(/<rect[^>]*>/g)!;
    expect(bars).toHaveLength(2);
    // Bin [0, .5): 104 units wide (0.3 gap), count 1 of 3 -> 38/3 tall.
    expect(num(attr(bars[0], 'x'))).toBe(6);
    expect(num(attr(bars[0], 'width'))).toBeCloseTo(103.7, 9);
    expect(num(attr(bars[0], 'height'))).toBeCloseTo(38 / 3, 9);
    expect(num(attr(bars[0], 'y'))).toBeCloseTo(51 - 38 / 3, 9);
    expect(num(attr(bars[1], 'x'))).toBe(110);
    expect(num(attr(bars[1], 'height'))).toBe(38);
    const nullMax = tagsWith(html, 'data-testid', 'null-max')[0];
    expect(num(attr(nullMax, 'x1'))).toBe(214);
    expect(textOf(html)).toContain('null max');
    const marker = elementHtml(html, tagsWith(html, 'data-testid', 'value-marker')[0]);
    expect(attr(marker, 'data-clamped')).toBe('');
    expect(marker).toMatch(/class="[^"]*\bfail\b/);
    const line = marker.match(/<line[^>]*>/)![0];
    expect(num(attr(line, 'x1'))).toBeCloseTo(6 + 0.75 * 208, 9);
    expect(attr(svg, 'aria-label')).toContain('S1 Pearson r');
  });

  it('keeps the marker neutral (no red or green) at a stage that is not under test', async () => {
    const html = await svelte.render('/src/app/NullHistogram.svelte',
      { metric: 'pearson', summary: summary([0, 0.5, 1], [1, 3]), value: 0.75, underTest: false });
    const marker = tagsWith(html, 'data-testid', 'value-marker')[0];
    expect(marker).toMatch(/class="[^"]*\bneutral\b/);
    expect(marker).not.toMatch(/class="[^"]*\b(fail|pass)\b/);
  });

  it('passes a value above the null maximum, and draws an SNR far past the axis as an arrow at its end', async () => {
    const html = await svelte.render('/src/app/NullHistogram.svelte',
      { metric: 'snrDb', summary: summary([-5, 0, 5], [2, 2]), value: 500 });
    expect(attr(tagsWith(html, 'role', 'img')[0], 'data-pass')).toBe('true');
    const marker = tagsWith(html, 'data-testid', 'value-marker')[0];
    expect(attr(marker, 'data-clamped')).toBe('high');
    expect(marker).toMatch(/class="[^"]*\bpass\b/);
    // The arrow's tip sits on the right end of the axis (x = 214).
    const tip = elementHtml(html, marker).match(/d="M[\d.-]+,[\d.-]+ L([\d.-]+),/)![1];
    expect(Number(tip)).toBe(214);
  });

  it('draws no marker before the first metrics and no bars without a null', async () => {
    const html = await svelte.render('/src/app/NullHistogram.svelte', { metric: 'spearman', summary: null, value: null });
    expect(tagsWith(html, 'data-testid', 'value-marker')).toEqual([]);
    expect(tagsWith(html, 'data-testid', 'null-max')).toEqual([]);
    expect(elementHtml(html, '<g class="bars')).not.toContain('<rect');
    expect(attr(tagsWith(html, 'role', 'img')[0], 'data-pass')).toBe('');
  });
});

describe('StageMetricsGrid', () => {
  const hmaxNull = JSON.parse(readFileSync('models/hmax/null.json', 'utf8')) as NullDistribution;
  const stages = ['S1', 'C1', 'S2', 'C2'];
  // Values chosen around the stored maxima: some above, some below.
  const metrics = {
    step: 120,
    stages: Object.fromEntries(stages.map((s, i) => [s, {
      spearman: hmaxNull.stages[s].spearman.max + (i % 2 ? 0.01 : -0.05),
      pearson: hmaxNull.stages[s].pearson.max - 0.02,
      r2: 0,
      snrDb: hmaxNull.stages[s].snrDb.max + (i < 2 ? 3 : -3),
    }])),
  };

  function rowHtml(html: string, stage: string): string {
    return elementHtml(html, tagsWith(html, 'data-stage', stage)[0]);
  }

  it('has a row per stage and a cell per metric, each with pass = value > that stage\'s null max', async () => {
    const html = await svelte.render('/src/app/StageMetricsGrid.svelte',
      { stages, generationStage: 'C1', metrics, nullStages: hmaxNull.stages, verdict: null });
    expect(tagsWith(html, 'data-testid', 'stage-metrics-grid')).toHaveLength(1);
    expect(tagsWith(html, 'data-stage').map((t) => attr(t, 'data-stage'))).toEqual(stages);
    for (const stage of stages) {
      const row = rowHtml(html, stage);
      const cells = tagsWith(row, 'data-metric').filter((t) => t.startsWith('<td'));
      expect(cells.map((t) => attr(t, 'data-metric'))).toEqual(['spearman', 'pearson', 'snrDb']);
      for (const cell of cells) {
        const key = attr(cell, 'data-metric') as MetricName;
        const expected = metrics.stages[stage][key] > hmaxNull.stages[stage][key].max;
        expect(attr(cell, 'data-pass')).toBe(String(expected));
        // The cell's text starts with the value (what the e2e tests read), then the null max.
        const text = textOf(elementHtml(row, cell));
        const digits = key === 'snrDb' ? 2 : 4;
        expect(text.split(' ')[0]).toBe(metrics.stages[stage][key].toFixed(digits));
        expect(text).toContain(`null ${hmaxNull.stages[stage][key].max.toFixed(digits)}`);
        // The histogram inside agrees with the cell.
        expect(attr(tagsWith(elementHtml(row, cell), 'role', 'img')[0], 'data-pass')).toBe(String(expected));
      }
    }
  });

  it('highlights the generation stage with live chips for every criterion, and only there', async () => {
    const html = await svelte.render('/src/app/StageMetricsGrid.svelte',
      { stages, generationStage: 'C1', metrics, nullStages: hmaxNull.stages, verdict: null });
    expect(attr(tagsWith(html, 'data-stage', 'C1')[0], 'class')).toMatch(/\bgeneration\b/);
    expect(attr(tagsWith(html, 'data-stage', 'S1')[0], 'class') ?? '').not.toMatch(/\bgeneration\b/);
    for (const other of ['S1', 'S2', 'C2']) expect(rowHtml(html, other)).not.toContain('data-testid="chip-');
    const c1 = rowHtml(html, 'C1');
    // C1 (i = 1): spearman above, pearson below, SNR above.
    const chips = Object.fromEntries((['spearman', 'pearson', 'snrDb'] as const).map((k) => [k, textOf(elementHtml(c1, tagsWith(c1, 'data-testid', `chip-${k}`)[0]))]));
    expect(chips).toEqual({ spearman: 'pass (live)', pearson: 'fail (live)', snrDb: 'pass (live)' });
    expect(tagsWith(html, 'data-testid', 'grid-verdict')).toEqual([]);
  });

  it('shows the final verdict\'s criteria (HMAX: SNR only) and the class criterion', async () => {
    const verdict: Verdict = {
      stage: 'C1', pass: false, criteria: [
        { criterion: 'snrDb', value: 17, threshold: hmaxNull.stages.C1.snrDb.max, pass: true },
        { criterion: 'class', value: 'cat', threshold: 'dog', pass: false },
      ],
    };
    const html = await svelte.render('/src/app/StageMetricsGrid.svelte',
      { stages, generationStage: 'C1', metrics, nullStages: hmaxNull.stages, verdict });
    const c1 = rowHtml(html, 'C1');
    expect(tagsWith(c1, 'data-testid', 'chip-spearman')).toEqual([]);
    expect(tagsWith(c1, 'data-testid', 'chip-pearson')).toEqual([]);
    expect(textOf(elementHtml(c1, tagsWith(c1, 'data-testid', 'chip-snrDb')[0]))).toBe('pass');
    expect(textOf(elementHtml(html, tagsWith(html, 'data-testid', 'grid-verdict')[0]))).toBe('metamer fails');
    const classChip = textOf(elementHtml(html, tagsWith(html, 'data-testid', 'class-chip')[0]));
    expect(classChip).toContain('“cat”');
    expect(classChip).toContain('“dog”');
    expect(classChip).toMatch(/fail$/);
  });

  it('explains every metric column in its header tooltip', async () => {
    const html = await svelte.render('/src/app/StageMetricsGrid.svelte',
      { stages, generationStage: null, metrics: null, nullStages: null, verdict: null });
    const headers = tagsWith(html, 'data-metric').filter((t) => t.startsWith('<th'));
    expect(headers.map((t) => attr(t, 'title'))).toEqual(METRIC_COLUMNS.map((c) => c.tip));
    expect(headers.every((t) => attr(t, 'tabindex') === '0')).toBe(true);
    // No metrics yet: no verdicts anywhere.
    expect(tagsWith(html, 'data-pass').every((t) => attr(t, 'data-pass') === '')).toBe(true);
  });
});

describe('ClassReadout', () => {
  const classes = ['airplane', 'bear', 'bicycle', 'bird', 'boat', 'bottle', 'car'];

  function listed(html: string, testid: string): { index: number; probability: number; text: string }[] {
    const list = elementHtml(html, tagsWith(html, 'data-testid', testid)[0]);
    return tagsWith(list, 'data-index').map((t) => ({
      index: num(attr(t, 'data-index')), probability: num(attr(t, 'data-probability')), text: textOf(elementHtml(list, t)),
    }));
  }

  it('lists the top 5 of reference and metamer with float64 softmax probabilities', async () => {
    const reference = [0.1, 3, -2, 2, 5, 0.5, 1];
    const metamer = [4, 0, 0, 0, 3.5, 0, 0];
    const html = await svelte.render('/src/app/ClassReadout.svelte', { readout: { reference, metamer }, classes });
    expect(tagsWith(html, 'data-testid', 'class-readout')).toHaveLength(1);
    const ref = listed(html, 'readout-reference');
    expect(ref.map((r) => r.index)).toEqual([4, 1, 3, 6, 5]);
    const z = reference.reduce((s, v) => s + Math.exp(v), 0);
    ref.forEach((r) => expect(r.probability).toBeCloseTo(Math.exp(reference[r.index]) / z, 12));
    expect(ref[0].text).toBe(`boat ${(100 * Math.exp(5) / z).toFixed(1)}%`);
    const met = listed(html, 'readout-metamer');
    expect(met[0].index).toBe(0);
    expect(met.map((r) => r.index)).toEqual([0, 4, 1, 2, 3]); // ties broken by class index
    expect(textOf(elementHtml(html, tagsWith(html, 'data-testid', 'readout-agrees')[0]))).toBe('different class');
  });

  it('shows fewer than 5 classes when the model has fewer, and waits for the metamer', async () => {
    const html = await svelte.render('/src/app/ClassReadout.svelte',
      { readout: { reference: [1, 2, 3], metamer: null }, classes: ['a', 'b', 'c'] });
    expect(listed(html, 'readout-reference').map((r) => r.index)).toEqual([2, 1, 0]);
    expect(tagsWith(html, 'data-testid', 'readout-metamer')).toEqual([]);
    expect(textOf(html)).toContain('waiting for the metamer');
  });

  it('renders nothing when the model has no readout', async () => {
    const html = await svelte.render('/src/app/ClassReadout.svelte', { readout: null, classes: [] });
    expect(textOf(html)).toBe('');
  });
});

describe('ImageTriptych', () => {
  const reference = { step: 0, shape: [2, 2, 1], data: new Float32Array([0, 100, 200, 255]) };
  const metamer = { step: 40, shape: [2, 2, 1], data: new Float32Array([30, 100, 150, 255]) };

  it('has zoom-linked reference, metamer and difference canvases and a legend of the largest |difference|', async () => {
    const zoom = { scale: 2, cx: 0.25, cy: 0.75 };
    const html = await svelte.render('/src/app/ImageTriptych.svelte',
      { reference, metamer, range: [0, 255], size: 200, zoom });
    const canvases = ['reference-canvas', 'metamer-canvas', 'difference-canvas'].map((id) => tagsWith(html, 'data-testid', id)[0]);
    expect(canvases.every(Boolean)).toBe(true);
    expect(attr(canvases[1], 'data-step')).toBe('40');
    // All three share one view: translate(200 * (0.5 - 0.25 * 2), 200 * (0.5 - 0.75 * 2)) scale(2).
    for (const c of canvases) expect(attr(c, 'style')).toContain('transform: translate(0px, -200px) scale(2)');
    // Differences 30, 0, -50, 0: the scale's ends are +-50 model units.
    const legend = tagsWith(html, 'data-testid', 'difference-legend')[0];
    expect(num(attr(legend, 'data-max-abs'))).toBe(50);
    expect(textOf(elementHtml(html, legend))).toContain('−50 0 +50');
  });

  it('waits for the metamer before drawing a difference', async () => {
    const html = await svelte.render('/src/app/ImageTriptych.svelte', { reference, metamer: null, range: [0, 255] });
    expect(attr(tagsWith(html, 'data-testid', 'difference-legend')[0], 'data-max-abs')).toBe('');
    expect(textOf(html)).toContain('waiting for the metamer');
  });
});

describe('LossPlot', () => {
  it('marks each pass boundary and labels each pass with its eta', async () => {
    // 3 passes of 10 steps so far, 80 planned: eta 1, 1/2, 1/4.
    const records = Array.from({ length: 30 }, (_, step) => ({ step, loss: 1 / (step + 1), eta: 2 ** -Math.floor(step / 10), gradNorm: 1 }));
    const html = await svelte.render('/src/app/LossPlot.svelte', { records, totalSteps: 80 });
    const marks = elementHtml(html, tagsWith(html, 'data-testid', 'eta-marks')[0]);
    const rules = tagsWith(marks, 'data-step');
    expect(rules.map((r) => num(attr(r, 'data-step')))).toEqual([10, 20]);
    // Step axis: 0..80 over x 56..508 (viewBox 520, margins 56 / 12): 5.65 units per step.
    expect(rules.map((r) => num(attr(r, 'x1')))).toEqual([56 + 56.5, 56 + 113]);
    expect(tagsWith(marks, 'data-eta').map((b) => num(attr(b, 'data-eta')))).toEqual([1, 0.5, 0.25]);
    expect(textOf(marks)).toContain('η 1/2');
    expect(textOf(marks)).toContain('η 1/4');
  });
});
