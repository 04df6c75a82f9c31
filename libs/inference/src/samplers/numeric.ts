/**
 * Scalar numeric helpers whose rounding matches the reference implementations the samplers are checked against.
 */

/**
 * Evenly spaced values in the way the reference tensor library fills them: the first half counts up from
 * `start`, the second half counts down from `end`, so both endpoints are exact.
 */
export function symmetricLinspace(start: number, end: number, steps: number): Float64Array {
  const out = new Float64Array(steps);
  if (steps === 1) {
    out[0] = start;
    return out;
  }
  const step = (end - start) / (steps - 1);
  const halfway = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) {
    out[i] = i < halfway ? start + step * i : end - step * (steps - i - 1);
  }
  return out;
}

/** Evenly spaced values computed as `start + i * step` with the last one pinned to `stop` (array-library style). */
export function forwardLinspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  if (num === 1) {
    out[0] = start;
    return out;
  }
  const step = (stop - start) / (num - 1);
  for (let i = 0; i < num; i++) out[i] = i * step + start;
  out[num - 1] = stop;
  return out;
}

/** Round half to even (banker's rounding), the convention used when diffusion timesteps are rounded. */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  if (Math.abs(v - Math.trunc(v)) === 0.5 && r % 2 !== 0) return r - 1;
  return r;
}

/** Linear interpolation evaluated from the nearer endpoint, which keeps `lerp(a, b, 1) === b` exact. */
export function lerp(start: number, end: number, weight: number): number {
  return weight < 0.5 ? start + weight * (end - start) : end - (end - start) * (1 - weight);
}

/** Solves the small dense system `A x = b` (row-major `A`, n ≤ ~4) by Gaussian elimination with partial pivoting. */
export function solveLinear(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r][col]) > Math.abs(m[pivot][col])) pivot = r;
    [m[col], m[pivot]] = [m[pivot], m[col]];
    for (let r = col + 1; r < n; r++) {
      const f = m[r][col] / m[col][col];
      for (let c = col; c <= n; c++) m[r][c] -= f * m[col][c];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r][n];
    for (let c = r + 1; c < n; c++) s -= m[r][c] * x[c];
    x[r] = s / m[r][r];
  }
  return x;
}
