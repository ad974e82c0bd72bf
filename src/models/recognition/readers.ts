/**
 * Which models can read (classify) another model's metamers: the same modality, and a label
 * set that contains every class of the metamer's model, compared by name (case and spaces
 * ignored). So the Fashion-MNIST models read each other, cochcnn9-words and Spectemp's word
 * readout share the 100 words, and imported models read each other when their class names
 * match. Pure: manifests in, ids out.
 */
import type { ModelManifest } from '../manifest.ts';

/** The parts of a manifest the rule looks at. */
export type ReaderInfo = Pick<ModelManifest, 'id' | 'classes'> & { inputSpec: Pick<ModelManifest['inputSpec'], 'modality'> };

/** A class name as compared across models: trimmed, lower case, inner spaces collapsed. */
export function labelKey(label: string): string {
  return label.trim().toLowerCase().replace(/\s+/g, ' ');
}

/** Whether `reader` can classify inputs of `target`'s kind into `target`'s classes. */
export function canRead(reader: ReaderInfo, target: ReaderInfo): boolean {
  if (reader.inputSpec.modality !== target.inputSpec.modality) return false;
  const mine = reader.classes;
  const theirs = target.classes;
  if (!mine || !theirs || theirs.length < 2) return false;
  const keys = new Set(mine.map(labelKey));
  return theirs.every((c) => keys.has(labelKey(c)));
}

/**
 * The models among `candidates` that can read `target`'s metamers, in the candidates' order;
 * `target` itself is included first when `includeSelf` (its own recognition is the reference
 * line of the paper's plots).
 */
export function readersOf(target: ReaderInfo, candidates: readonly ReaderInfo[], includeSelf = false): string[] {
  const others = candidates.filter((c) => c.id !== target.id && canRead(c, target)).map((c) => c.id);
  return includeSelf && canRead(target, target) ? [target.id, ...others] : others;
}
