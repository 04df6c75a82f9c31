import type { ModelSchedule } from './model-schedule';
import type { Denoiser, EpsilonModel } from './sampler.types';
import { addScaled, lin2, scale, type Vec } from './vec';

/**
 * A UNet call as the engine makes it: the scaled VP input at a (possibly fractional) training timestep, returning
 * the raw model output (noise for epsilon models, velocity for v-prediction models). Classifier-free guidance is
 * the engine's business and happens inside this function.
 */
export type UNetCall<V extends Vec> = (input: V, timestep: number) => Promise<V>;

/**
 * Wraps a UNet as a sigma-space denoiser D(x, sigma) for the k-diffusion-family samplers:
 * input = x / sqrt(sigma² + 1), timestep = schedule.sigmaToTimestep(sigma), then
 * epsilon: D = x - sigma · eps;   v-prediction: D = x / (sigma² + 1) - sigma · v / sqrt(sigma² + 1).
 */
export function denoiserFromUNet<V extends Vec>(schedule: ModelSchedule, unet: UNetCall<V>): Denoiser<V> {
  const vPrediction = schedule.predictionType === 'v_prediction';
  return async (x, sigma) => {
    const cIn = 1 / Math.sqrt(sigma * sigma + 1);
    const out = await unet(scale(x, cIn), schedule.sigmaToTimestep(sigma));
    // Multiplication commutes exactly, so these are the formulas above term for term.
    return vPrediction ? lin2(-sigma * cIn, out, 1 / (sigma * sigma + 1), x) : addScaled(x, -sigma, out);
  };
}

/**
 * Wraps a UNet as the epsilon model the timestep samplers (DDIM, UniPC) expect. The VP sample is the UNet input as
 * it is; a v-prediction output is turned into noise: eps = sqrt(ᾱ_t) · v + sqrt(1 - ᾱ_t) · x.
 */
export function epsilonModelFromUNet<V extends Vec>(schedule: ModelSchedule, unet: UNetCall<V>): EpsilonModel<V> {
  if (schedule.predictionType !== 'v_prediction') return (x, t) => unet(x, t);
  return async (x, t) => {
    const v = await unet(x, t);
    const a = schedule.alphasCumprod[t];
    const sa = Math.sqrt(a);
    const sb = Math.sqrt(1 - a);
    return lin2(sa, v, sb, x);
  };
}
