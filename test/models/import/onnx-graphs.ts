/**
 * Hand-built OnnxGraph objects (plain data, no protobuf, no tfjs) in the layouts PyTorch
 * exports: AlexNet, VGG, ResNet with bottleneck or basic blocks, and small unknown nets.
 * Shapes are tracked by the builder so discovery's shape field can be checked too.
 */
import type { OnnxAttribute, OnnxGraph, OnnxNode, OnnxShapes } from '../../../src/models/onnx/onnx-ir.ts';

export interface BuiltGraph {
  graph: OnnxGraph;
  shapes: OnnxShapes;
}

export class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly constants: OnnxGraph['constants'] = new Map();
  readonly shapes: OnnxShapes = new Map();
  private count = 0;

  constructor(readonly inputDims: number[], readonly inputName = 'input') {
    this.shapes.set(inputName, inputDims);
  }

  constant(dims: number[]): string {
    const name = `w${this.count++}`;
    const size = dims.reduce((a, b) => a * b, 1);
    this.constants.set(name, { name, dims, dataType: 'float32', data: new Float32Array(size) });
    return name;
  }

  op(opType: string, inputs: string[], shape: number[], attributes: Record<string, OnnxAttribute> = {}): string {
    const k = this.count++;
    const out = `v${k}`;
    this.nodes.push({ name: `${opType}_${k}`, opType, domain: '', inputs, outputs: [out], attributes });
    this.shapes.set(out, shape);
    return out;
  }

  shape(v: string): number[] {
    return this.shapes.get(v)!;
  }

  conv(x: string, channels: number, stride = 1, kernel = 3): string {
    const [n, c, h, w] = this.shape(x);
    return this.op('Conv', [x, this.constant([channels, c, kernel, kernel]), this.constant([channels])], [n, channels, Math.ceil(h / stride), Math.ceil(w / stride)], {
      strides: { kind: 'ints', value: [stride, stride] },
    });
  }

  bn(x: string): string {
    const c = this.shape(x)[1];
    const p = () => this.constant([c]);
    return this.op('BatchNormalization', [x, p(), p(), p(), p()], this.shape(x));
  }

  relu(x: string): string {
    return this.op('Relu', [x], this.shape(x));
  }

  maxPool(x: string, stride = 2): string {
    const [n, c, h, w] = this.shape(x);
    return this.op('MaxPool', [x], [n, c, Math.ceil(h / stride), Math.ceil(w / stride)]);
  }

  globalAveragePool(x: string): string {
    const [n, c] = this.shape(x);
    return this.op('GlobalAveragePool', [x], [n, c, 1, 1]);
  }

  flatten(x: string): string {
    const [n, ...rest] = this.shape(x);
    return this.op('Flatten', [x], [n, rest.reduce((a, b) => a * b, 1)]);
  }

  gemm(x: string, units: number): string {
    const [n, k] = this.shape(x);
    return this.op('Gemm', [x, this.constant([units, k]), this.constant([units])], [n, units], { transB: { kind: 'int', value: 1 } });
  }

  add(a: string, b: string): string {
    return this.op('Add', [a, b], this.shape(a));
  }

  build(output: string): BuiltGraph {
    const graph: OnnxGraph = {
      inputs: [{ name: this.inputName, dims: this.inputDims, dataType: 'float32' }],
      outputs: [{ name: output, dims: this.shape(output), dataType: 'float32' }],
      constants: this.constants,
      nodes: this.nodes,
      opset: 13,
      producer: 'pytorch',
    };
    return { graph, shapes: this.shapes };
  }
}

/** torchvision AlexNet layout (reduced widths); `style` varies what PyTorch may emit around the layers. */
export function alexnetLike(style: 'torch' | 'unfused' = 'torch'): BuiltGraph {
  const g = new GraphBuilder([1, 3, 64, 64]);
  const convRelu = (x: string, c: number, stride = 1) => {
    const y = g.conv(x, c, stride);
    return g.relu(style === 'unfused' ? g.bn(y) : y);
  };
  let x = convRelu('input', 16, 4);
  x = g.maxPool(x);
  x = convRelu(x, 48);
  x = g.maxPool(x);
  x = convRelu(x, 96);
  x = convRelu(x, 64);
  x = convRelu(x, 64);
  x = g.maxPool(x);
  x = g.op('AveragePool', [x], g.shape(x));
  x = g.flatten(x);
  const fc = (v: string, units: number) => {
    if (style === 'torch') return g.gemm(v, units);
    // MatMul + bias Add, with a Dropout and an Identity on the way (older exporters, Keras-to-ONNX).
    const d = g.op('Dropout', [v], g.shape(v));
    const m = g.op('MatMul', [d, g.constant([g.shape(v)[1], units])], [1, units]);
    return g.op('Identity', [g.op('Add', [m, g.constant([units])], [1, units])], [1, units]);
  };
  x = g.relu(fc(x, 128));
  x = g.relu(fc(x, 128));
  return g.build(fc(x, 10));
}

/** VGG-11 layout: conv blocks [1, 1, 2, 2, 2] each ending in a max-pool, then 3 fully connected layers. */
export function vggLike(): BuiltGraph {
  const g = new GraphBuilder([1, 3, 64, 64]);
  let x = 'input';
  for (const [convs, c] of [[1, 8], [1, 16], [2, 32], [2, 32], [2, 32]]) {
    for (let i = 0; i < convs; i++) x = g.relu(g.conv(x, c));
    x = g.maxPool(x);
  }
  x = g.flatten(x);
  x = g.relu(g.gemm(x, 64));
  x = g.relu(g.gemm(x, 64));
  return g.build(g.gemm(x, 10));
}

/**
 * ResNet layout: stem conv-BN-ReLU-maxpool, groups of residual blocks (Add then ReLU), a
 * projection shortcut (conv-BN) where a block changes shape, then global average pool and a
 * fully connected layer. Bottleneck blocks (ResNet-50/101) or basic blocks (ResNet-18/34).
 */
export function resnetLike(blocks: number[] = [3, 4, 6, 3], kind: 'bottleneck' | 'basic' = 'bottleneck', input: number[] = [1, 3, 64, 64]): BuiltGraph {
  const g = new GraphBuilder(input);
  let x = g.maxPool(g.relu(g.bn(g.conv('input', 8, 2, 7))));
  const expansion = kind === 'bottleneck' ? 4 : 1;
  blocks.forEach((count, layer) => {
    const width = 8 * 2 ** layer;
    for (let b = 0; b < count; b++) {
      const stride = b === 0 && layer > 0 ? 2 : 1;
      const outC = width * expansion;
      let y: string;
      if (kind === 'bottleneck') {
        y = g.relu(g.bn(g.conv(x, width, 1, 1)));
        y = g.relu(g.bn(g.conv(y, width, stride)));
        y = g.bn(g.conv(y, outC, 1, 1));
      } else {
        y = g.relu(g.bn(g.conv(x, width, stride)));
        y = g.bn(g.conv(y, outC));
      }
      const inC = g.shape(x)[1];
      const shortcut = stride !== 1 || inC !== outC ? g.bn(g.conv(x, outC, stride, 1)) : x;
      // PyTorch adds main + shortcut; the order of the Add's inputs must not matter.
      x = g.relu(b % 2 === 0 ? g.add(y, shortcut) : g.add(shortcut, y));
    }
  });
  x = g.flatten(g.globalAveragePool(x));
  return g.build(g.gemm(x, 10));
}

/** A small CNN of no known layout: 3 conv ReLUs, a pool, one fully connected ReLU. */
export function smallCnn(input: number[] = [1, 3, 32, 32]): BuiltGraph {
  const g = new GraphBuilder(input);
  let x = g.relu(g.conv('input', 8, 2));
  x = g.relu(g.conv(x, 8));
  x = g.maxPool(x);
  x = g.relu(g.conv(x, 16, 2));
  x = g.relu(g.gemm(g.flatten(g.globalAveragePool(x)), 16));
  return g.build(g.gemm(x, 5));
}

/** Renames every node and activation value to names that mislead (e.g. "layer3", "relu0"). */
export function withMisleadingNames(built: BuiltGraph): BuiltGraph {
  const names = ['layer3', 'relu0', 'fc0_relu', 'avgpool', 'conv1_relu1', 'final', 'Relu_1', 'Conv_0', 'layer1'];
  const rename = new Map<string, string>();
  const nameOf = (v: string) => {
    if (!rename.has(v)) rename.set(v, `${names[rename.size % names.length]}/${rename.size}`);
    return rename.get(v)!;
  };
  const { graph, shapes } = built;
  const keep = (v: string) => v === '' || graph.constants.has(v) || graph.inputs.some((i) => i.name === v);
  const map = (v: string) => (keep(v) ? v : nameOf(v));
  const nodes = graph.nodes.map((n, k) => ({ ...n, name: names[(k * 7) % names.length] + k, inputs: n.inputs.map(map), outputs: n.outputs.map(map) }));
  const newShapes: OnnxShapes = new Map([...shapes].map(([v, s]) => [map(v), s]));
  return { graph: { ...graph, nodes, outputs: graph.outputs.map((o) => ({ ...o, name: map(o.name) })) }, shapes: newShapes };
}
