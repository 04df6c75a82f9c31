import { checkCancelled, reportStep, sigmaOfT, start, tOfSigma } from './sampler-loop';
import type { SigmaSampler, SigmaSamplerRun } from './sampler.types';
import { linSub, type Vec } from './vec';

/**
 * DPM++ 2M: second-order multistep DPM-Solver++; one model call per step, the previous denoised estimate supplies
 * the second order. First-order update on the first step and on the step to sigma 0.
 */
export const dpmpp2mSampler: SigmaSampler = {
  space: 'sigma',
  key: 'dpmpp_2m',
  label: 'DPM++ 2M',
  stochastic: false,
  preferredSchedule: 'karras',
  discardNextToLastSigma: false,
  modelCalls: (steps) => steps,

  async sample<V extends Vec>(run: SigmaSamplerRun<V>): Promise<V> {
    const { sigmas, denoiser } = run;
    let x = start(run.x);
    let oldDenoised: V | undefined;
    for (let i = 0; i < sigmas.length - 1; i++) {
      await checkCancelled(run, i);
      const sigma = sigmas[i];
      const next = sigmas[i + 1];
      const denoised = await denoiser(x, sigma);
      const t = tOfSigma(sigma);
      const tNext = tOfSigma(next);
      const h = tNext - t;
      const ratio = sigmaOfT(tNext) / sigmaOfT(t);
      if (oldDenoised === undefined || next === 0) {
        x = linSub(ratio, x, Math.expm1(-h), denoised);
      } else {
        const hLast = t - tOfSigma(sigmas[i - 1]);
        const r = hLast / h;
        const a = 1 + 1 / (2 * r);
        const b = 1 / (2 * r);
        x = linSub(ratio, x, Math.expm1(-h), linSub(a, denoised, b, oldDenoised));
      }
      oldDenoised = denoised;
      await reportStep(run, i, x, denoised);
    }
    return x;
  },
};
