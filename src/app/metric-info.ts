/** One-sentence explanations shown as tooltips on the metric columns. */
import type { MetricName } from '../engine/types.ts';

export const METRIC_COLUMNS: { key: MetricName; label: string; tip: string }[] = [
  { key: 'spearman', label: 'Spearman ρ',
    tip: 'Rank correlation between reference and metamer activations: 1 means the units are ordered identically.' },
  { key: 'pearson', label: 'Pearson r',
    tip: 'Linear correlation between reference and metamer activations: 1 means one is a scaled, shifted copy of the other.' },
  { key: 'snrDb', label: 'SNR (dB)',
    tip: 'Signal-to-noise ratio 10·log10(Σa² / Σ(a−b)²) of the reference activations a against the difference to the metamer b.' },
];

export const NULL_TIP =
  'Largest value of this metric between pairs of unrelated natural stimuli: a metamer must beat it to count as matched.';

export function formatMetric(key: MetricName, value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return '–';
  return key === 'snrDb' ? value.toFixed(2) : value.toFixed(4);
}
