/**
 * `npm run bench -- --vs-torch`: this project (Node, tfjs wasm, one thread) next to PyTorch
 * (CPU, torch.set_num_threads(1)) on the same weights, stage and loop, in one run (issue 11).
 *
 * bench/torch/vs_torch.py exports each case's seeded model to ONNX in a temporary folder (the
 * torchvision-width AlexNet is 244 MB: never committed), then both sides time the paper's
 * normalised-gradient step at the same stage; the cochleagram case times forward + backward of
 * a 2-s clip. Each side's rate is (N2 - N1) steps over the difference of the N2- and N1-step
 * times, so set-up and first-call costs cancel; times are process CPU times (user + system, all
 * threads), which other jobs on a shared machine do not inflate the way they inflate wall time. The two sides alternate `rounds` times and the
 * median ratio (this project / PyTorch) is reported with its spread (the machine is shared).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Cochleagram } from '../src/audio/cochleagram.ts';
import { resolveModel } from '../src/cli/model-arg.ts';
import { MetamerRun } from '../src/engine/metamer-run.ts';
import { makeRunConfig } from '../src/engine/presets.ts';
import { Rng } from '../src/engine/random.ts';
import { parseNpy } from '../src/io/npy.ts';
import { setFastGradients } from '../src/engine/fast-gradients.ts';

export const TORCH_CASES = ['resnet96', 'alexnet224', 'cochleagram'] as const;
export type TorchCase = (typeof TORCH_CASES)[number];

export const CASE_LABELS: Record<TorchCase, string> = {
  resnet96: 'ResNet-50 layout (base width 8) ONNX, 96 px, layer2',
  alexnet224: 'torchvision-width AlexNet ONNX, 224 px, relu1',
  cochleagram: 'cochleagram forward+backward, 2-s clip',
};

/** Steps (N1, N2) per case: N2 - N1 steps are timed. */
const STEPS: Record<TorchCase, [number, number]> = {
  resnet96: [10, 110],
  alexnet224: [3, 23],
  cochleagram: [1, 3],
};

export interface VsTorchRow {
  case: TorchCase;
  label: string;
  projectStepsPerSecond: number[];
  /** The same with the fast gradient paths off (fast-gradients.ts): the main branch's formulations. */
  projectBeforeStepsPerSecond: number[];
  torchStepsPerSecond: number[];
  /** Per round, this project / PyTorch. */
  ratios: number[];
  medianRatio: number;
}

export interface TorchVersions {
  torch: string;
  threads: number;
  python: string;
  numpy: string;
}

const PYTHON = process.env.METAMER_BENCH_PYTHON ?? '/usr/bin/python3';
const SCRIPT = join(import.meta.dirname, 'torch', 'vs_torch.py');

function python(args: string[]): string {
  return execFileSync(PYTHON, [SCRIPT, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 24 });
}

/** CPU time of this process (all its threads), ms: unlike wall time, not inflated by other jobs' use of the cores. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * Steps/s of `step` from the difference of an N2- and an N1-step run (after one warm-up step),
 * in process CPU time (the machine is shared: wall time would measure the other jobs too).
 */
export function rateOf(step: (n: number) => void, n1: number, n2: number): number {
  step(1);
  const t0 = cpuMs();
  step(n1);
  const t1 = cpuMs();
  step(n2);
  const t2 = cpuMs();
  return ((n2 - n1) * 1000) / (t2 - t1 - (t1 - t0));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The project's step function for a case; dispose() frees everything. */
async function projectStepper(c: TorchCase, dir: string): Promise<{ step: (n: number) => void; dispose: () => void }> {
  if (c === 'cochleagram') {
    const coch = new Cochleagram();
    const x = tf.tensor(new Rng(1).normalArray(coch.config.signalLength, 0, 0.1), [1, coch.config.signalLength]);
    const grad = tf.grad((input: tf.Tensor) => tf.sum(coch.apply(input)));
    return {
      step: (n) => {
        for (let i = 0; i < n; i++) {
          const g = grad(x);
          g.dataSync();
          g.dispose();
        }
      },
      dispose: () => {
        x.dispose();
        coch.dispose();
      },
    };
  }
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as { stage: string };
  const { model } = await resolveModel(join(dir, 'model.onnx'), { inputSpecFile: join(dir, 'input-spec.json'), stages: [meta.stage] });
  const npy = parseNpy(readFileSync(join(dir, 'reference.npy')));
  const reference = tf.tensor(npy.data as Float32Array, npy.shape);
  // One long pass, so the step size stays eta0 and the run never finishes during the timing.
  const run = new MetamerRun(model, reference, makeRunConfig(meta.stage, { passes: 1, itersPerPass: 1_000_000 }));
  reference.dispose();
  return {
    step: (n) => {
      for (let i = 0; i < n; i++) run.stepOnce();
    },
    dispose: () => {
      run.dispose();
      model.dispose();
    },
  };
}

export async function benchVsTorch(cases: readonly TorchCase[], rounds: number): Promise<{ rows: VsTorchRow[]; versions: TorchVersions }> {
  const rows: VsTorchRow[] = [];
  let versions: TorchVersions = { torch: '?', threads: 0, python: '?', numpy: '?' };
  for (const c of cases) {
    const dir = mkdtempSync(join(tmpdir(), `metamer-vs-torch-${c}-`));
    try {
      python(['export', c, dir]);
      const stepper = await projectStepper(c, dir);
      const [n1, n2] = STEPS[c];
      const row: VsTorchRow = { case: c, label: CASE_LABELS[c], projectStepsPerSecond: [], projectBeforeStepsPerSecond: [], torchStepsPerSecond: [], ratios: [], medianRatio: 0 };
      try {
        for (let r = 0; r < rounds; r++) {
          setFastGradients(false);
          const before = rateOf(stepper.step, n1, n2);
          setFastGradients(true);
          const mine = rateOf(stepper.step, n1, n2);
          row.projectBeforeStepsPerSecond.push(before);
          const out = JSON.parse(python(['time', c, dir, String(n1), String(n2)]).trim().split('\n').pop()!) as TorchVersions & { stepsPerSecond: number };
          versions = { torch: out.torch, threads: out.threads, python: out.python, numpy: out.numpy };
          row.projectStepsPerSecond.push(mine);
          row.torchStepsPerSecond.push(out.stepsPerSecond);
          row.ratios.push(mine / out.stepsPerSecond);
          console.error(`  ${c} round ${r + 1}: project ${mine.toFixed(2)} steps/s (fast paths off: ${before.toFixed(2)}), torch ${out.stepsPerSecond.toFixed(2)} steps/s, ratio ${(mine / out.stepsPerSecond).toFixed(2)}`);
        }
      } finally {
        stepper.dispose();
      }
      row.medianRatio = median(row.ratios);
      rows.push(row);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return { rows, versions };
}
