/**
 * Parity of the ONNX importer with onnxruntime-web on PyTorch exports of the seeds'
 * architectures (test/fixtures/onnx/, written by scripts/models/onnx_fixtures/export.py).
 *
 * Checked in a chain, each step against an independent reference:
 * 1. torch's own logits on the shared input (saved by export.py): onnxruntime must agree with
 *    them, which proves the oracle is set up right (input layout, wasm build, extra outputs);
 * 2. onnxruntime's value for every intermediate the graph computes (each node's float output,
 *    which includes every candidate stage discovery offers): the importer's tfjs run must agree
 *    within 1e-4 relative L2 (issue 6), with the same shape; stage discovery must recognise the
 *    layouts index.json names and suggest the paper's stage names;
 * 3. the same through the StagedModel the app and CLI use (stagedModelFromOnnx with the shipped
 *    input spec): raw stimulus -> normalisation / layout (or the cochleagram) -> graph, for the
 *    suggested stages of AlexNet and of the audio CochCNN9 (cochleagram front end).
 * Backend: wasm for every fixture (what the CLI and the app's fallback use), plus the pure-JS
 * cpu backend for the small CochCNN9.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InputSpec } from '../../src/engine/types.ts';
import { parseNpy, type NpyArray } from '../../src/io/npy.ts';
import type { OnnxGraph } from '../../src/models/onnx/onnx-ir.ts';
import { stagedModelFromOnnx } from '../../src/models/onnx/onnx-model.ts';
import { parseOnnx } from '../../src/models/onnx/onnx-parse.ts';
import { OnnxWeights, probeShapes, runOnnxGraph } from '../../src/models/onnx/onnx-runner.ts';
import { guessInput, graphInputDims } from '../../src/models/import/input-guess.ts';
import { applyInputSpecFile } from '../../src/models/import/input-spec-file.ts';
import { detectArchitecture, discoverStages, suggestedStages, type CandidateStage } from '../../src/models/import/stage-discovery.ts';
import { useNodeBackend, type NodeBackend } from '../../src/platform/tf-node.ts';
import { runOnnxOracle, type OracleTensor } from './onnx-oracle.ts';
import { relativeL2 } from '../audio/fixtures.ts';

const DIR = join(import.meta.dirname, '../fixtures/onnx');
/** Issue 6's parity bound, on every compared value. */
const PARITY_REL_L2 = 1e-4;
/** onnxruntime vs torch on the logits (both float32; observed ~1e-6). */
const ORACLE_REL_L2 = 1e-5;

interface FixtureEntry {
  name: string;
  file: string;
  inputSpec: string;
  input: string;
  inputShape: number[];
  logits: string;
  architecture: string | null;
  description: string;
}

const index = JSON.parse(readFileSync(join(DIR, 'index.json'), 'utf8')) as { fixtures: FixtureEntry[] };

/**
 * The paper's stage names (spec section 4) that stage discovery must suggest for the recognised
 * layouts; audio models (cochleagram input) get the `cochleagram` input stage first.
 */
const PAPER_STAGES: Record<string, string[]> = {
  alexnet: ['relu0', 'relu1', 'relu2', 'relu3', 'relu4', 'fc0_relu', 'fc1_relu', 'final'],
  resnet: ['conv1_relu1', 'layer1', 'layer2', 'layer3', 'layer4', 'avgpool', 'final'],
  cochcnn: ['relu0', 'relu1', 'relu2', 'relu3', 'relu4', 'avgpool', 'relufc', 'final'],
  cornet: ['V1', 'V2', 'V4', 'IT', 'avgpool', 'final'],
};
const COCHLEAGRAM_INPUT = [1, 1, 211, 390];

const npyCache = new Map<string, NpyArray>();
function npy(file: string): NpyArray {
  if (!npyCache.has(file)) npyCache.set(file, parseNpy(readFileSync(join(DIR, file))));
  return npyCache.get(file)!;
}

/** Every float value a node computes from the input (Constant nodes and folded shape arithmetic excluded). */
function computedValues(graph: OnnxGraph, shapes: Map<string, number[]>): string[] {
  return graph.nodes.filter((n) => n.opType !== 'Constant').flatMap((n) => n.outputs.filter((o) => o !== '' && shapes.has(o)));
}

interface ParityReport {
  architecture: string | null;
  candidates: CandidateStage[];
  compared: number;
  worst: { value: string; rel: number };
  oracleVsTorch: number;
}

/** Runs one fixture through both engines and checks every computed value; returns what it saw. */
async function checkFixture(f: FixtureEntry): Promise<ParityReport> {
  const bytes = readFileSync(join(DIR, f.file));
  const input = npy(f.input);
  expect(input.shape).toEqual(f.inputShape);
  const tensorsBefore = tf.memory().numTensors;
  const graph = parseOnnx(bytes, f.file);
  const weights = new OnnxWeights(graph);
  try {
    const shapes = probeShapes(graph, input.shape, weights);
    const candidates = discoverStages(graph, shapes);
    const logitsValue = graph.outputs[0].name;
    const wanted = [...new Set([...computedValues(graph, shapes), ...candidates.map((c) => c.value)])];
    expect(wanted).toContain(logitsValue);
    const oracle: Record<string, OracleTensor> = await runOnnxOracle(bytes, { [graph.inputs[0].name]: { data: input.data, dims: input.shape } }, wanted);

    const torchLogits = npy(f.logits);
    const oracleVsTorch = relativeL2(oracle[logitsValue].data, torchLogits.data);
    expect(oracle[logitsValue].dims, `${f.name}: onnxruntime logits shape`).toEqual(torchLogits.shape);
    expect(oracleVsTorch, `${f.name}: onnxruntime vs torch logits`).toBeLessThan(ORACLE_REL_L2);

    const x = tf.tensor(input.data, input.shape);
    const got = runOnnxGraph(graph, { [graph.inputs[0].name]: x }, wanted, { weights });
    x.dispose();
    let worst = { value: '', rel: -1 };
    try {
      for (const value of wanted) {
        const t = got[value];
        expect(t.shape, `${f.name}: shape of "${value}"`).toEqual(oracle[value].dims);
        expect(shapes.get(value), `${f.name}: probed shape of "${value}"`).toEqual(oracle[value].dims);
        const rel = relativeL2(t.dataSync(), oracle[value].data);
        if (!(rel <= worst.rel)) worst = { value, rel };
      }
    } finally {
      tf.dispose(Object.values(got));
    }
    expect(worst.rel, `${f.name}: worst value "${worst.value}" relative L2 vs onnxruntime`).toBeLessThan(PARITY_REL_L2);
    // What users select (the candidate stages and the logits), asked for alone: conv outputs
    // nobody selects are no longer materialised, so batch norms fold into their convs.
    const selected = [...new Set([...candidates.map((c) => c.value), logitsValue])];
    const x2 = tf.tensor(input.data, input.shape);
    const picked = runOnnxGraph(graph, { [graph.inputs[0].name]: x2 }, selected, { weights });
    x2.dispose();
    try {
      for (const value of selected) {
        const rel = relativeL2(picked[value].dataSync(), oracle[value].data);
        expect(rel, `${f.name}: selected value "${value}" alone, relative L2 vs onnxruntime`).toBeLessThan(PARITY_REL_L2);
      }
    } finally {
      tf.dispose(Object.values(picked));
    }
    return { architecture: detectArchitecture(graph), candidates, compared: wanted.length, worst, oracleVsTorch };
  } finally {
    weights.dispose();
    expect(tf.memory().numTensors, `${f.name}: tensors left after the run`).toBe(tensorsBefore);
  }
}

function expectPaperStages(f: FixtureEntry, candidates: CandidateStage[]): void {
  const paper = f.architecture ? PAPER_STAGES[f.architecture] : undefined;
  if (!paper) return;
  const audio = f.inputShape.join() === COCHLEAGRAM_INPUT.join();
  expect(suggestedStages(candidates).map((c) => c.name), `${f.name}: suggested stages`).toEqual(audio ? ['cochleagram', ...paper] : paper);
}

describe('ONNX fixtures: importer vs onnxruntime-web vs torch (wasm backend)', () => {
  beforeAll(async () => {
    await useNodeBackend('wasm');
  });

  it('has the fixtures the export script writes, under the 20 MB budget', () => {
    const names = index.fixtures.map((f) => f.name);
    for (const arch of ['alexnet', 'vgg19', 'resnet50', 'cornet_s', 'lowpass_alexnet', 'vone_alexnet', 'cochcnn9', 'cochresnet50']) {
      expect(names).toContain(arch);
    }
    let bytes = 0;
    for (const f of index.fixtures) bytes += readFileSync(join(DIR, f.file)).length;
    expect(bytes).toBeLessThan(20 * 1024 * 1024);
  });

  for (const f of index.fixtures) {
    it(`${f.name}: every computed value within ${PARITY_REL_L2} relative L2`, async () => {
      const report = await checkFixture(f);
      expect(report.compared).toBeGreaterThan(5);
      expect(report.candidates.some((c) => c.kind === 'final')).toBe(true);
      expect(report.architecture, `${f.name}: detected architecture`).toBe(f.architecture);
      expectPaperStages(f, report.candidates);
    });
  }
});

describe('ONNX fixtures: shipped input specs', () => {
  for (const f of index.fixtures) {
    it(`${f.name}: ${f.inputSpec} is a valid --input-spec file that agrees with the importer's guess`, () => {
      const graph = parseOnnx(readFileSync(join(DIR, f.file)), f.file);
      expect(graph.inputs[0].dims).toEqual(f.inputShape);
      const guess = guessInput(graph.inputs[0].dims, `input of ${f.file}`);
      const fromFile = applyInputSpecFile(readFileSync(join(DIR, f.inputSpec), 'utf8'), f.inputSpec, guess);
      expect(fromFile).toEqual({ inputSpec: guess.inputSpec, layout: guess.layout, channelOrder: guess.channelOrder });
      expect(graphInputDims({ ...guess, ...fromFile })).toEqual(f.inputShape);
    });
  }
});

/** A seeded 2-s, 20-kHz test clip: two tones plus LCG noise, peak < 0.2. */
function testClip(samples: number, sampleRate: number): Float32Array {
  let state = 12345;
  return Float32Array.from({ length: samples }, (_, i) => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const t = i / sampleRate;
    return 0.1 * Math.sin(2 * Math.PI * 440 * t) + 0.05 * Math.sin(2 * Math.PI * 1234 * t) + 0.02 * (state / 2 ** 31 - 0.5);
  });
}

/**
 * The raw stimulus for a fixture's StagedModel: images undo the stored graph input's ImageNet
 * normalisation (NCHW -> raw NHWC in [0, 1]), so the model's own normalisation must give the
 * stored input back; audio is a test clip (its graph input is the model's cochleagram stage).
 */
function rawStimulus(f: FixtureEntry, spec: InputSpec): tf.Tensor {
  if (spec.modality === 'audio') return tf.tensor(testClip(spec.shape[0], spec.sampleRate!), [1, spec.shape[0]]);
  const input = npy(f.input);
  const { mean, std } = spec.normalization!;
  return tf.tidy(() => tf.transpose(tf.tensor(input.data, input.shape), [0, 2, 3, 1]).mul(std).add(mean));
}

describe('ONNX fixtures as StagedModels (shipped input spec) vs onnxruntime-web', () => {
  beforeAll(async () => {
    await useNodeBackend('wasm');
  });

  for (const name of ['alexnet', 'cochcnn9']) {
    it(`${name}: suggested stages from the raw stimulus within ${PARITY_REL_L2} relative L2`, async () => {
      const f = index.fixtures.find((e) => e.name === name)!;
      const bytes = readFileSync(join(DIR, f.file));
      const graph = parseOnnx(bytes, f.file);
      const guess = guessInput(graph.inputs[0].dims, `input of ${f.file}`);
      const spec = applyInputSpecFile(readFileSync(join(DIR, f.inputSpec), 'utf8'), f.inputSpec, guess);
      const stages = suggestedStages(discoverStages(graph, probeShapes(graph, f.inputShape)));
      const tensorsBefore = tf.memory().numTensors;
      const model = stagedModelFromOnnx(graph, {
        id: f.name,
        inputSpec: spec.inputSpec,
        stages: stages.map((s) => s.name),
        stageValues: Object.fromEntries(stages.map((s) => [s.name, s.value])),
        layout: spec.layout,
        channelOrder: spec.channelOrder,
        frontEnd: guess.frontEnd,
        readoutValue: graph.outputs[0].name,
      });
      const raw = rawStimulus(f, spec.inputSpec);
      try {
        const got = model.forward(raw, model.stages);
        try {
          // Audio: onnxruntime gets the model's own cochleagram (the front end is tested in
          // test/audio; here the point is what the graph does with it). Images: the stored input.
          const inputStage = stages.find((s) => s.kind === 'input-stage');
          const graphInput: OracleTensor = inputStage
            ? { data: got[inputStage.name].dataSync() as Float32Array, dims: f.inputShape }
            : { data: npy(f.input).data, dims: f.inputShape };
          const inner = stages.filter((s) => s.kind !== 'input-stage');
          const oracle = await runOnnxOracle(bytes, { [graph.inputs[0].name]: graphInput }, [...inner.map((s) => s.value), graph.outputs[0].name]);
          if (inputStage) expect(got[inputStage.name].shape, `${f.name}: cochleagram stage`).toEqual(f.inputShape);
          for (const s of inner) {
            expect(got[s.name].shape, `${f.name}: shape of stage ${s.name}`).toEqual(oracle[s.value].dims);
            expect(relativeL2(got[s.name].dataSync(), oracle[s.value].data), `${f.name}: stage ${s.name}`).toBeLessThan(PARITY_REL_L2);
          }
          if (spec.inputSpec.modality === 'image') {
            // The readout runs the graph again (for audio that would be a second cochleagram: slow).
            const logits = model.readout!.logits(raw);
            expect(relativeL2(logits.dataSync(), oracle[graph.outputs[0].name].data), `${f.name}: readout logits`).toBeLessThan(PARITY_REL_L2);
            logits.dispose();
          }
        } finally {
          tf.dispose(Object.values(got));
        }
      } finally {
        raw.dispose();
        model.dispose();
      }
      expect(tf.memory().numTensors, `${f.name}: tensors left after the StagedModel run`).toBe(tensorsBefore);
    });
  }
});

describe('ONNX fixtures on the cpu backend', () => {
  let previous: string;
  beforeAll(async () => {
    previous = tf.getBackend();
    await useNodeBackend('cpu');
  });
  afterAll(async () => {
    if (previous === 'wasm' || previous === 'cpu') await useNodeBackend(previous as NodeBackend);
  });

  it('cochcnn9: every computed value within the bound', async () => {
    const f = index.fixtures.find((e) => e.name === 'cochcnn9')!;
    await checkFixture(f);
  });
});
