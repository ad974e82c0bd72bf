/**
 * The class a grid's metamers should be recognised as: the bundled reference's label when it is
 * one of the model's classes, else (the user's own picture or clip) the model's own answer for
 * the reference. Null when neither is known (no classes, readout not in yet).
 */
import type { ModelManifest } from '../../models/manifest.ts';
import { topK } from '../../plots/topk.ts';

export function referenceLabelOf(
  manifest: Pick<ModelManifest, 'classes' | 'references'> | null,
  bundledIndex: number | null,
  readout: { labels: string[]; reference: number[] | null } | null,
): string | null {
  const classes = manifest?.classes;
  if (!classes) return null;
  const bundled = bundledIndex === null ? undefined : manifest.references[bundledIndex]?.label;
  if (bundled && classes.includes(bundled)) return bundled;
  if (readout?.reference) return topK(readout.reference, readout.labels, 1)[0]?.label ?? null;
  return null;
}
