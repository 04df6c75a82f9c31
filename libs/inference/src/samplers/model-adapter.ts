import type { ModelSchedule } from './model-schedule';
import type { Denoiser, EpsilonModel } from './sampler.types';
import { like, type Vec } from './vec';

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
    const input = like(x);
    for (let i = 0; i < x.length; i++) input[i] = x[i] * cIn;
    const out = await unet(input, schedule.sigmaToTimestep(sigma));
    const denoised = like(x);
    if (vPrediction) {
      const cSkip = 1 / (sigma * sigma + 1);
      const cOut = -sigma * cIn;
      for (let i = 0; i < x.length; i++) denoised[i] = out[i] * cOut + x[i] * cSkip;
    } else {
      for (let i = 0; i < x.length; i++) denoised[i] = x[i] + out[i] * -sigma;
    }
    return denoised;
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
    const eps = like(x);
    for (let i = 0; i < x.length; i++) eps[i] = sa * v[i] + sb * x[i];
    return eps;
  };
}
