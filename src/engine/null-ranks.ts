/**
 * The rank half of the null builder's features: average ranks (ties shared, as scipy's
 * rankdata 'average') and z-scoring, so that Spearman of a pair is one dot product.
 */

/**
 * Average (1-based) ranks, ties sharing their average rank (scipy.stats.rankdata 'average'):
 * a tie group of t equal values after s smaller ones gets rank (s + (s + t) + 1) / 2, i.e.
 * (#less + #less-or-equal + 1) / 2. The values are sorted with their indices by an LSD radix
 * sort on order-preserving 32-bit keys (-0 counted as +0): linear time, about 20x faster on
 * 9 M values than binary searches into a sorted copy, which miss the cache at every step.
 */
export function averageRanksJs(x: Float32Array): Float64Array {
  const n = x.length;
  const bits = new Uint32Array(x.buffer, x.byteOffset, n);
  let keys = new Uint32Array(n);
  let order = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const v = x[i];
    if (v !== v) throw new Error(`cannot rank NaN (value ${i} of ${n})`);
    const b = bits[i];
    // Negative floats: flip all bits; positive: flip the sign bit. Then unsigned order = float order.
    keys[i] = v === 0 ? 0x80000000 : b & 0x80000000 ? ~b >>> 0 : (b | 0x80000000) >>> 0;
    order[i] = i;
  }
  let keysTmp = new Uint32Array(n);
  let orderTmp = new Uint32Array(n);
  const count = new Uint32Array(2048);
  for (const shift of [0, 11, 22]) {
    count.fill(0);
    for (let i = 0; i < n; i++) count[(keys[i] >>> shift) & 2047]++;
    if (count[(keys[0] >>> shift) & 2047] === n) continue; // one bucket: this digit is already sorted
    let sum = 0;
    for (let d = 0; d < 2048; d++) {
      const c = count[d];
      count[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const k = keys[i];
      const dst = count[(k >>> shift) & 2047]++;
      keysTmp[dst] = k;
      orderTmp[dst] = order[i];
    }
    [keys, keysTmp] = [keysTmp, keys];
    [order, orderTmp] = [orderTmp, order];
  }
  const ranks = new Float64Array(n);
  for (let s = 0; s < n; ) {
    let e = s + 1;
    while (e < n && keys[e] === keys[s]) e++;
    const rank = (s + e + 1) / 2;
    for (let k = s; k < e; k++) ranks[order[k]] = rank;
    s = e;
  }
  return ranks;
}

/** (v - mean) / ||v - mean||, computed in float64; all zeros when v is constant. */
export function zScore(v: ArrayLike<number>): Float32Array {
  const n = v.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += v[i];
  mean /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (v[i] - mean) ** 2;
  const out = new Float32Array(n);
  if (ss === 0) return out;
  const inv = 1 / Math.sqrt(ss);
  for (let i = 0; i < n; i++) out[i] = (v[i] - mean) * inv;
  return out;
}
