/**
 * Stage groups of an in-memory null build: each group costs one forward pass per stimulus, and
 * its features of all stimuli (8 bytes per unit) must fit the memory budget together.
 */

/** Groups consecutive stages so that the features of all stimuli in a group fit the budget. */
export function groupStages(stages: readonly string[], sizes: Record<string, number>, n: number, budget: number): string[][] {
  const groups: string[][] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const s of stages) {
    const b = sizes[s] * n * 8;
    if (current.length > 0 && bytes + b > budget) {
      groups.push(current);
      current = [];
      bytes = 0;
    }
    current.push(s);
    bytes += b;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}
