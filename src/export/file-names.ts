/** File names for exports: readable, unique per run, and safe on every file system. */

/**
 * A name part safe on Windows, macOS and Linux and in zip paths: accents are dropped (é -> e), characters outside letters,
 * digits, '.', '_' and '-' (e.g. the '/' of a graph-model stage "block_3/Relu") become '_'.
 */
export function safeFilePart(text: string): string {
  const safe = text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+|_+$/g, '');
  return safe.length > 0 ? safe.slice(0, 80) : 'unnamed';
}

/** "metamer-<model>-<stage>-<run id>", the stem every file of one run's export shares. */
export function exportBaseName(run: { modelId: string; stage: string; id: string }): string {
  return `metamer-${safeFilePart(run.modelId)}-${safeFilePart(run.stage)}-${safeFilePart(run.id)}`;
}
