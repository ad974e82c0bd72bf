import { describe, expect, it } from 'vitest';
import { transferablesOf, type WorkerEvent } from '../../src/worker/protocol.ts';

describe('transferablesOf', () => {
  it('transfers snapshot and reference buffers instead of copying them', () => {
    const data = new Float32Array(16);
    const snapshot: WorkerEvent = { type: 'engine', event: { type: 'snapshot', step: 3, shape: [4, 4, 1], data } };
    expect(transferablesOf(snapshot)).toEqual([data.buffer]);
    // A real transfer detaches the sender's buffer: proves the list is what postMessage wants.
    const { port1, port2 } = new MessageChannel();
    port1.postMessage(snapshot, transferablesOf(snapshot));
    expect(data.byteLength).toBe(0);
    port1.close();
    port2.close();
  });

  it('transfers the cochleagram buffer of an audio view event', () => {
    const data = new Float32Array(211 * 390);
    const event: WorkerEvent = {
      type: 'cochleagram', which: 'metamer', step: 2, shape: [211, 390], data, frequencies: [], frameRate: 200, startS: 0.025,
    };
    expect(transferablesOf(event)).toEqual([data.buffer]);
  });

  it('transfers the iterate and Adam moments of a checkpoint (all three detach)', () => {
    const x = new Float32Array(8);
    const m = new Float32Array(8);
    const v = new Float32Array(8);
    const event: WorkerEvent = {
      type: 'checkpoint',
      state: {
        format: 'metamer-run-state/1', modelId: 'm', step: 4, shape: [1, 8], x, adam: { m, v },
        rngState: [1, 2, 3, 4] as never, config: {} as never,
      },
    };
    expect(transferablesOf(event)).toEqual([x.buffer, m.buffer, v.buffer]);
    const { port1, port2 } = new MessageChannel();
    port1.postMessage(event, transferablesOf(event));
    expect([x.byteLength, m.byteLength, v.byteLength]).toEqual([0, 0, 0]);
    port1.close();
    port2.close();
  });

  it('transfers nothing for small events', () => {
    expect(transferablesOf({ type: 'engine', event: { type: 'progress', records: [] } })).toEqual([]);
    expect(transferablesOf({ type: 'ready', backend: 'wasm', fallbacks: [] })).toEqual([]);
    expect(transferablesOf({ type: 'fatal', message: 'x' })).toEqual([]);
  });
});
