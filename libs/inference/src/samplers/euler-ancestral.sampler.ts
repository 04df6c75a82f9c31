import { ancestralStep, checkCancelled, draw, reportStep, requireNoise, start } from './sampler-loop';
import type { SigmaSampler, SigmaSamplerRun } from './sampler.types';
import { addNoise, addScaled, toD, type Vec } from './vec';

/** Euler ancestral: an Euler step down to sigma_down, then fresh noise of size sigma_up (none on the last step). */
export const eulerAncestralSampler: SigmaSampler = {
  space: 'sigma',
  key: 'euler_ancestral',
  label: 'Euler a',
  stochastic: true,
  discardNextToLastSigma: false,
  modelCalls: (steps) => steps,

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
      x = addScaled(x, sigmaDown - sigma, d);
      if (next > 0 && eta !== 0) {
        const noise = draw(requireNoise(run.noise, 'Euler a'), sigma, next, x);
        x = addNoise(x, noise, sNoise, sigmaUp);
      }
      await reportStep(run, i, x, denoised);
    }
    return x;
  },
};
