import { lerp } from './numeric';
import { ancestralStep, checkCancelled, draw, reportStep, requireNoise, start } from './sampler-loop';
import type { SigmaSampler, SigmaSamplerRun } from './sampler.types';
import { addNoise, addScaled, toD, type Vec } from './vec';

/**
 * DPM2 ancestral: the DPM2 midpoint step down to sigma_down, then fresh noise of size sigma_up. Noise is added
 * only inside the second-order branch, i.e. never on the final step (sigma_down = 0 there).
 */
export const dpm2AncestralSampler: SigmaSampler = {
  space: 'sigma',
  key: 'dpm_2_ancestral',
  label: 'DPM2 a',
  stochastic: true,
  preferredSchedule: 'karras',
  discardNextToLastSigma: true,
  modelCalls: (steps) => 2 * steps - 1,

  async sample<V extends Vec>(run: SigmaSamplerRun<V>): Promise<V> {
    const { sigmas, denoiser } = run;
    const eta = run.eta ?? 1;
    const sNoise = run.sNoise ?? 1;
    let x = start(run.x);
    for (let i = 0; i < sigmas.length - 1; i++) {
      await checkCancelled(run, i);
      const sigma = sigmas[i];
      const next = sigmas[i + 1];
      const denoised = await denoiser(x, sigma);
      const { sigmaDown, sigmaUp } = ancestralStep(sigma, next, eta);
      const d = toD(x, denoised, sigma);
      if (sigmaDown === 0) {
        x = addScaled(x, sigmaDown - sigma, d);
      } else {
        const sigmaMid = Math.exp(lerp(Math.log(sigma), Math.log(sigmaDown), 0.5));
        const x2 = addScaled(x, sigmaMid - sigma, d);
        const d2 = toD(x2, await denoiser(x2, sigmaMid), sigmaMid);
        x = addScaled(x, sigmaDown - sigma, d2);
        if (eta !== 0) {
          const noise = draw(requireNoise(run.noise, 'DPM2 a'), sigma, next, x);
          x = addNoise(x, noise, sNoise, sigmaUp);
        }
      }
      await reportStep(run, i, x, denoised);
    }
    return x;
  },
};
