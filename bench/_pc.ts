import * as tf from '@tensorflow/tfjs';
import { useNodeBackend } from '../src/platform/tf-node.ts';
import { Cochleagram } from '../src/audio/cochleagram.ts';
import { Rng } from '../src/engine/random.ts';
await useNodeBackend('wasm');
const coch = new Cochleagram();
const x = tf.tensor(new Rng(1).normalArray(coch.config.signalLength, 0, 0.1), [1, coch.config.signalLength]);
const grad = tf.grad((input: tf.Tensor) => tf.sum(coch.apply(input)));
grad(x).dispose();
const info = await tf.profile(() => { grad(x).dispose(); });
const m = new Map<string, {ms:number, n:number}>();
for (const k of info.kernels) { const key = `${k.name} ${k.inputShapes.map((s) => `[${s}]`).join('')}`; const e = m.get(key) ?? {ms:0,n:0}; e.ms += Number(k.kernelTimeMs); e.n++; m.set(key, e); }
for (const [k, e] of [...m].sort((a,b)=>b[1].ms-a[1].ms).slice(0, 30)) console.log(e.ms.toFixed(1).padStart(8), e.n, k);
