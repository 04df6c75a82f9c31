import { ancestralStep, checkCancelled, draw, reportStep, requireNoise, sigmaOfT, start, tOfSigma } from './sampler-loop';
import type { SigmaSampler, SigmaSamplerRun } from './sampler.types';
import { addNoise, addScaled, lin2, linSub, toD, type Vec } from './vec';

/** Position of the intermediate evaluation within each step, in half-log time. */
const R = 1 / 2;

/**
 * DPM++ SDE: a stochastic second-order single-step DPM-Solver++. Each non-final step takes an ancestral half step
 * (model call 2, noise draw 1 over (sigma, sigma_mid)) and then the full ancestral step (noise draw 2 over
 * (sigma, sigma_next)). The final step to 0 is a plain Euler step.
 *
 * The reference draws both from one Brownian path, which correlates them; the injected source here decides
 * (darkroom's engine uses independent Gaussian draws).
 */
export const dpmppSdeSampler: SigmaSampler = {
  space: 'sigma',
  key: 'dpmpp_sde',
  label: 'DPM++ SDE',
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
      if (next === 0) {
        x = addScaled(x, next - sigma, toD(x, denoised, sigma));
      } else {
        const t = tOfSigma(sigma);
        const tNext = tOfSigma(next);
        const h = tNext - t;
        const s = t + h * R;
        const fac = 1 / (2 * R);
        // The noise intervals start at sigma(t(sigma)), which may differ from sigma in the last bit.
        const sigmaT = sigmaOfT(t);
        const sigmaS = sigmaOfT(s);

        // Step 1: ancestral half step to the midpoint.
        const half = ancestralStep(sigmaT, sigmaS, eta);
        const sHalf = tOfSigma(half.sigmaDown);
        let x2 = linSub(sigmaOfT(sHalf) / sigmaT, x, Math.expm1(t - sHalf), denoised);
        if (eta !== 0) {
          x2 = addNoise(x2, draw(requireNoise(run.noise, 'DPM++ SDE'), sigmaT, sigmaS, x), sNoise, half.sigmaUp);
        }
        const denoised2 = await denoiser(x2, sigmaS);

        // Step 2: full ancestral step with the midpoint-corrected denoised estimate.
        const full = ancestralStep(sigmaT, sigmaOfT(tNext), eta);
        const tNextDown = tOfSigma(full.sigmaDown);
        const mixed = lin2(1 - fac, denoised, fac, denoised2);
        x = linSub(sigmaOfT(tNextDown) / sigmaT, x, Math.expm1(t - tNextDown), mixed);
        if (eta !== 0) {
          x = addNoise(x, draw(requireNoise(run.noise, 'DPM++ SDE'), sigmaT, sigmaOfT(tNext), x), sNoise, full.sigmaUp);
        }
      }
      await reportStep(run, i, x, denoised);
    }
    return x;
  },
};
