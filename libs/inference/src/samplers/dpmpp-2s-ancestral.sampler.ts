import { ancestralStep, checkCancelled, draw, reportStep, requireNoise, sigmaOfT, start, tOfSigma } from './sampler-loop';
import type { SigmaSampler, SigmaSamplerRun } from './sampler.types';
import { addNoise, addScaled, linSub, toD, type Vec } from './vec';

/**
 * DPM++ 2S ancestral: a single-step second-order DPM-Solver++ update down to sigma_down (its second model call
 * at the half-log midpoint), then fresh noise of size sigma_up. The final step is an Euler step without noise.
 */
export const dpmpp2sAncestralSampler: SigmaSampler = {
  space: 'sigma',
  key: 'dpmpp_2s_ancestral',
  label: 'DPM++ 2S a',
  stochastic: true,
  preferredSchedule: 'karras',
  discardNextToLastSigma: false,
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
      if (sigmaDown === 0) {
        x = addScaled(x, sigmaDown - sigma, toD(x, denoised, sigma));
      } else {
        const t = tOfSigma(sigma);
        const tNext = tOfSigma(sigmaDown);
        const r = 1 / 2;
        const h = tNext - t;
        const s = t + r * h;
        const x2 = linSub(sigmaOfT(s) / sigmaOfT(t), x, Math.expm1(-h * r), denoised);
        const denoised2 = await denoiser(x2, sigmaOfT(s));
        x = linSub(sigmaOfT(tNext) / sigmaOfT(t), x, Math.expm1(-h), denoised2);
      }
      if (next > 0 && eta !== 0) {
        const noise = draw(requireNoise(run.noise, 'DPM++ 2S a'), sigma, next, x);
        x = addNoise(x, noise, sNoise, sigmaUp);
      }
      await reportStep(run, i, x, denoised);
    }
    return x;
  },
};
