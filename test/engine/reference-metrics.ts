/**
 * Independent float64 references for the match metrics, written the slow, obvious way:
 * O(n^2) rank counting (ties share the average rank), two-pass Pearson, the paper's SNR.
 */
export function naiveAverageRanks(x: ArrayLike<number>): Float64Array {
  const n = x.length;
  const ranks = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let less = 0;
    let equal = 0;
    for (let j = 0; j < n; j++) {
      if (x[j] < x[i]) less++;
      else if (x[j] === x[i]) equal++;
    }
    // Ranks less+1 .. less+equal share their mean.
    ranks[i] = less + (equal + 1) / 2;
  }
  return ranks;
}

export function pearson64(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  if (saa === 0 || sbb === 0) return 0;
  return sab / Math.sqrt(saa * sbb);
}

export function spearman64(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return pearson64(naiveAverageRanks(a), naiveAverageRanks(b));
}

export function snr64(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  let e = 0;
  for (let i = 0; i < a.length; i++) {
    s += a[i] ** 2;
    e += (a[i] - b[i]) ** 2;
  }
  if (s === 0 && e === 0) return 0;
  if (e === 0) return Infinity;
  if (s === 0) return -Infinity;
  return 10 * Math.log10(s / e);
}
