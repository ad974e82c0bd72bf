/**
 * Does a .npy array's shape fit an expected shape exactly? A leading batch of 1 is accepted
 * ([1, 96, 96, 3] for [96, 96, 3]), and so is a grey image without its channel axis ([H, W]
 * for [H, W, 1]); anything else is refused, never reinterpreted from the
 * number of values. A same-sized array whose dims are a permutation of the expected ones
 * (channels first, [3, 96, 96] for [96, 96, 3]) gets a hint with the transpose that fixes it.
 */

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** The axes order p with got[p[i]] = want[i], when got's dims are a permutation of want's. */
function permutationTo(got: readonly number[], want: readonly number[]): number[] | null {
  if (got.length !== want.length) return null;
  const used = new Set<number>();
  const order: number[] = [];
  for (const d of want) {
    const i = got.findIndex((g, k) => g === d && !used.has(k));
    if (i < 0) return null;
    used.add(i);
    order.push(i);
  }
  return order;
}

/**
 * Null when `shape` fits `want` (exactly, or with a leading 1), else the one-line problem
 * (without the file name), e.g. "has shape [3,96,96]; the model's input is [96,96,3] ...".
 */
export function shapeMismatch(shape: readonly number[], want: readonly number[], what = "the model's input"): string | null {
  if (sameDims(shape, want)) return null;
  if (shape.length === want.length + 1 && shape[0] === 1 && sameDims(shape.slice(1), want)) return null;
  // A grey image saved without its channel axis: [H, W] (or [1, H, W]) for [H, W, 1].
  if (want.length === 3 && want[2] === 1 && (sameDims(shape, want.slice(0, 2)) || (shape.length === 3 && shape[0] === 1 && sameDims(shape.slice(1), want.slice(0, 2))))) return null;
  const count = shape.reduce((a, b) => a * b, 1);
  const need = want.reduce((a, b) => a * b, 1);
  let problem = `has shape [${shape}] (${count} values); ${what} is [${want}] (a leading batch of 1 is fine)`;
  const core = shape.length === want.length + 1 && shape[0] === 1 ? shape.slice(1) : shape;
  const order = permutationTo(core, want);
  if (count === need && order) {
    const axes = shape.length === core.length ? order : [0, ...order.map((i) => i + 1)];
    const layout = want.length === 3 && core[0] === want[2] ? ' (channels first?)' : '';
    problem += `: the same dims in another order${layout}; transpose it, e.g. np.transpose(x, (${axes.join(', ')}))`;
  }
  return problem;
}
