/**
 * Elementwise vector arithmetic shared by every sampler.
 *
 * Samplers run on `Float64Array` (exact tests) and on `Float32Array` (the engine, whose UNet runs in float32)
 * through the same code. Scalars are always computed in double precision; a Float32Array result rounds once
 * per element on store. Each helper returns a fresh array of the same type as its first vector argument, so
 * arrays handed to callbacks are never mutated afterwards. The elementwise expressions keep the operation
 * order of the reference formulas, which is what lets the float64 path agree with them to ~1e-15.
 */

export type Vec = Float64Array | Float32Array;

/** A new zero-filled array of the same element type as `template`. */
export function like<V extends Vec>(template: V, length: number = template.length): V {
  return (template instanceof Float32Array ? new Float32Array(length) : new Float64Array(length)) as V;
}

export function copyOf<V extends Vec>(x: V): V {
  const out = like(x);
  out.set(x);
  return out;
}

export function assertSameLength(a: Vec, b: Vec, what: string): void {
  if (a.length !== b.length) {
    throw new RangeError(`${what}: expected ${a.length} elements, got ${b.length}`);
  }
}

/** `x * a` */
export function scale<V extends Vec>(x: V, a: number): V {
  const out = like(x);
  for (let i = 0; i < x.length; i++) out[i] = x[i] * a;
  return out;
}

/** `x + a * y` */
export function addScaled<V extends Vec>(x: V, a: number, y: Vec): V {
  assertSameLength(x, y, 'addScaled');
  const out = like(x);
  for (let i = 0; i < x.length; i++) out[i] = x[i] + y[i] * a;
  return out;
}

/** `a * x + b * y` */
export function lin2<V extends Vec>(a: number, x: V, b: number, y: Vec): V {
  assertSameLength(x, y, 'lin2');
  const out = like(x);
  for (let i = 0; i < x.length; i++) out[i] = a * x[i] + b * y[i];
  return out;
}

/** `a * x - b * y` (kept separate from lin2 so the subtraction rounds like the reference formulas) */
export function linSub<V extends Vec>(a: number, x: V, b: number, y: Vec): V {
  assertSameLength(x, y, 'linSub');
  const out = like(x);
  for (let i = 0; i < x.length; i++) out[i] = a * x[i] - b * y[i];
  return out;
}

/** `x + c * (y - z)` */
export function addScaledDifference<V extends Vec>(x: V, c: number, y: Vec, z: Vec): V {
  assertSameLength(x, y, 'addScaledDifference');
  assertSameLength(y, z, 'addScaledDifference');
  const out = like(x);
  for (let i = 0; i < x.length; i++) out[i] = x[i] + c * (y[i] - z[i]);
  return out;
}

/** `(x - denoised) / sigma`: the Karras ODE derivative. */
export function toD<V extends Vec>(x: V, denoised: Vec, sigma: number): V {
  assertSameLength(x, denoised, 'toD');
  const out = like(x);
  for (let i = 0; i < x.length; i++) out[i] = (x[i] - denoised[i]) / sigma;
  return out;
}

/** `x - y` */
export function sub<V extends Vec>(x: V, y: Vec): V {
  assertSameLength(x, y, 'sub');
  const out = like(x);
  for (let i = 0; i < x.length; i++) out[i] = x[i] - y[i];
  return out;
}

/** `x + noise * s1 * s2`, evaluated left to right as the noise terms of the reference samplers are. */
export function addNoise<V extends Vec>(x: V, noise: Vec, s1: number, s2: number): V {
  assertSameLength(x, noise, 'noise');
  const out = like(x);
  for (let i = 0; i < x.length; i++) out[i] = x[i] + noise[i] * s1 * s2;
  return out;
}

/** `x + noise * s1 * s2 * s3` (the SDE samplers' noise term). */
export function addNoise3<V extends Vec>(x: V, noise: Vec, s1: number, s2: number, s3: number): V {
  assertSameLength(x, noise, 'noise');
  const out = like(x);
  for (let i = 0; i < x.length; i++) out[i] = x[i] + noise[i] * s1 * s2 * s3;
  return out;
}

/** Largest absolute elementwise difference; for tests and diagnostics. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = d; // NaN propagates as a failure
  }
  return m;
}
