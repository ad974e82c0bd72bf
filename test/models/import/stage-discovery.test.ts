import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseOnnx } from '../../../src/models/onnx/onnx-parse.ts';
import { detectArchitecture, discoverStages, type CandidateStage } from '../../../src/models/import/stage-discovery.ts';
import { GraphBuilder, alexnetLike, resnetLike, smallCnn, vggLike, withMisleadingNames } from './onnx-graphs.ts';

const names = (c: CandidateStage[]) => c.map((s) => s.name);
const suggested = (c: CandidateStage[]) => c.filter((s) => s.suggested).map((s) => s.name);

describe('detectArchitecture (structure only)', () => {
  it('recognises AlexNet, VGG and ResNet layouts, and nothing else', () => {
    expect(detectArchitecture(alexnetLike().graph)).toBe('alexnet');
    expect(detectArchitecture(alexnetLike('unfused').graph)).toBe('alexnet');
    expect(detectArchitecture(vggLike().graph)).toBe('vgg');
    expect(detectArchitecture(resnetLike().graph)).toBe('resnet');
    expect(detectArchitecture(resnetLike([3, 4, 23, 3]).graph)).toBe('resnet');
    expect(detectArchitecture(resnetLike([2, 2, 2, 2], 'basic').graph)).toBe('resnet');
    expect(detectArchitecture(smallCnn().graph)).toBeNull();
    // Three groups of residual blocks after a plain conv stem: CORnet-S's areas V2, V4, IT.
    expect(detectArchitecture(resnetLike([2, 4, 2]).graph)).toBe('cornet');
    // Two groups: no known layout.
    expect(detectArchitecture(resnetLike([2, 2]).graph)).toBeNull();
  });

  it('ignores node and value names, even misleading ones', () => {
    for (const built of [alexnetLike(), vggLike(), resnetLike(), smallCnn()]) {
      const renamed = withMisleadingNames(built);
      expect(detectArchitecture(renamed.graph)).toBe(detectArchitecture(built.graph));
      expect(names(discoverStages(renamed.graph, renamed.shapes))).toEqual(names(discoverStages(built.graph, built.shapes)));
    }
  });
});

describe('discoverStages', () => {
  it('AlexNet: paper names relu0..relu4, fc0_relu, fc1_relu, final, with pools as extra candidates', () => {
    for (const style of ['torch', 'unfused'] as const) {
      const { graph, shapes } = alexnetLike(style);
      const c = discoverStages(graph, shapes);
      expect(names(c)).toEqual(['relu0', 'maxpool0', 'relu1', 'maxpool1', 'relu2', 'relu3', 'relu4', 'maxpool2', 'avgpool', 'fc0_relu', 'fc1_relu', 'final']);
      expect(suggested(c)).toEqual(['relu0', 'relu1', 'relu2', 'relu3', 'relu4', 'fc0_relu', 'fc1_relu', 'final']);
      const byName = Object.fromEntries(c.map((s) => [s.name, s]));
      // Shapes come from the probe, without the batch dimension.
      expect(byName.relu0.shape).toEqual([16, 16, 16]);
      expect(byName.fc1_relu.shape).toEqual([128]);
      expect(byName.final.shape).toEqual([10]);
      expect(byName.final.value).toBe(graph.outputs[0].name);
      expect(byName.relu0.kind).toBe('relu');
      expect(byName.maxpool0.kind).toBe('pool');
      expect(byName.final.kind).toBe('final');
      // Every candidate names a value that exists, produced by the node it names.
      for (const s of c) {
        const node = graph.nodes.find((n) => n.name === s.node)!;
        expect(node.outputs).toContain(s.value);
        expect(node.opType).toBe(s.opType);
      }
    }
  });

  it('ResNet-50 (bottleneck blocks, projection shortcuts): conv1_relu1, layer1..layer4, avgpool, final', () => {
    const { graph, shapes } = resnetLike([3, 4, 6, 3]);
    const c = discoverStages(graph, shapes);
    expect(suggested(c)).toEqual(['conv1_relu1', 'layer1', 'layer2', 'layer3', 'layer4', 'avgpool', 'final']);
    const byName = Object.fromEntries(c.map((s) => [s.name, s]));
    // layerN is the last block of its group: 3, 4, 6, 3 blocks -> block outputs _0.._{n-2}, then layerN.
    expect(names(c).filter((n) => /^layer\d(_\d+)?$/.test(n))).toEqual([
      'layer1_0', 'layer1_1', 'layer1',
      'layer2_0', 'layer2_1', 'layer2_2', 'layer2',
      'layer3_0', 'layer3_1', 'layer3_2', 'layer3_3', 'layer3_4', 'layer3',
      'layer4_0', 'layer4_1', 'layer4',
    ]);
    expect(byName.layer1.kind).toBe('merge');
    expect(byName.layer1.opType).toBe('Relu');
    expect(byName.layer1_0_relu1.kind).toBe('relu');
    expect(byName.layer4_1_relu2).toBeDefined();
    expect(byName.maxpool.kind).toBe('pool');
    expect(byName.avgpool.opType).toBe('GlobalAveragePool');
    // Reduced widths: 8 -> bottleneck outputs 32, 64, 128, 256 at strides 4, 8, 16, 32 of 64x64.
    expect(byName.conv1_relu1.shape).toEqual([8, 32, 32]);
    expect(byName.layer1.shape).toEqual([32, 16, 16]);
    expect(byName.layer4.shape).toEqual([256, 2, 2]);
    expect(byName.avgpool.shape).toEqual([256, 1, 1]);
    expect(new Set(names(c)).size).toBe(c.length);
  });

  it('ResNet-18 basic blocks (no projection in layer1) and ResNet-101 get the same paper stages', () => {
    for (const built of [resnetLike([2, 2, 2, 2], 'basic'), resnetLike([3, 4, 23, 3])]) {
      const c = discoverStages(built.graph, built.shapes);
      expect(suggested(c)).toEqual(['conv1_relu1', 'layer1', 'layer2', 'layer3', 'layer4', 'avgpool', 'final']);
    }
    const basic = discoverStages(resnetLike([2, 2, 2, 2], 'basic').graph, resnetLike([2, 2, 2, 2], 'basic').shapes);
    expect(basic.find((s) => s.name === 'layer2')!.shape).toEqual([16, 8, 8]);
  });

  it('CORnet-S layout (V1 without shortcuts, then 3 areas of residual blocks): V1, V2, V4, IT, avgpool, final', () => {
    const { graph, shapes } = resnetLike([2, 4, 2]);
    const c = discoverStages(graph, shapes);
    expect(suggested(c)).toEqual(['V1', 'V2', 'V4', 'IT', 'avgpool', 'final']);
    expect(names(c).slice(0, 6)).toEqual(['V1', 'V1_maxpool', 'V2_0_relu1', 'V2_0_relu2', 'V2_0', 'V2_1_relu1']);
  });

  it('VGG: relu0.. for every conv ReLU; block ends (the ReLU before each max-pool) are suggested', () => {
    const { graph, shapes } = vggLike();
    const c = discoverStages(graph, shapes);
    expect(names(c).filter((n) => n.startsWith('relu'))).toEqual(['relu0', 'relu1', 'relu2', 'relu3', 'relu4', 'relu5', 'relu6', 'relu7']);
    expect(suggested(c)).toEqual(['relu0', 'relu1', 'relu3', 'relu5', 'relu7', 'fc0_relu', 'fc1_relu', 'final']);
    expect(names(c).filter((n) => n.startsWith('maxpool'))).toEqual(['maxpool0', 'maxpool1', 'maxpool2', 'maxpool3', 'maxpool4']);
  });

  it('unknown layout: derived names, every ReLU/pool/final a candidate, an even spread suggested', () => {
    const { graph, shapes } = smallCnn();
    const c = discoverStages(graph, shapes);
    expect(names(c)).toEqual(['relu_0', 'relu_1', 'pool_0', 'relu_2', 'pool_1', 'relu_3', 'final']);
    // 6 inner candidates <= 7: all suggested.
    expect(c.every((s) => s.suggested)).toBe(true);
    // A residual net of no known layout keeps derived names for its merges.
    const r = resnetLike([3, 3]);
    const rc = discoverStages(r.graph, r.shapes);
    expect(names(rc).filter((n) => n.startsWith('add_relu_'))).toHaveLength(6);
    expect(rc.filter((s) => s.suggested)).toHaveLength(8);
    expect(rc.at(-1)!.suggested).toBe(true);
    // The spread reaches the deepest inner candidate.
    const inner = rc.filter((s) => s.kind !== 'final');
    expect(inner.at(-1)!.suggested).toBe(true);
  });

  it('a merge not followed by a ReLU (linear bottleneck) is a candidate itself; constant bias Adds are not merges', () => {
    const g = new GraphBuilder([1, 3, 16, 16]);
    const a = g.relu(g.conv('input', 4));
    const b = g.conv(a, 4);
    const biased = g.op('Add', [b, g.constant([1, 4, 1, 1])], g.shape(b));
    const sum = g.add(biased, a);
    const { graph, shapes } = g.build(g.gemm(g.flatten(g.globalAveragePool(sum)), 3));
    const c = discoverStages(graph, shapes);
    expect(c.map((s) => [s.name, s.kind, s.opType])).toEqual([
      ['relu_0', 'relu', 'Relu'],
      ['add_0', 'merge', 'Add'],
      ['pool_0', 'pool', 'GlobalAveragePool'],
      ['final', 'final', 'Gemm'],
    ]);
    expect(c[1].value).toBe(sum);
  });

  it('CochCNN9 (cochleagram input, 5 conv ReLUs, one fully connected ReLU): the paper names', () => {
    const g = new GraphBuilder([1, 1, 211, 390]);
    let x = g.maxPool(g.relu(g.conv('input', 8, 3)));
    x = g.maxPool(g.relu(g.conv(x, 16, 2)));
    for (let i = 0; i < 3; i++) x = g.relu(g.conv(x, 16));
    x = g.op('AveragePool', [x], [1, 16, 3, 5]);
    x = g.relu(g.gemm(g.flatten(x), 32));
    const { graph, shapes } = g.build(g.gemm(x, 12));
    expect(detectArchitecture(graph)).toBe('cochcnn');
    const c = discoverStages(graph, shapes);
    expect(suggested(c)).toEqual(['cochleagram', 'relu0', 'relu1', 'relu2', 'relu3', 'relu4', 'avgpool', 'relufc', 'final']);
    expect(names(c)).toContain('maxpool1');
    // The same layout on an image input is no known architecture.
    expect(detectArchitecture({ ...graph, inputs: [{ ...graph.inputs[0], dims: [1, 1, 64, 64] }] })).toBeNull();
  });

  it('a cochleagram-shaped input is offered as the first stage "cochleagram"', () => {
    const { graph, shapes } = smallCnn([1, 1, 211, 390]);
    const c = discoverStages(graph, shapes);
    expect(c[0]).toMatchObject({ name: 'cochleagram', kind: 'input-stage', value: 'input', shape: [1, 211, 390], suggested: true });
    expect(discoverStages(smallCnn().graph, smallCnn().shapes).some((s) => s.kind === 'input-stage')).toBe(false);
  });
});

describe('on the PyTorch exports in test/fixtures/onnx', () => {
  const fixture = (name: string) => parseOnnx(readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'onnx', `${name}.onnx`)));
  it('AlexNet (and LowpassAlexNet), VGG-19, ResNet-50/101, CORnet-S, CochCNN9 and CochResNet50 get the paper stages', () => {
    const expected: Record<string, [string, string[]]> = {
      alexnet: ['alexnet', ['relu0', 'relu1', 'relu2', 'relu3', 'relu4', 'fc0_relu', 'fc1_relu', 'final']],
      resnet50: ['resnet', ['conv1_relu1', 'layer1', 'layer2', 'layer3', 'layer4', 'avgpool', 'final']],
      resnet101: ['resnet', ['conv1_relu1', 'layer1', 'layer2', 'layer3', 'layer4', 'avgpool', 'final']],
      vgg19: ['vgg', ['relu1', 'relu3', 'relu7', 'relu11', 'relu15', 'fc0_relu', 'fc1_relu', 'final']],
      cochcnn9: ['cochcnn', ['cochleagram', 'relu0', 'relu1', 'relu2', 'relu3', 'relu4', 'avgpool', 'relufc', 'final']],
      cornet_s: ['cornet', ['V1', 'V2', 'V4', 'IT', 'avgpool', 'final']],
      lowpass_alexnet: ['alexnet', ['relu0', 'relu1', 'relu2', 'relu3', 'relu4', 'fc0_relu', 'fc1_relu', 'final']],
      cochresnet50: ['resnet', ['cochleagram', 'conv1_relu1', 'layer1', 'layer2', 'layer3', 'layer4', 'avgpool', 'final']],
    };
    for (const [name, [arch, stages]] of Object.entries(expected)) {
      const graph = fixture(name);
      expect(detectArchitecture(graph), name).toBe(arch);
      expect(suggested(discoverStages(graph, new Map())), name).toEqual(stages);
    }
  });
});
