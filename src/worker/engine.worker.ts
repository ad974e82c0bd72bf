/**
 * The engine worker: a thin adapter from WorkerCommand messages to a MetamerRun and from
 * its EngineEvents back to WorkerEvent messages. All tfjs work happens here, off the UI thread.
 */
import * as tf from '@tensorflow/tfjs';
import type { EngineEvent, MetricSet } from '../engine/types.ts';
import { chooseBackend } from '../platform/tf-browser.ts';
import type { MeasureScope } from '../engine/types.ts';
import { transferablesOf, type WorkerCommand, type WorkerEvent } from './protocol.ts';
import { readoutLogits } from '../engine/readout.ts';
import { checkpointEvery } from '../engine/cadence.ts';
import { totalSteps } from '../engine/presets.ts';
import {
  prepareRun, judge, listModels, builtinSource, cacheModel, forgetModel, loadModel, useImportedModels, type PreparedRun,
} from './engine-runtime.ts';
import { CochleagramFeed } from './cochleagram-snapshots.ts';
import { ImportService } from './import-service.ts';
import { runAllStagesBatch } from './all-stages-batch.ts';
import { BUILTIN_MODEL_IDS } from '../models/registry.ts';
import { recogniseInputs } from './recognition.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;

function post(event: WorkerEvent): void {
  scope.postMessage(event, transferablesOf(event));
}

function fatal(err: unknown): void {
  post({ type: 'fatal', message: err instanceof Error ? err.message : String(err) });
}

/** The one run this worker owns; pause/resume continue it, start replaces it. */
let current: PreparedRun | null = null;
let pauseRequested = false;
let abort: AbortController | null = null;
let running = false;
/** Stop arrived while the model was still loading: end the run as soon as it exists. */
let stopWhileLoading = false;
let lastStep = 0;
let lastMetrics: Record<string, MetricSet> | null = null;
let lastMetricsStep = -1;
/** Stages the live metrics of the current run cover. */
let measure: MeasureScope = 'all';
/** Audio models: cochleagrams of the reference and snapshots for the page (null for images). */
let feed: CochleagramFeed | null = null;
/** Audio models: events wait here while a cochleagram is computed, so they stay in order. */
let chain: Promise<void> = Promise.resolve();
/** The all-stages batch in progress ('stop' aborts it), or null; batchEnded settles when it has ended. */
let batch: AbortController | null = null;
let batchEnded: Promise<void> = Promise.resolve();

/** Models with a readout: the metamer's logits at a metrics step (read back asynchronously). */
function sendReadout(prepared: PreparedRun, which: 'reference' | 'metamer', step: number, x: tf.Tensor): void {
  const labels = prepared.loaded.model.readout?.labels;
  if (!labels) return;
  readoutLogits(prepared.loaded.model, x)
    .then((logits) => logits && post({ type: 'readout', which, step, logits, labels: [...labels] }))
    .catch((err) => console.error(`readout failed: ${err instanceof Error ? err.message : String(err)}`))
    .finally(() => { if (which === 'metamer') x.dispose(); });
}

function forward(event: EngineEvent): void {
  if ('step' in event) lastStep = event.step;
  if (event.type === 'metrics') {
    lastMetrics = event.stages;
    lastMetricsStep = event.step;
    // Between steps: the iterate is consistent now; its copy is disposed once read.
    if (current?.loaded.model.readout) sendReadout(current, 'metamer', event.step, current.run.current());
  }
  const audio = feed;
  if (!audio) {
    post({ type: 'engine', event });
    return;
  }
  chain = chain.then(async () => {
    try {
      // Before the post: posting transfers (detaches) the snapshot's samples.
      if (event.type === 'snapshot') await audio.snapshot(event.step, event.data);
      else if (event.type === 'done' || event.type === 'paused') await audio.flush();
    } catch (err) {
      // The picture is lost, not the run: say so in the console and carry on.
      console.error(`cochleagram failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    post({ type: 'engine', event });
  });
}

async function drive(prepared: PreparedRun): Promise<void> {
  running = true;
  abort = new AbortController();
  try {
    const outcome = await prepared.run.run({
      onEvent: forward,
      shouldPause: () => pauseRequested,
      signal: abort.signal,
      progressEvery: 1,
      measureStages: measure === 'stage' ? [prepared.config.stage] : undefined,
      checkpointEvery: checkpointEvery(totalSteps(prepared.config)),
      onCheckpoint: (state) => post({ type: 'checkpoint', state }),
    });
    if (outcome === 'stopped') await measureStopped(prepared);
    await chain;
    // Always sent after a completed run (null: no null distribution), so the page knows it is settled.
    if (outcome === 'done' && current === prepared) {
      post({ type: 'verdict', verdict: lastMetrics ? await judge(prepared, lastMetrics) : null });
    }
    if (outcome !== 'paused') release(prepared);
  } catch (err) {
    fatal(err);
    release(prepared);
  } finally {
    running = false;
  }
}

/** A stopped run is measured where it stopped, so its panels show numbers, not "-". */
async function measureStopped(prepared: PreparedRun): Promise<void> {
  if (lastMetricsStep === lastStep) return;
  try {
    forward({ type: 'metrics', step: lastStep, stages: await prepared.run.measure(measure === 'stage' ? [prepared.config.stage] : undefined) });
  } catch (err) {
    console.error(`measuring the stopped run failed: ${errorText(err)}`);
  }
}

function release(prepared: PreparedRun): void {
  prepared.run.dispose();
  prepared.reference.dispose();
  if (current === prepared) current = null;
}

/** Imported models: inspection, building, storage and their null (all off the UI thread). */
const imports = new ImportService(builtinSource, BUILTIN_MODEL_IDS);
useImportedModels(imports);

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Sends the model list: built-in, then imported (after every import, null or delete). */
async function postModels(): Promise<void> {
  post({
    type: 'models', manifests: [...await listModels(), ...imports.manifests()], imported: imports.info(),
    ...(imports.storageError ? { storageError: imports.storageError } : {}),
  });
}

async function buildNull(modelId: string, pairs: number, seed: number): Promise<void> {
  let lastPost = 0;
  try {
    const loaded = await loadModel(modelId);
    const { dist, saveError } = await imports.buildNull(loaded, pairs, seed, (fraction, detail) => {
      // Progress comes per stimulus; ~10 updates a second are plenty for a bar.
      const now = performance.now();
      if (now - lastPost < 100 && fraction < 1) return;
      lastPost = now;
      post({ type: 'null-progress', modelId, fraction, detail });
    });
    post({ type: 'null-built', modelId, stages: dist.stages, pairs, saveError });
    await postModels();
  } catch (err) {
    const cancelled = /aborted/.test(errorText(err));
    post({ type: 'null-failed', modelId, cancelled, message: cancelled ? 'null distribution build cancelled' : errorText(err) });
  }
}

/** A lost WebGPU device cannot recover inside this worker: say so instead of hanging. */
function watchDeviceLoss(): void {
  const backend = tf.backend() as unknown as { device?: GPUDevice };
  backend.device?.lost.then((info) => {
    fatal(`WebGPU device lost (${info.reason}): ${info.message || 'no message'}. Reload the page.`);
  });
}

async function handle(cmd: WorkerCommand): Promise<void> {
  switch (cmd.type) {
    case 'init': {
      const choice = await chooseBackend(cmd.backend);
      if (choice.backend === 'webgpu') watchDeviceLoss();
      await imports.open();
      // Models first: once the page says "ready", it can show every model (no race with the list).
      await postModels();
      post({ type: 'ready', backend: choice.backend, fallbacks: choice.fallbacks });
      return;
    }
    case 'start': {
      if (current) {
        abort?.abort();
        while (running) await new Promise((r) => setTimeout(r, 10));
        if (current) release(current);
      }
      await chain;
      feed = null;
      pauseRequested = false;
      stopWhileLoading = false;
      lastMetrics = null;
      lastMetricsStep = -1;
      lastStep = 0;
      measure = cmd.measure ?? 'all';
      const prepared = await prepareRun(cmd.modelId, cmd.config, cmd.referenceIndex, cmd.referenceData, cmd.resume);
      current = prepared;
      if (stopWhileLoading) {
        release(prepared);
        post({ type: 'engine', event: { type: 'done', step: 0, stopped: true } });
        return;
      }
      // Copy: on the cpu backend data() returns the tensor's own storage, which a transfer would detach.
      const referenceData = Float32Array.from(await prepared.reference.data());
      const audioReference = prepared.manifest.inputSpec.modality === 'audio' ? referenceData.slice() : null;
      post({
        type: 'model',
        manifest: prepared.manifest,
        reference: { shape: prepared.reference.shape.slice(1), data: referenceData },
        nullStages: prepared.loaded.nullDistribution?.stages ?? null,
      });
      sendReadout(prepared, 'reference', 0, prepared.reference);
      if (audioReference) {
        feed = new CochleagramFeed(prepared.loaded.model, prepared.manifest, post);
        await feed.send('reference', 0, audioReference);
      }
      await drive(prepared);
      return;
    }
    case 'start-all': {
      if (current) {
        abort?.abort();
        while (running) await new Promise((r) => setTimeout(r, 10));
        if (current) release(current);
      }
      // A batch still running ends first, so its last events cannot mix with the new batch's.
      batch?.abort();
      await batchEnded;
      const mine = new AbortController();
      batch = mine;
      batchEnded = runAllStagesBatch(cmd, post, mine.signal)
        .catch(fatal)
        .finally(() => {
          if (batch === mine) batch = null;
        });
      await batchEnded;
      return;
    }
    case 'pause':
      pauseRequested = true;
      return;
    case 'resume':
      if (!current || running) return;
      pauseRequested = false;
      await drive(current);
      return;
    case 'inspect-model':
      try {
        post({ type: 'model-draft', requestId: cmd.requestId, draft: await imports.inspect(cmd.requestId, cmd.files) });
      } catch (err) {
        post({ type: 'import-error', requestId: cmd.requestId, message: errorText(err) });
      }
      return;
    case 'import-model':
      try {
        const { manifest, loaded, saveError } = await imports.importModel(cmd.requestId, cmd.choices);
        cacheModel(loaded);
        await postModels();
        post({ type: 'model-imported', requestId: cmd.requestId, manifest, saveError });
      } catch (err) {
        post({ type: 'import-error', requestId: cmd.requestId, message: errorText(err) });
      }
      return;
    case 'discard-draft':
      imports.discard(cmd.requestId);
      return;
    case 'build-null':
      await buildNull(cmd.modelId, cmd.pairs, cmd.seed);
      return;
    case 'cancel-null':
      imports.cancelNull();
      return;
    case 'delete-model':
      if (current?.manifest.id === cmd.modelId) {
        post({ type: 'import-error', requestId: -1, message: `model "${current.manifest.name}" is in use by a run: stop the run before deleting it` });
        return;
      }
      try {
        await forgetModel(cmd.modelId);
        await imports.delete(cmd.modelId);
      } catch (err) {
        post({ type: 'import-error', requestId: -1, message: errorText(err) });
      }
      await postModels();
      return;
    case 'recognise':
      try {
        post({ type: 'recognition', requestId: cmd.requestId, results: await recogniseInputs(cmd.sourceModelId, cmd.readers, cmd.inputs, loadModel) });
      } catch (err) {
        post({ type: 'recognition', requestId: cmd.requestId, results: null, error: errorText(err) });
      }
      return;
    case 'stop':
      if (batch) {
        batch.abort();
      } else if (running) {
        abort?.abort();
      } else if (current) {
        // Paused: nothing is looping, so finish the run here (measured where it stopped).
        const stopped = current;
        post({ type: 'engine', event: { type: 'done', step: lastStep, stopped: true } });
        await measureStopped(stopped);
        await chain;
        release(stopped);
      } else {
        stopWhileLoading = true;
      }
      return;
  }
}

// One listener; commands are handled as they come (pause/stop must get through while a run awaits).
scope.addEventListener('message', (e: MessageEvent<WorkerCommand>) => {
  handle(e.data).catch(fatal);
});
