import { describe, expect, it } from 'vitest';
import { EMPTY_HISTORY, isLive, latestMetrics, reduce, reduceAll, type RunHistory, type SessionEvent } from '../../src/app/run-history.ts';
import { makeRunConfig } from '../../src/engine/presets.ts';
import type { EngineEvent } from '../../src/engine/types.ts';
import type { WorkerEvent } from '../../src/worker/protocol.ts';
import type { ModelManifest } from '../../src/models/manifest.ts';
import { metricSet, sampleRun, stepRecords } from '../store/sample-run.ts';

const config = makeRunConfig('C1', { passes: 1, itersPerPass: 6, snapshotEvery: 1, metricsEvery: 3 });
const manifest = { id: 'hmax', name: 'HMAX' } as ModelManifest;
const engine = (event: EngineEvent): WorkerEvent => ({ type: 'engine', event });
const px = (v: number, step = 0) => ({ step, shape: [2, 2, 1], data: new Float32Array(4).fill(v) });
const modelEvent = (v = 0.5): WorkerEvent => ({ type: 'model', manifest, reference: { shape: [2, 2, 1], data: new Float32Array(4).fill(v) }, nullStages: null });
const snapshot = (step: number, v: number): WorkerEvent => engine({ type: 'snapshot', step, shape: [2, 2, 1], data: new Float32Array(4).fill(v) });
const progress = (from: number, n: number): WorkerEvent => engine({ type: 'progress', records: stepRecords(from, n) });
const fold = (events: SessionEvent[], h: RunHistory = EMPTY_HISTORY) => events.reduce(reduce, h);

function liveRun(): SessionEvent[] {
  return [
    { type: 'begin', id: 'r1', modelId: 'hmax', config },
    modelEvent(),
    engine({ type: 'started', totalSteps: 6, step: 0 }),
    snapshot(0, 0.1),
    progress(0, 3),
    engine({ type: 'metrics', step: 3, stages: { C1: metricSet(1) } }),
    snapshot(3, 0.3),
    progress(3, 3),
    snapshot(6, 0.6),
    engine({ type: 'metrics', step: 6, stages: { C1: metricSet(2) } }),
    engine({ type: 'done', step: 6, stopped: false }),
    { type: 'verdict', verdict: { stage: 'C1', pass: true, criteria: [] } },
  ];
}

describe('run history reducer', () => {
  it('folds a live run: history, latest metrics, x_0 as start, latest iterate, verdict', () => {
    const h = fold(liveRun());
    expect(h).toMatchObject({ id: 'r1', stage: 'C1', status: 'done', step: 6, totalSteps: 6, shown: false, verdict: { pass: true } });
    expect(h.records.map((r) => r.step)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(h.metrics.map((m) => m.step)).toEqual([3, 6]);
    expect(latestMetrics(h)?.stages.C1).toEqual(metricSet(2));
    expect(h.start?.data[0]).toBeCloseTo(0.1);
    expect(h.metamer?.data[0]).toBeCloseTo(0.6);
    expect(h.reference?.data[0]).toBe(0.5);
    // Folding in batches gives the same history (the page folds ~10 times a second).
    expect(reduceAll(EMPTY_HISTORY, liveRun())).toEqual(h);
  });

  it('a reopened run shows its own reference, start and metamer, never the previous run\'s (grid cells)', () => {
    const live = fold(liveRun());
    const a = sampleRun({ id: 'a', status: 'done', state: null, referenceStimulus: { shape: [2, 2, 1], data: new Float32Array(4).fill(0.9) },
      reference: { kind: 'bundled', index: 1 }, snapshot: px(0.7, 10), start: px(0.2) });
    const openedA = reduce(live, { type: 'open', run: a });
    expect(openedA).toMatchObject({ id: 'a', shown: true, status: 'done', step: a.step, records: a.records, metrics: a.metrics });
    expect(openedA.reference?.data[0]).toBeCloseTo(0.9);
    expect(openedA.metamer?.data[0]).toBeCloseTo(0.7);
    expect(openedA.start?.data[0]).toBeCloseTo(0.2);
    // A run saved before references were kept: no reference (so no difference image), not A's.
    const b = sampleRun({ id: 'b', status: 'done', state: null, reference: { kind: 'bundled', index: 0 }, snapshot: px(0.4, 10) });
    const openedB = reduce(openedA, { type: 'open', run: b });
    expect(openedB.reference).toBeNull();
    expect(openedB.start).toBeNull();
    expect(openedB.metamer?.data[0]).toBeCloseTo(0.4);
    // A user reference comes with its own values; worker events do not touch a shown run.
    const c = sampleRun({ id: 'c', status: 'paused' });
    const openedC = reduce(openedB, { type: 'open', run: c });
    expect(openedC.reference?.data).toBe(c.reference.kind === 'user' ? c.reference.data : null);
    expect(openedC.status).toBe('paused');
    expect(isLive(openedC)).toBe(false);
    expect(reduce(openedC, snapshot(5, 0))).toBe(openedC);
  });

  it('a resumed run keeps its saved start (x_0) and history, and its iterates go to the metamer slot', () => {
    const saved = sampleRun({ id: 'r', start: px(0.05), snapshot: px(0.4, 4) });
    const h = fold([
      { type: 'begin', id: 'r', modelId: 'hmax', config: saved.settings.config, resumed: saved },
      modelEvent(),
      engine({ type: 'started', totalSteps: 10, step: 4 }),
      snapshot(4, 0.45),
      progress(4, 2),
      snapshot(6, 0.5),
    ]);
    expect(h.start?.data[0]).toBeCloseTo(0.05);
    expect(h.metamer?.data[0]).toBeCloseTo(0.5);
    expect(h.records.map((r) => r.step)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(h.metrics).toEqual(saved.metrics);
    expect(h).toMatchObject({ status: 'running', step: 6, shown: false });
  });

  it('a stopped run reads "stopped" and shows the metrics measured where it stopped', () => {
    const h = fold([
      { type: 'begin', id: 's', modelId: 'hmax', config },
      modelEvent(),
      engine({ type: 'started', totalSteps: 6, step: 0 }),
      progress(0, 2),
      snapshot(2, 0.2),
      engine({ type: 'done', step: 2, stopped: true }),
      engine({ type: 'metrics', step: 2, stages: { C1: metricSet(7) } }),
    ]);
    expect(h.status).toBe('stopped');
    expect(latestMetrics(h)).toEqual({ step: 2, stages: { C1: metricSet(7) } });
    expect(isLive(h)).toBe(false);
  });

  it('a new run (the next stage of a batch) starts clean and ignores the previous run\'s late events', () => {
    const first = fold(liveRun());
    const next = fold([
      { type: 'begin', id: 'r2', modelId: 'hmax', config: makeRunConfig('S1', { passes: 1, itersPerPass: 6 }) },
      snapshot(6, 0.9), progress(6, 1), engine({ type: 'metrics', step: 6, stages: { C1: metricSet(3) } }),
    ], first);
    expect(next).toMatchObject({ id: 'r2', stage: 'S1', status: 'loading', step: 0, records: [], metrics: [], metamer: null, start: null, verdict: null });
    const errored = reduce(next, { type: 'fatal', message: 'boom' });
    expect(errored).toMatchObject({ status: 'error', error: 'boom' });
  });
});
