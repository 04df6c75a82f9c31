import { checkCancelled, draw, reportStep, requireNoise, start } from './sampler-loop';
import type { SigmaSampler, SigmaSamplerRun } from './sampler.types';
import { addNoise3, like, type Vec } from './vec';

/**
 * DPM++ 3M SDE: third-order multistep DPM-Solver++ for the SDE. Order 1 on the first step, 2 on the second, 3
 * afterwards (as many previous denoised estimates as exist); one noise draw per non-final step. The final step
 * returns the denoised estimate.
 */
export const dpmpp3mSdeSampler: SigmaSampler = {
  space: 'sigma',
  key: 'dpmpp_3m_sde',
  label: 'DPM++ 3M SDE',
  stochastic: true,
  preferredSchedule: 'exponential',
  discardNextToLastSigma: true,
  modelCalls: (steps) => steps,

  async sample<V extends Vec>(run: SigmaSamplerRun<V>): Promise<V> {
    const { sigmas, denoiser } = run;
    const eta = run.eta ?? 1;
    const sNoise = run.sNoise ?? 1;
    let x = start(run.x);
    let denoised1: V | undefined;
    let denoised2: V | undefined;
    let h1: number | undefined;
    let h2: number | undefined;
    let h = 0;
    for (let i = 0; i < sigmas.length - 1; i++) {
      await checkCancelled(run, i);
      const sigma = sigmas[i];
      const next = sigmas[i + 1];
      const denoised = await denoiser(x, sigma);
      if (next === 0) {
        x = denoised.slice() as V;
      } else {
        const t = -Math.log(sigma);
        const s = -Math.log(next);
        h = s - t;
        const hEta = h * (eta + 1);
        const a = Math.exp(-hEta);
        const b = -Math.expm1(-hEta);
        const out = like(x);
        for (let k = 0; k < out.length; k++) out[k] = a * x[k] + b * denoised[k];
        if (h2 !== undefined && h1 !== undefined && denoised1 && denoised2) {
          const r0 = h1 / h;
          const r1 = h2 / h;
          const phi2 = Math.expm1(-hEta) / hEta + 1;
          const phi3 = phi2 / hEta - 0.5;
          for (let k = 0; k < out.length; k++) {
            const d10 = (denoised[k] - denoised1[k]) / r0;
            const d11 = (denoised1[k] - denoised2[k]) / r1;
            const d1 = d10 + ((d10 - d11) * r0) / (r0 + r1);
            const d2 = (d10 - d11) / (r0 + r1);
            out[k] = out[k] + phi2 * d1 - phi3 * d2;
          }
        } else if (h1 !== undefined && denoised1) {
          const r = h1 / h;
          const phi2 = Math.expm1(-hEta) / hEta + 1;
          for (let k = 0; k < out.length; k++) out[k] = out[k] + phi2 * ((denoised[k] - denoised1[k]) / r);
        }
        x = out;
        if (eta !== 0) {
          const noise = draw(requireNoise(run.noise, 'DPM++ 3M SDE'), sigma, next, x);
          x = addNoise3(x, noise, next, Math.sqrt(-Math.expm1(-2 * h * eta)), sNoise);
        }
      }
      denoised2 = denoised1;
      denoised1 = denoised;
      h2 = h1;
      h1 = h;
      await reportStep(run, i, x, denoised);
    }
    return x;
  },
};
