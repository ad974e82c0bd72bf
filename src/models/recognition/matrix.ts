/**
 * The stage x model recognition matrix of an all-stages batch (the paper's Figure 7): for each
 * stage's metamer and each reading model, whether the model names the reference's class and
 * the probability it gives that class; per stage, the share of the other models that
 * recognise it; and the chance level. Pure: recognitions in, numbers out.
 */
import { probabilityOf, recognisedAs, type Recognition } from './recognise.ts';

export interface RecognitionCell {
  stage: string;
  reader: string;
  /** Null while the reader has not classified this stage's metamer yet. */
  correct: boolean | null;
  /** Probability the reader gives the reference's class (null: not classified yet). */
  pTrue: number | null;
  predicted: string | null;
}

export interface RecognitionMatrix {
  stages: string[];
  readers: string[];
  /** cells[stage index][reader index] */
  cells: RecognitionCell[][];
  /** Per stage: share of `curveReaders` that recognise the metamer (null when none has read it). */
  curve: (number | null)[];
  /** The readers the curve averages over (all but the metamer's own model when others exist). */
  curveReaders: string[];
  /** 1 / number of classes. */
  chance: number;
}

/**
 * `results(stage, reader)` gives a reader's recognition of that stage's metamer (undefined when
 * not read yet); `trueLabel` is the reference's class; `ownModel` is left out of the curve when
 * other readers exist (the paper plots other models' recognition of a model's metamers).
 */
export function recognitionMatrix(o: {
  stages: readonly string[];
  readers: readonly string[];
  trueLabel: string;
  classCount: number;
  ownModel?: string;
  results: (stage: string, reader: string) => Recognition | undefined;
}): RecognitionMatrix {
  if (o.classCount < 1) throw new Error('recognition needs at least one class');
  const cells = o.stages.map((stage) =>
    o.readers.map((reader): RecognitionCell => {
      const r = o.results(stage, reader);
      return r
        ? { stage, reader, correct: recognisedAs(r, o.trueLabel), pTrue: probabilityOf(r, o.trueLabel), predicted: r.predicted }
        : { stage, reader, correct: null, pTrue: null, predicted: null };
    }),
  );
  const others = o.readers.filter((r) => r !== o.ownModel);
  const curveReaders = others.length > 0 ? others : [...o.readers];
  const curve = cells.map((row) => {
    const read = row.filter((c) => curveReaders.includes(c.reader) && c.correct !== null);
    return read.length === 0 ? null : read.filter((c) => c.correct).length / read.length;
  });
  return { stages: [...o.stages], readers: [...o.readers], cells, curve, curveReaders, chance: 1 / o.classCount };
}
