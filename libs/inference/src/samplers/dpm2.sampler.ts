import { lerp } from './numeric';
import { checkCancelled, reportStep, start } from './sampler-loop';
import type { SigmaSampler, SigmaSamplerRun } from './sampler.types';
import { addScaled, toD, type Vec } from './vec';

/**
 * DPM2: a DPM-Solver-2-style midpoint step; the second model call sits at the log-midpoint of sigma and the next
 * sigma. The final step to 0 is a plain Euler step.
 */
export const dpm2Sampler: SigmaSampler = {
  space: 'sigma',
  key: 'dpm_2',
  label: 'DPM2',
  stochastic: false,
  preferredSchedule: 'karras',
  discardNextToLastSigma: true,
  modelCalls: (steps) => 2 * steps - 1,

  async sample<V extends Vec>(run: SigmaSamplerRun<V>): Promise<V> {
    const { sigmas, denoiser } = run;
    let x = start(run.x);
    for (let i = 0; i < sigmas.length - 1; i++) {
      await checkCancelled(run, i);
      const sigma = sigmas[i];
      const next = sigmas[i + 1];
      const denoised = await denoiser(x, sigma);
      const d = toD(x, denoised, sigma);
      if (next === 0) {
        x = addScaled(x, next - sigma, d);
      } else {
        const sigmaMid = Math.exp(lerp(Math.log(sigma), Math.log(next), 0.5));
        const x2 = addScaled(x, sigmaMid - sigma, d);
        const d2 = toD(x2, await denoiser(x2, sigmaMid), sigmaMid);
        x = addScaled(x, next - sigma, d2);
      }
      await reportStep(run, i, x, denoised);
    }
    return x;
  },
};
