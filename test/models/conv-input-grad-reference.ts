/** Float64 input gradient of an NHWC convolution by its definition: dx[s o + k - pad] += dy[o] f[k]. */
export function referenceConvInputGrad(
  dy: ArrayLike<number>,
  [b, oh, ow, o]: readonly number[],
  f: ArrayLike<number>,
  [kh, kw, c]: readonly number[],
  [h, w]: readonly number[],
  [sh, sw]: readonly number[],
  [top, left]: readonly number[],
): Float64Array {
  const dx = new Float64Array(b * h * w * c);
  for (let n = 0; n < b; n++)
    for (let y = 0; y < oh; y++)
      for (let x = 0; x < ow; x++)
        for (let ky = 0; ky < kh; ky++)
          for (let kx = 0; kx < kw; kx++) {
            const i = sh * y + ky - top;
            const j = sw * x + kx - left;
            if (i < 0 || i >= h || j < 0 || j >= w) continue;
            for (let ci = 0; ci < c; ci++) {
              let acc = 0;
              for (let oi = 0; oi < o; oi++) acc += dy[((n * oh + y) * ow + x) * o + oi] * f[((ky * kw + kx) * c + ci) * o + oi];
              dx[((n * h + i) * w + j) * c + ci] += acc;
            }
          }
  return dx;
}
