import { checkCancelled, reportStep, start } from './sampler-loop';
import type { SigmaSampler, SigmaSamplerRun } from './sampler.types';
import { addScaled, toD, type Vec } from './vec';

/** Euler: one first-order step along the probability-flow ODE per model call. */
export const eulerSampler: SigmaSampler = {
  space: 'sigma',
  key: 'euler',
  label: 'Euler',
  stochastic: false,
  discardNextToLastSigma: false,
  modelCalls: (steps) => steps,

  async sample<V extends Vec>(run: SigmaSamplerRun<V>): Promise<V> {
    const { sigmas, denoiser } = run;
    let x = start(run.x);
    for (let i = 0; i < sigmas.length - 1; i++) {
      await checkCancelled(run, i);
      const sigma = sigmas[i];
      const denoised = await denoiser(x, sigma);
      const d = toD(x, denoised, sigma);
      x = addScaled(x, sigmas[i + 1] - sigma, d);
      await reportStep(run, i, x, denoised);
    }
    return x;
  },
};
