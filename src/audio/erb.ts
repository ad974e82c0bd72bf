/**
 * The ERB-number scale of spec section 5 (Glasberg & Moore's ERB-rate with the
 * constants the cochleagram uses): erb(f) = 9.265 ln(1 + f / (24.7 * 9.265)).
 */
const EAR_Q = 9.265;
const MIN_BANDWIDTH_HZ = 24.7;

/** Frequency in Hz -> position on the ERB scale. */
export function erb(frequencyHz: number): number {
  return EAR_Q * Math.log(1 + frequencyHz / (MIN_BANDWIDTH_HZ * EAR_Q));
}

/** Inverse of erb(): ERB-scale position -> frequency in Hz. */
export function erbToHz(erbNumber: number): number {
  return MIN_BANDWIDTH_HZ * EAR_Q * (Math.exp(erbNumber / EAR_Q) - 1);
}
