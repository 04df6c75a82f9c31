import { SamplingCancelledError } from './sampler.errors';
import type { NoiseSource, SamplerControl } from './sampler.types';
import { assertSameLength, copyOf, type Vec } from './vec';

/** Throws SamplingCancelledError when the run was cancelled; called before each step's first model call. */
export async function checkCancelled<V extends Vec>(run: SamplerControl<V>, step: number): Promise<void> {
  if (run.isCancelled && (await run.isCancelled())) throw new SamplingCancelledError(step);
}

export async function reportStep<V extends Vec>(run: SamplerControl<V>, step: number, x: V, denoised: V): Promise<void> {
  if (run.onStep) await run.onStep(step, x, denoised);
}

/** The noise source of a stochastic run, or a clear error when the caller forgot it. */
export function requireNoise(noise: NoiseSource | undefined, sampler: string): NoiseSource {
  if (!noise) throw new TypeError(`sampler ${sampler} needs a noise source when eta > 0`);
  return noise;
}

/** Draws from the source and checks that the draw is shaped like x. */
export function draw(noise: NoiseSource, sigma: number, sigmaNext: number, x: Vec): Vec {
  const n = noise(sigma, sigmaNext);
  assertSameLength(x, n, 'noise source');
  return n;
}

/** The sampler's private copy of the caller's start point (the caller's array is never written). */
export function start<V extends Vec>(x: V): V {
  return copyOf(x);
}

/**
 * Ancestral step split: of the way from sigmaFrom to sigmaTo, go deterministically down to sigmaDown and add
 * fresh noise of size sigmaUp, so that sigmaDown² + sigmaUp² = sigmaTo². eta scales the noise share.
 */
export function ancestralStep(sigmaFrom: number, sigmaTo: number, eta = 1): { sigmaDown: number; sigmaUp: number } {
  if (!eta) return { sigmaDown: sigmaTo, sigmaUp: 0 };
  const to2 = sigmaTo * sigmaTo;
  const from2 = sigmaFrom * sigmaFrom;
  const sigmaUp = Math.min(sigmaTo, eta * Math.sqrt((to2 * (from2 - to2)) / from2));
  const sigmaDown = Math.sqrt(to2 - sigmaUp * sigmaUp);
  return { sigmaDown, sigmaUp };
}

/** Half-log time used by the DPM-Solver family: t = -ln(sigma), and back. */
export const tOfSigma = (sigma: number): number => -Math.log(sigma);
export const sigmaOfT = (t: number): number => Math.exp(-t);
