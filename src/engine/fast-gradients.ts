/**
 * One switch for the faster gradient formulations on the wasm backend (issue 11): strided
 * convolutions' input gradients as one stride-1 convolution of sub-pixel phases, and the
 * others listed where they are used. On by default; `npm run bench -- --speedup` switches it
 * off to time the plain formulations side by side in one run. Results agree within float
 * tolerance either way (each fast path has its own test against a reference).
 */
let enabled = true;

export function setFastGradients(on: boolean): void {
  enabled = on;
}

export function fastGradients(): boolean {
  return enabled;
}
