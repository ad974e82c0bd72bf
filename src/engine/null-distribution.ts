/**
 * Null distributions of the match metrics: summarising the values measured between pairs of
 * natural stimuli, and validating stored `null.json` files before anything trusts them.
 */
import { NULL_METRICS, type MetricName, type NullDistribution, type NullSummary } from './types.ts';

export const NULL_FORMAT = 'metamer-null/1' as const;

/** Default quantile probabilities stored with every null distribution. */
export const QUANTILE_LEVELS: readonly number[] = [0.001, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 0.999];

/** Quantile of ascending-sorted values with linear interpolation (numpy's default, "linear"). */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) throw new Error('quantile of an empty sample');
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/**
 * Equal-width histogram over [min, max] like numpy.histogram(values, bins): the last bin is
 * closed; a zero-width range is widened to [min - 0.5, max + 0.5] as numpy does.
 */
export function histogram(sorted: ArrayLike<number>, bins: number): { edges: number[]; counts: number[] } {
  const n = sorted.length;
  let lo = sorted[0];
  let hi = sorted[n - 1];
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  const width = (hi - lo) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => (i === bins ? hi : lo + i * width));
  const counts = new Array<number>(bins).fill(0);
  for (let k = 0; k < n; k++) {
    let b = Math.floor((sorted[k] - lo) / width);
    if (b >= bins) b = bins - 1;
    if (b < 0) b = 0;
    // Floating-point rounding of the bin index: respect the stored edges exactly.
    while (b > 0 && sorted[k] < edges[b]) b--;
    while (b < bins - 1 && sorted[k] >= edges[b + 1]) b++;
    counts[b]++;
  }
  return { edges, counts };
}

/**
 * Summary of one metric's null values. Non-finite values (an SNR of -Infinity when the
 * reference activation is all zero, NaN) cannot be stored in JSON and carry no information
 * about the maximum a metamer must beat, so they are left out and `pairs` counts only the
 * finite values. Throws if no finite value remains.
 */
export function summarizeNull(
  values: Float64Array | Float32Array | number[],
  levels: readonly number[] = QUANTILE_LEVELS,
  bins = 50,
): NullSummary {
  const finite: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) finite.push(values[i]);
  if (finite.length === 0) throw new Error('null summary: no finite values');
  if (!Number.isInteger(bins) || bins < 1) throw new Error(`null summary: bins must be a positive integer, got ${bins}`);
  const sorted = Float64Array.from(finite).sort();
  let sum = 0;
  for (let i = 0; i < sorted.length; i++) sum += sorted[i];
  return {
    pairs: sorted.length,
    min: sorted[0],
    max: sorted[sorted.length - 1],
    mean: sum / sorted.length,
    quantiles: levels.map((p) => quantileSorted(sorted, p)),
    histogram: histogram(sorted, bins),
  };
}

class NullFileError extends Error {
  constructor(what: string) {
    super(`invalid null distribution: ${what}`);
  }
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function finiteNumber(x: unknown, where: string): number {
  if (typeof x !== 'number' || !Number.isFinite(x)) throw new NullFileError(`${where} must be a finite number, got ${JSON.stringify(x)}`);
  return x;
}

function finiteArray(x: unknown, where: string, length?: number): number[] {
  if (!Array.isArray(x)) throw new NullFileError(`${where} must be an array`);
  if (length !== undefined && x.length !== length) throw new NullFileError(`${where} must have ${length} entries, has ${x.length}`);
  return x.map((v, i) => finiteNumber(v, `${where}[${i}]`));
}

function validateSummary(x: unknown, where: string, levels: number[]): NullSummary {
  if (!isObject(x)) throw new NullFileError(`${where} is missing`);
  const pairs = finiteNumber(x.pairs, `${where}.pairs`);
  if (!Number.isInteger(pairs) || pairs < 1) throw new NullFileError(`${where}.pairs must be a positive integer`);
  const min = finiteNumber(x.min, `${where}.min`);
  const max = finiteNumber(x.max, `${where}.max`);
  const mean = finiteNumber(x.mean, `${where}.mean`);
  if (min > max) throw new NullFileError(`${where}: min ${min} > max ${max}`);
  const quantiles = finiteArray(x.quantiles, `${where}.quantiles`, levels.length);
  const h = x.histogram;
  if (!isObject(h)) throw new NullFileError(`${where}.histogram is missing`);
  const counts = finiteArray(h.counts, `${where}.histogram.counts`);
  const edges = finiteArray(h.edges, `${where}.histogram.edges`, counts.length + 1);
  if (counts.length === 0) throw new NullFileError(`${where}.histogram has no bins`);
  return { pairs, min, max, mean, quantiles, histogram: { edges, counts } };
}

/** Checks a parsed `null.json` and returns it typed; throws one clear error when malformed. */
export function validateNullDistribution(json: unknown): NullDistribution {
  if (!isObject(json)) throw new NullFileError('not a JSON object');
  if (json.format !== NULL_FORMAT) throw new NullFileError(`format must be "${NULL_FORMAT}", got ${JSON.stringify(json.format)}`);
  if (typeof json.model !== 'string' || json.model === '') throw new NullFileError('"model" must be a non-empty string');
  const source = typeof json.source === 'string' ? json.source : '';
  const createdAt = typeof json.createdAt === 'string' ? json.createdAt : '';
  const levels = finiteArray(json.quantileLevels, 'quantileLevels');
  for (const p of levels) if (p < 0 || p > 1) throw new NullFileError(`quantile level ${p} is outside [0, 1]`);
  if (!isObject(json.stages) || Object.keys(json.stages).length === 0) throw new NullFileError('"stages" must name at least one stage');
  const stages: NullDistribution['stages'] = {};
  for (const [stage, metrics] of Object.entries(json.stages)) {
    if (!isObject(metrics)) throw new NullFileError(`stage "${stage}" must be an object`);
    const out = {} as Record<MetricName, NullSummary>;
    for (const m of NULL_METRICS) out[m] = validateSummary(metrics[m], `stages.${stage}.${m}`, levels);
    stages[stage] = out;
  }
  return { format: NULL_FORMAT, model: json.model, source, createdAt, quantileLevels: levels, stages };
}
