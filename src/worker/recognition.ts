/**
 * The worker side of "who else is fooled": each input of one model handed to each reader
 * (fitted to its input by adaptInput) and classified by its readout. Models come from the
 * worker's cache, so a grid's readers load once.
 */
import * as tf from '@tensorflow/tfjs';
import type { LoadedModel } from '../models/manifest.ts';
import { adaptInput } from '../models/recognition/adapt-input.ts';
import { recognise, type Recognition } from '../models/recognition/recognise.ts';

export async function recogniseInputs(
  sourceModelId: string,
  readers: readonly string[],
  inputs: readonly Float32Array[],
  load: (id: string) => Promise<LoadedModel>,
): Promise<Recognition[][]> {
  const source = (await load(sourceModelId)).manifest.inputSpec;
  const need = source.shape.reduce((a, b) => a * b, 1);
  const bad = inputs.findIndex((x) => x.length !== need);
  if (bad >= 0) throw new Error(`input ${bad + 1} holds ${inputs[bad].length} values; model "${sourceModelId}" takes [${source.shape}]`);
  const models = await Promise.all(readers.map((id) => load(id)));
  const results: Recognition[][] = [];
  for (const data of inputs) {
    const x = tf.tensor(data, [1, ...source.shape]);
    const row: Recognition[] = [];
    try {
      for (const { model } of models) {
        const fitted = adaptInput(x, source, model.inputSpec);
        try {
          row.push(await recognise(model, fitted));
        } finally {
          fitted.dispose();
        }
      }
    } finally {
      x.dispose();
    }
    results.push(row);
  }
  return results;
}
