import { latentNoise } from '../samplers';

/**
 * Start noise of a clip. AnimateDiff itself draws independent noise per frame and leaves coherence to the motion
 * module; darkroom correlates the frames' noise as well, so the clip keeps one scene and moves smoothly even where
 * the motion module is weak (PYoCo's mixed + progressive noise prior):
 *
 *   ε_f = √λ · n(seed) + √(1 − λ) · a_f,   a_0 = n(seed, 1),   a_f = ρ · a_{f−1} + √(1 − ρ²) · n(seed, f + 1)
 *
 * with n(seed, k) the latent noise of seed + k · 2³² (never another image's seed: those stay below 2³²). Every ε_f
 * is standard normal; frames f and g correlate by λ + (1 − λ) · ρ^|f−g| (0.95 for neighbours, → 0.5 far apart).
 */
export const SHARED_NOISE_SHARE = 0.5;
export const FRAME_NOISE_CORRELATION = 0.9;

const FRAME_SEED_STRIDE = 1n << 32n;

/** The seed of noise stream k of an image's clip (k = 0: the image's own seed). */
export function frameSeed(seed: bigint, k: number): bigint {
  return seed + BigInt(k) * FRAME_SEED_STRIDE;
}

/** `frames` noise latents of `length` values each (frame after frame) for one image's seed. */
export function clipNoise(seed: bigint, frames: number, length: number, shared = SHARED_NOISE_SHARE, rho = FRAME_NOISE_CORRELATION): Float32Array {
  const base = latentNoise(seed, length, 'float32') as Float32Array;
  const out = new Float32Array(frames * length);
  const a = new Float32Array(length);
  const sb = Math.sqrt(shared);
  const sa = Math.sqrt(1 - shared);
  const fresh = Math.sqrt(1 - rho * rho);
  for (let f = 0; f < frames; f++) {
    const n = latentNoise(frameSeed(seed, f + 1), length, 'float32') as Float32Array;
    for (let i = 0; i < length; i++) a[i] = f === 0 ? n[i] : rho * a[i] + fresh * n[i];
    const o = f * length;
    for (let i = 0; i < length; i++) out[o + i] = sb * base[i] + sa * a[i];
  }
  return out;
}
