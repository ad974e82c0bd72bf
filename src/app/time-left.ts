/**
 * Time left in a run, from the measured rate and the steps still to go, in words a person
 * reads at a glance ("1 min 20 s"). Pure, so the progress bar's arithmetic is unit-tested.
 */

/** Seconds until `total` at `stepsPerSecond`, or null while there is no usable rate yet. */
export function secondsLeft(step: number, total: number, stepsPerSecond: number): number | null {
  if (!(stepsPerSecond > 0) || !Number.isFinite(stepsPerSecond) || !(total > 0)) return null;
  return Math.max(0, total - step) / stepsPerSecond;
}

/**
 * "45 s", "1 min 20 s", "2 h 5 min", "3 d 4 h": the two largest units, the seconds rounded
 * (a countdown that jumps by fractions is noise). Under half a second reads "0 s".
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  const days = Math.floor(s / 86400);
  const hours = Math.floor((s % 86400) / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const secs = s % 60;
  if (days > 0) return hours ? `${days} d ${hours} h` : `${days} d`;
  if (hours > 0) return minutes ? `${hours} h ${minutes} min` : `${hours} h`;
  if (minutes > 0) return secs ? `${minutes} min ${secs} s` : `${minutes} min`;
  return `${secs} s`;
}

/** The progress bar's ETA text: "about 1 min 20 s left", or "" while the rate is unknown or the run is over. */
export function etaText(step: number, total: number, stepsPerSecond: number): string {
  const left = secondsLeft(step, total, stepsPerSecond);
  if (left === null || step >= total) return '';
  return `about ${formatDuration(left)} left`;
}
