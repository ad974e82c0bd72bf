/**
 * Gradients through real PyTorch exports (test/fixtures/onnx, reduced-width torchvision
 * AlexNet and ResNet-50 with random weights): d<probe, stage>/d(raw image) from the "onnx"
 * StagedModel (normalisation + NCHW transpose + the graph) agrees with central finite
 * differences on the wasm backend, at an early ReLU stage and at the logits. Directions
 * are single pixels (all channels), so a step crosses few ReLU/max-pool kinks (see
 * onnx-gradcheck.ts). The tolerance is 10%: through dozens of ReLUs a one-pixel step changes
 * the logits by little, and kinks just inside the step still bend the differences by a few
 * percent (most directions agree to 1%); a real gradient bug (a wrong transpose, a dropped
 * branch, a misrouted pool) is off by far more. The hand-built graphs in onnx-model.test.ts
 * and onnx-ops.test.ts are checked to 0.5%.
 */
import { beforeAll, describe, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { useNodeBackend } from '../../src/platform/tf-node.ts';
import { Rng } from '../../src/engine/random.ts';
import type { InputSpec } from '../../src/engine/types.ts';
import { parseOnnx } from '../../src/models/onnx/onnx-parse.ts';
import type { OnnxGraph } from '../../src/models/onnx/onnx-ir.ts';
import { stagedModelFromOnnx } from '../../src/models/onnx/onnx-model.ts';
import { expectGradientMatchesDifferences, patchDirection } from './onnx-gradcheck.ts';

const DIR = 'test/fixtures/onnx';

function load(name: string): { graph: OnnxGraph; spec: InputSpec & { layout: 'NCHW' | 'NHWC' } } {
  const graph = parseOnnx(readFileSync(`${DIR}/${name}.onnx`), `${name}.onnx`);
  const { layout, channelOrder: _, ...spec } = JSON.parse(readFileSync(`${DIR}/${name}.input-spec.json`, 'utf8'));
  return { graph, spec: { ...spec, layout } };
}

/** Output of the Relu right after the first residual Add (the first bottleneck's output). */
function firstBlockOutput(graph: OnnxGraph): string {
  const add = graph.nodes.find((n) => n.opType === 'Add')!;
  return graph.nodes.find((n) => n.opType === 'Relu' && n.inputs[0] === add.outputs[0])!.outputs[0];
}

function rawImage(seed: number, [h, w, c]: number[]): tf.Tensor {
  const r = new Rng(seed);
  return tf.tensor(Float32Array.from({ length: h * w * c }, () => 0.1 + 0.8 * r.uniform()), [1, h, w, c]);
}

describe('gradients through PyTorch ONNX fixtures (wasm)', () => {
  beforeAll(async () => {
    await useNodeBackend('wasm');
  });

  const cases = [
    { name: 'alexnet', early: (g: OnnxGraph) => g.nodes.filter((n) => n.opType === 'Relu')[1].outputs[0] },
    { name: 'resnet50', early: firstBlockOutput },
  ];
  it.each(cases)('$name: early ReLU stage and logits agree with finite differences', ({ name, early }) => {
    const { graph, spec } = load(name);
    const stageValues = { early: early(graph), final: graph.outputs[0].name };
    const model = stagedModelFromOnnx(graph, {
      id: name, inputSpec: spec, stages: ['early', 'final'], stageValues, layout: spec.layout,
    });
    const x = rawImage(1, spec.shape);
    for (const stage of ['early', 'final']) {
      expectGradientMatchesDifferences((v) => model.forward(v, [stage])[stage], x, 21, {
        direction: patchDirection(1), steps: [1e-2, 3e-3], linearTol: 0.01, tol: 0.1,
      });
    }
    x.dispose();
    model.dispose();
  });
});
