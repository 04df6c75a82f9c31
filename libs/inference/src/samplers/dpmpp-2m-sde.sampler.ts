import { checkCancelled, draw, reportStep, requireNoise, start } from './sampler-loop';
import type { SigmaSampler, SigmaSamplerRun } from './sampler.types';
import { addNoise3, addScaledDifference, lin2, type Vec } from './vec';

export type Dpmpp2mSdeSolver = 'midpoint' | 'heun';

/**
 * DPM++ 2M SDE: second-order multistep DPM-Solver++ for the SDE; one model call per step and one noise draw per
 * non-final step, scaled by sigma_next * sqrt(1 - e^(-2 eta h)). The final step returns the denoised estimate.
 * The 'heun' and 'midpoint' variants differ only in the weight of the second-order correction.
 */
function makeDpmpp2mSde(solver: Dpmpp2mSdeSolver): SigmaSampler {
  const label = solver === 'midpoint' ? 'DPM++ 2M SDE' : 'DPM++ 2M SDE Heun';
  return {
    space: 'sigma',
    key: solver === 'midpoint' ? 'dpmpp_2m_sde' : 'dpmpp_2m_sde_heun',
    label,
    stochastic: true,
    preferredSchedule: 'exponential',
    discardNextToLastSigma: false,
    modelCalls: (steps) => steps,

    async sample<V extends Vec>(run: SigmaSamplerRun<V>): Promise<V> {
      const { sigmas, denoiser } = run;
      const eta = run.eta ?? 1;
      const sNoise = run.sNoise ?? 1;
      let x = start(run.x);
      let oldDenoised: V | undefined;
      let hLast = 0;
      for (let i = 0; i < sigmas.length - 1; i++) {
        await checkCancelled(run, i);
        const sigma = sigmas[i];
        const next = sigmas[i + 1];
        const denoised = await denoiser(x, sigma);
        let h = hLast;
        if (next === 0) {
          x = denoised.slice() as V;
        } else {
          const t = -Math.log(sigma);
          const s = -Math.log(next);
          h = s - t;
          const etaH = eta * h;
          const a = (next / sigma) * Math.exp(-etaH);
          const b = -Math.expm1(-h - etaH);
          x = lin2(a, x, b, denoised);
          if (oldDenoised !== undefined) {
            const r = hLast / h;
            const c = solver === 'heun' ? (b / (-h - etaH) + 1) * (1 / r) : 0.5 * b * (1 / r);
            x = addScaledDifference(x, c, denoised, oldDenoised);
          }
          if (eta !== 0) {
            const noise = draw(requireNoise(run.noise, label), sigma, next, x);
            x = addNoise3(x, noise, next, Math.sqrt(-Math.expm1(-2 * etaH)), sNoise);
          }
        }
        oldDenoised = denoised;
        hLast = h;
        await reportStep(run, i, x, denoised);
      }
      return x;
    },
  };
}

export const dpmpp2mSdeSampler: SigmaSampler = makeDpmpp2mSde('midpoint');
export const dpmpp2mSdeHeunSampler: SigmaSampler = makeDpmpp2mSde('heun');
