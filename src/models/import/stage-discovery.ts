/**
 * Candidate stages of an imported ONNX graph, named as in the paper when the architecture is
 * recognised (spec section 4: AlexNet relu0..relu4, fc0_relu, fc1_relu, final; ResNets
 * conv1_relu1, layer1..layer4, avgpool, final; VGG relu0.. with block ends suggested; CochCNN9
 * cochleagram, relu0..relu4, avgpool, relufc, final; CORnet-S areas V1, V2, V4, IT, avgpool, final).
 *
 * Recognition is structural only: PyTorch names nodes "Conv_0", "Relu_1" or by module path
 * depending on its version, so names are never read. Each ReLU is classified by what feeds it
 * (a convolution, a fully connected layer, or a residual merge), looking through the ops that
 * merely rescale (BatchNormalization, a constant bias/scale, Identity, Dropout). A residual
 * block is an Add of two activations; a block whose shortcut is itself a convolution (a
 * projection) starts a new group of blocks (a ResNet "layer").
 */
import type { OnnxGraph, OnnxNode, OnnxShapes } from '../onnx/onnx-ir.ts';
import { dynamicInputs, indexGraph, type GraphIndex } from './graph-index.ts';

export type StageKind = 'relu' | 'merge' | 'pool' | 'final' | 'input-stage';
export type Architecture = 'alexnet' | 'resnet' | 'vgg' | 'cochcnn' | 'cornet';

export interface CandidateStage {
  /** Paper name when the architecture is recognised, else a derived name (relu_3, add_2, pool_1, final). */
  name: string;
  /** ONNX value name whose activation is the stage. */
  value: string;
  /** Node producing the value (the graph input's name for an input stage). */
  node: string;
  opType: string;
  /** Activation shape without the batch dimension, in the graph's own layout ([] if unknown). */
  shape: number[];
  kind: StageKind;
  /** Pre-selected: the paper's stages for a known architecture, an even spread otherwise. */
  suggested: boolean;
}

const POOL_OPS = new Set(['MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool']);
const CONV_OPS = new Set(['Conv', 'ConvTranspose']);
const FC_OPS = new Set(['Gemm', 'MatMul']);
/** Ops that pass an activation through with at most a per-unit affine change. */
const SCALING_OPS = new Set(['Identity', 'Dropout', 'BatchNormalization', 'Add', 'Sub', 'Mul', 'Div']);
/** At most this many stages are suggested for an unrecognised architecture. */
const GENERIC_SUGGESTED = 8;

type Origin = 'conv' | 'fc' | 'merge' | 'relu' | 'pool' | 'input' | 'other';

/** A merge: two or more activations joined by Add (residual) or Concat (branches). */
function isMerge(index: GraphIndex, node: OnnxNode): boolean {
  return (node.opType === 'Add' || node.opType === 'Sum' || node.opType === 'Concat') && dynamicInputs(index, node).length >= 2;
}

/** What computed `value`, looking through rescaling ops (BN, constant bias/scale, Identity, Dropout). */
function originOf(index: GraphIndex, value: string): Origin {
  let current = value;
  for (;;) {
    const node = index.producer.get(current);
    if (!node) return index.graph.inputs.some((i) => i.name === current) ? 'input' : 'other';
    if (isMerge(index, node)) return 'merge';
    if (CONV_OPS.has(node.opType)) return 'conv';
    if (FC_OPS.has(node.opType)) return 'fc';
    if (node.opType === 'Relu') return 'relu';
    if (POOL_OPS.has(node.opType)) return 'pool';
    const through = dynamicInputs(index, node);
    if (!SCALING_OPS.has(node.opType) || through.length !== 1) return 'other';
    current = through[0];
  }
}

interface RawCandidate {
  value: string;
  node: OnnxNode | null;
  kind: StageKind;
  /** For ReLUs: what feeds them. */
  origin?: Origin;
  /** For residual block outputs: the merge node. */
  merge?: OnnxNode;
}

/** Does the graph input look like the audio models' cochleagram ([1, 1, 211, 390] or [1, 211, 390])? */
export function looksLikeCochleagram(dims: readonly (number | string | null)[]): boolean {
  const d = dims.slice(1);
  return (d.length === 3 && d[0] === 1 && d[1] === 211 && d[2] === 390) || (d.length === 2 && d[0] === 211 && d[1] === 390);
}

/** Candidates in graph order, before naming. */
function rawCandidates(index: GraphIndex): RawCandidate[] {
  const { graph } = index;
  const out: RawCandidate[] = [];
  const input = graph.inputs[0];
  if (input && looksLikeCochleagram(input.dims)) out.push({ value: input.name, node: null, kind: 'input-stage' });
  for (const node of graph.nodes) {
    const value = node.outputs[0];
    if (!value || !index.dynamic.has(value)) continue;
    if (node.opType === 'Relu') {
      const origin = originOf(index, node.inputs[0]);
      const merge = origin === 'merge' ? mergeBehind(index, node.inputs[0]) : undefined;
      out.push({ value, node, kind: origin === 'merge' ? 'merge' : 'relu', origin, merge });
    } else if (POOL_OPS.has(node.opType)) {
      out.push({ value, node, kind: 'pool' });
    } else if (isMerge(index, node)) {
      // A merge read by a ReLU is represented by that ReLU's output (the block output).
      const readers = index.consumers.get(value) ?? [];
      if (!readers.some((r) => r.opType === 'Relu')) out.push({ value, node, kind: 'merge', merge: node });
    }
  }
  const final = graph.outputs[0]?.name;
  if (final && index.dynamic.has(final)) {
    const existing = out.find((c) => c.value === final);
    if (existing) existing.kind = 'final';
    else out.push({ value: final, node: index.producer.get(final) ?? null, kind: 'final' });
  }
  return out;
}

/** The merge a value comes from through rescaling ops (called where originOf said 'merge'). */
function mergeBehind(index: GraphIndex, value: string): OnnxNode | undefined {
  let current = value;
  for (;;) {
    const node = index.producer.get(current);
    if (!node) return undefined;
    if (isMerge(index, node)) return node;
    current = dynamicInputs(index, node)[0];
  }
}

/**
 * A residual block with a projection shortcut: no input of its Add is a previous block output
 * (a ReLU, pool or merge); both branches end in a convolution.
 */
function hasProjection(index: GraphIndex, merge: OnnxNode): boolean {
  return !dynamicInputs(index, merge).some((v) => ['relu', 'pool', 'merge', 'input'].includes(originOf(index, v)));
}

/**
 * Where a residual block starts: each branch of the merge is followed back through
 * convolutions and rescaling ops to the first ReLU, pool, merge or graph input; the earliest of
 * those (the shortcut's source) is the block's input. Returns its position in graph order
 * (-1 for the graph input).
 */
function blockInputAt(index: GraphIndex, merge: OnnxNode): number {
  let earliest = Infinity;
  for (const branch of dynamicInputs(index, merge)) {
    let current = branch;
    for (;;) {
      const node = index.producer.get(current);
      if (!node) {
        earliest = -1;
        break;
      }
      const op = node.opType;
      const through = dynamicInputs(index, node);
      if (op === 'Relu' || POOL_OPS.has(op) || isMerge(index, node) || through.length !== 1 || !(SCALING_OPS.has(op) || CONV_OPS.has(op))) {
        earliest = Math.min(earliest, index.order.get(node)!);
        break;
      }
      current = through[0];
    }
  }
  return earliest;
}

interface Structure {
  convRelus: number;
  fcRelus: number;
  maxPools: number;
  /** Residual Add merges in order, with the group (ResNet layer, 1-based) each belongs to. */
  blocks: { merge: OnnxNode; group: number }[];
  groups: number;
  reluBeforeFirstBlock: boolean;
  cochleagramInput: boolean;
}

function structureOf(index: GraphIndex, candidates: RawCandidate[]): Structure {
  const relus = candidates.filter((c) => c.node?.opType === 'Relu');
  const blocks: Structure['blocks'] = [];
  let groups = 0;
  for (const node of index.graph.nodes) {
    if (!(node.opType === 'Add' && isMerge(index, node))) continue;
    if (blocks.length === 0 || hasProjection(index, node)) groups++;
    blocks.push({ merge: node, group: groups });
  }
  const firstMerge = blocks[0] ? index.order.get(blocks[0].merge)! : Infinity;
  return {
    convRelus: relus.filter((c) => c.origin === 'conv').length,
    fcRelus: relus.filter((c) => c.origin === 'fc').length,
    maxPools: index.graph.nodes.filter((n) => n.opType === 'MaxPool').length,
    blocks,
    groups,
    reluBeforeFirstBlock: relus.some((c) => c.origin === 'conv' && index.order.get(c.node!)! < firstMerge),
    cochleagramInput: candidates.some((c) => c.kind === 'input-stage'),
  };
}

function classify(s: Structure): Architecture | null {
  if (s.blocks.length === 0) {
    if (s.convRelus === 5 && s.fcRelus === 2) return 'alexnet';
    if (s.convRelus === 5 && s.fcRelus === 1 && s.cochleagramInput) return 'cochcnn';
    if (s.convRelus >= 8 && s.fcRelus === 2 && s.maxPools >= 4) return 'vgg';
    return null;
  }
  if (s.groups === 4 && s.reluBeforeFirstBlock) return 'resnet';
  // CORnet-S: a conv V1 without shortcuts, then areas V2, V4, IT of recurrent residual blocks.
  if (s.groups === 3 && s.reluBeforeFirstBlock) return 'cornet';
  return null;
}

/** 'alexnet' | 'resnet' | 'vgg' | 'cochcnn' | 'cornet' when the graph has that layout (structure only, never names), else null. */
export function detectArchitecture(graph: OnnxGraph): Architecture | null {
  const index = indexGraph(graph);
  return classify(structureOf(index, rawCandidates(index)));
}

type Named = { name: string; suggested: boolean };

/**
 * AlexNet, VGG, CochCNN9: conv ReLUs relu0.., fully connected ReLUs fc0_relu.. (CochCNN9's one:
 * relufc), pools maxpool0.. / avgpool.
 */
function nameFeedforward(candidates: RawCandidate[], arch: 'alexnet' | 'vgg' | 'cochcnn'): (Named | null)[] {
  const counters = { conv: 0, fc: 0, maxpool: 0 };
  const avgPools = candidates.filter((c) => c.kind === 'pool' && c.node?.opType !== 'MaxPool').length;
  let avg = 0;
  // VGG: the paper's stages are block outputs, i.e. the ReLU feeding each max-pool.
  const blockEnds = new Set(
    candidates.filter((c) => c.node?.opType === 'MaxPool').map((c) => c.node!.inputs[0]),
  );
  return candidates.map((c) => {
    if (c.kind === 'final') return { name: 'final', suggested: true };
    if (c.origin === 'conv') {
      const name = `relu${counters.conv++}`;
      return { name, suggested: arch !== 'vgg' || blockEnds.has(c.value) };
    }
    if (c.origin === 'fc') return { name: arch === 'cochcnn' ? 'relufc' : `fc${counters.fc++}_relu`, suggested: true };
    if (c.node?.opType === 'MaxPool') return { name: `maxpool${counters.maxpool++}`, suggested: false };
    if (c.kind === 'pool') return { name: avgPools > 1 ? `avgpool${avg++}` : 'avgpool', suggested: arch === 'cochcnn' };
    if (c.kind === 'input-stage') return { name: 'cochleagram', suggested: true };
    return null;
  });
}

/**
 * Residual nets. ResNet: conv1_relu1 (stem), maxpool, layerG_B_reluK inside blocks, layerG_B /
 * layerG block outputs, avgpool. CORnet-S: the stem is area V1 (its last ReLU is "V1"), the
 * groups are areas V2, V4, IT (V2_B_reluK, V2_B, V2...).
 */
function nameResidual(candidates: RawCandidate[], s: Structure, index: GraphIndex, arch: 'resnet' | 'cornet'): (Named | null)[] {
  const groupName = (g: number) => (arch === 'resnet' ? `layer${g}` : ['V2', 'V4', 'IT'][g - 1]);
  const blockOf = new Map(s.blocks.map((b, k) => [b.merge, k]));
  const lastInGroup = new Set(s.blocks.filter((b, k) => s.blocks[k + 1]?.group !== b.group).map((b) => b.merge));
  const indexInGroup = s.blocks.map((b, k) => s.blocks.slice(0, k).filter((o) => o.group === b.group).length);
  const stemEnd = blockInputAt(index, s.blocks[0].merge);
  const lastMerge = index.order.get(s.blocks[s.blocks.length - 1].merge)!;
  const stemRelus = candidates.filter((c) => c.kind === 'relu' && c.node && index.order.get(c.node)! <= stemEnd).length;
  let stemRelu = 0;
  let stemPool = 0;
  let tailPool = 0;
  let tailFc = 0;
  const relusInBlock = new Map<number, number>();
  let mergesSeen = 0;
  return candidates.map((c) => {
    if (c.kind === 'final') return { name: 'final', suggested: true };
    const at = c.node ? index.order.get(c.node)! : -1;
    if (c.merge && blockOf.has(c.merge)) {
      const k = blockOf.get(c.merge)!;
      mergesSeen = k + 1;
      const { group } = s.blocks[k];
      return lastInGroup.has(c.merge) ? { name: groupName(group), suggested: true } : { name: `${groupName(group)}_${indexInGroup[k]}`, suggested: false };
    }
    if (at <= stemEnd) {
      if (c.kind === 'relu') {
        stemRelu++;
        if (arch === 'resnet') return { name: `conv1_relu${stemRelu}`, suggested: stemRelu === 1 };
        return stemRelu === stemRelus ? { name: 'V1', suggested: true } : { name: `V1_relu${stemRelu}`, suggested: false };
      }
      const pool = arch === 'resnet' ? 'maxpool' : 'V1_maxpool';
      if (c.kind === 'pool') return { name: stemPool++ === 0 ? pool : `${pool}${stemPool - 1}`, suggested: false };
      return null;
    }
    if (at > lastMerge) {
      if (c.kind === 'pool') return { name: tailPool++ === 0 ? 'avgpool' : `avgpool${tailPool - 1}`, suggested: tailPool === 1 };
      if (c.origin === 'fc') return { name: `fc${tailFc++}_relu`, suggested: true };
      return null;
    }
    if (c.kind === 'relu') {
      const k = mergesSeen; // the block this ReLU sits in (its merge comes later)
      const n = (relusInBlock.get(k) ?? 0) + 1;
      relusInBlock.set(k, n);
      const b = s.blocks[k];
      return b ? { name: `${groupName(b.group)}_${indexInGroup[k]}_relu${n}`, suggested: false } : null;
    }
    return null;
  });
}

/** Derived names (relu_3, add_2, pool_1) for anything not named by an architecture. */
function genericName(c: RawCandidate, counters: Record<string, number>): string {
  // Only a cochleagram-shaped input is offered as a stage (the audio models' first stage).
  if (c.kind === 'input-stage') return 'cochleagram';
  const prefix = c.kind === 'merge' && c.node?.opType !== 'Relu' ? (c.node?.opType === 'Concat' ? 'concat' : 'add') : c.kind === 'merge' ? 'add_relu' : c.kind;
  const n = counters[prefix] ?? 0;
  counters[prefix] = n + 1;
  return `${prefix}_${n}`;
}

/** Indices of an even spread of `count` among `n` items (always including the last). */
function spread(n: number, count: number): Set<number> {
  if (n <= count) return new Set(Array.from({ length: n }, (_, i) => i));
  return new Set(Array.from({ length: count }, (_, k) => Math.round(((k + 1) * n) / count) - 1));
}

function shapeWithoutBatch(shapes: OnnxShapes, value: string): number[] {
  const s = shapes.get(value);
  if (!s) return [];
  return s.length > 1 && s[0] === 1 ? s.slice(1) : [...s];
}

/**
 * Candidate stages in graph order: ReLU outputs, residual merges (the ReLU after an Add when
 * there is one), pools, the final output, and for a cochleagram-input model the input itself.
 * `shapes` (from probeShapes) gives each stage's shape; a missing value gets [].
 */
export function discoverStages(graph: OnnxGraph, shapes: OnnxShapes): CandidateStage[] {
  const index = indexGraph(graph);
  const raw = rawCandidates(index);
  const structure = structureOf(index, raw);
  const arch = classify(structure);
  const named: (Named | null)[] =
    arch === 'resnet' || arch === 'cornet' ? nameResidual(raw, structure, index, arch) : arch ? nameFeedforward(raw, arch) : raw.map(() => null);
  const counters: Record<string, number> = {};
  const used = new Set(named.filter((n): n is Named => n !== null).map((n) => n.name));
  const result = raw.map((c, i): CandidateStage => {
    let entry = named[i];
    if (!entry) {
      let name = c.kind === 'final' ? 'final' : genericName(c, counters);
      while (c.kind !== 'final' && used.has(name)) name = genericName(c, counters);
      used.add(name);
      entry = { name, suggested: c.kind === 'final' || c.kind === 'input-stage' };
    }
    return {
      name: entry.name,
      value: c.value,
      node: c.node?.name ?? c.value,
      opType: c.node?.opType ?? 'Input',
      shape: shapeWithoutBatch(shapes, c.value),
      kind: c.kind,
      suggested: entry.suggested,
    };
  });
  if (!arch) {
    // Unknown layout: suggest an even spread over depth so a first look covers the whole model.
    const inner = result.map((c, i) => i).filter((i) => result[i].kind !== 'final' && result[i].kind !== 'input-stage');
    const pick = spread(inner.length, GENERIC_SUGGESTED - 1);
    inner.forEach((i, k) => (result[i].suggested = pick.has(k)));
  }
  return result;
}

/** The candidates' names in order, or the suggested ones. */
export function suggestedStages(candidates: readonly CandidateStage[]): CandidateStage[] {
  return candidates.filter((c) => c.suggested);
}
