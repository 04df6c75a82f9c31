/**
 * darkroom's seeded Gaussian noise.
 *
 * Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3") keyed by the 64-bit seed, turned
 * into standard normals with Box–Muller. Counter-based: the value at position p of stream s under seed k is a pure
 * function of (k, s, p), so a run is bit-identical on every machine and every Node version (JS Math.log/cos/sin/
 * sqrt are deterministic), whatever the chunk sizes it is drawn in.
 *
 * It does not reproduce torch's CPU or CUDA generators; images are reproducible within darkroom, not bit-for-bit
 * against other Stable Diffusion front ends that use the same seed.
 *
 * Streams keep the initial latent noise and the sampler's per-step noise apart:
 * - the latent uses `seed` on stream LATENT;
 * - the sampler noise uses `seed + etaNoiseSeedDelta` on stream SAMPLER, so ENSD changes only the per-step noise,
 *   and even with a delta of 0 the per-step noise never repeats the latent noise.
 */
import type { NoiseSource } from './sampler.types';

export const NOISE_STREAM = { LATENT: 0, SAMPLER: 1 } as const;

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** High and low 32 bits of the 64-bit product of two uint32 values. */
function mulHiLo(a: number, b: number, out: Uint32Array, hiIdx: number, loIdx: number): void {
  const aL = a & 0xffff;
  const aH = a >>> 16;
  const bL = b & 0xffff;
  const bH = b >>> 16;
  const ll = aL * bL;
  const lh = aL * bH;
  const hl = aH * bL;
  const hh = aH * bH;
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  out[hiIdx] = hh + (lh >>> 16) + (hl >>> 16) + (mid >>> 16);
  out[loIdx] = Math.imul(a, b);
}

const scratch = new Uint32Array(4);

/**
 * One Philox4x32-10 block: 4 uint32 outputs for a 128-bit counter and 64-bit key. Writes into `out`.
 * (Random123 known-answer vectors are checked in the tests.)
 */
export function philox4x32(counter: ArrayLike<number>, key: ArrayLike<number>, out: Uint32Array): Uint32Array {
  let c0 = counter[0] >>> 0;
  let c1 = counter[1] >>> 0;
  let c2 = counter[2] >>> 0;
  let c3 = counter[3] >>> 0;
  let k0 = key[0] >>> 0;
  let k1 = key[1] >>> 0;
  for (let round = 0; round < 10; round++) {
    mulHiLo(M0, c0, scratch, 0, 1); // hi0, lo0
    mulHiLo(M1, c2, scratch, 2, 3); // hi1, lo1
    const n0 = (scratch[2] ^ c1 ^ k0) >>> 0;
    const n2 = (scratch[0] ^ c3 ^ k1) >>> 0;
    c1 = scratch[3];
    c3 = scratch[1];
    c0 = n0;
    c2 = n2;
    k0 = (k0 + W0) >>> 0;
    k1 = (k1 + W1) >>> 0;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
  return out;
}

export type Seed = number | bigint;

/** The seed as the two 32-bit halves of its value modulo 2^64 (negative seeds wrap). */
export function seedKey(seed: Seed, delta: Seed = 0): [number, number] {
  for (const v of [seed, delta]) {
    if (typeof v === 'number' && !Number.isSafeInteger(v)) throw new RangeError(`seeds must be integers, got ${v}`);
  }
  const v = BigInt.asUintN(64, BigInt(seed) + BigInt(delta));
  return [Number(v & 0xffffffffn), Number(v >> 32n)];
}

const TWO_POW_32 = 4294967296;
const TWO_PI = 2 * Math.PI;

/**
 * A sequential view on one Philox stream of standard normals: block b (64-bit counter in words 0-1, stream id in
 * word 2) yields 4 normals, two Box–Muller pairs. Drawing 3 then 5 values gives the same 8 values as drawing 8.
 */
export class GaussianGenerator {
  private readonly key: [number, number];
  private readonly stream: number;
  private block = 0;
  private readonly bits = new Uint32Array(4);
  private readonly buffered = new Float64Array(4);
  private bufferedLeft = 0;

  constructor(seed: Seed, stream: number = NOISE_STREAM.LATENT, delta: Seed = 0) {
    this.key = seedKey(seed, delta);
    this.stream = stream >>> 0;
  }

  /** Fills `out` with the next out.length standard normals and returns it. */
  fill<T extends Float64Array | Float32Array>(out: T): T {
    let i = 0;
    while (i < out.length) {
      if (this.bufferedLeft === 0) this.refill();
      out[i++] = this.buffered[4 - this.bufferedLeft--];
    }
    return out;
  }

  /** The next `length` standard normals as a new array. */
  next(length: number, type: 'float64' | 'float32' = 'float64'): Float64Array | Float32Array {
    return this.fill(type === 'float32' ? new Float32Array(length) : new Float64Array(length));
  }

  private refill(): void {
    const lo = this.block % TWO_POW_32;
    const hi = Math.floor(this.block / TWO_POW_32);
    philox4x32([lo, hi, this.stream, 0], this.key, this.bits);
    this.block++;
    for (let p = 0; p < 2; p++) {
      // Uniforms strictly inside (0, 1), so the logarithm is finite.
      const u1 = (this.bits[2 * p] + 0.5) / TWO_POW_32;
      const u2 = (this.bits[2 * p + 1] + 0.5) / TWO_POW_32;
      const radius = Math.sqrt(-2 * Math.log(u1));
      const angle = TWO_PI * u2;
      this.buffered[2 * p] = radius * Math.cos(angle);
      this.buffered[2 * p + 1] = radius * Math.sin(angle);
    }
    this.bufferedLeft = 4;
  }
}

/** The initial latent noise for a seed: `length` standard normals from the LATENT stream. */
export function latentNoise(
  seed: Seed,
  length: number,
  type: 'float64' | 'float32' = 'float32',
): Float64Array | Float32Array {
  return new GaussianGenerator(seed, NOISE_STREAM.LATENT).next(length, type);
}

export interface SamplerNoiseOptions {
  seed: Seed;
  /** A1111's "ENSD": offsets the seed of the per-step noise only. */
  etaNoiseSeedDelta?: Seed;
  /** Elements per draw (the latent's size). */
  length: number;
  type?: 'float64' | 'float32';
}

/**
 * The per-step noise a stochastic sampler draws: independent standard normals per call, seeded with
 * seed + etaNoiseSeedDelta. The (sigma, sigmaNext) arguments are ignored: this is not a Brownian path, so the two
 * draws DPM++ SDE makes per step are independent rather than correlated increments.
 */
export function samplerNoise(options: SamplerNoiseOptions): NoiseSource {
  const gen = new GaussianGenerator(options.seed, NOISE_STREAM.SAMPLER, options.etaNoiseSeedDelta ?? 0);
  const type = options.type ?? 'float32';
  return () => gen.next(options.length, type);
}
