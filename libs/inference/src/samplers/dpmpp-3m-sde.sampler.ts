import { checkCancelled, draw, reportStep, requireNoise, start } from './sampler-loop';
import type { SigmaSampler, SigmaSamplerRun } from './sampler.types';
import { addNoise3, like, lin2, type Vec } from './vec';

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
        x = lin2(a, x, b, denoised);
        if (h2 !== undefined && h1 !== undefined && denoised1 && denoised2) {
          const phi2 = Math.expm1(-hEta) / hEta + 1;
          x = thirdOrderCorrection(x, denoised, denoised1, denoised2, h1 / h, h2 / h, phi2, phi2 / hEta - 0.5);
        } else if (h1 !== undefined && denoised1) {
          const r = h1 / h;
          const phi2 = Math.expm1(-hEta) / hEta + 1;
          x = secondOrderCorrection(x, denoised, denoised1, r, phi2);
        }
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

/** x + phi2 · d1 − phi3 · d2, with the first and second divided differences of the last three estimates. */
function thirdOrderCorrection<V extends Vec>(x: V, denoised: Vec, denoised1: Vec, denoised2: Vec, r0: number, r1: number, phi2: number, phi3: number): V {
  const out = like(x);
  for (let k = 0; k < out.length; k++) {
    const d10 = (denoised[k] - denoised1[k]) / r0;
    const d11 = (denoised1[k] - denoised2[k]) / r1;
    const d1 = d10 + ((d10 - d11) * r0) / (r0 + r1);
    const d2 = (d10 - d11) / (r0 + r1);
    out[k] = x[k] + phi2 * d1 - phi3 * d2;
  }
  return out;
}

/** x + phi2 · (denoised − denoised1) / r. */
function secondOrderCorrection<V extends Vec>(x: V, denoised: Vec, denoised1: Vec, r: number, phi2: number): V {
  const out = like(x);
  for (let k = 0; k < out.length; k++) out[k] = x[k] + phi2 * ((denoised[k] - denoised1[k]) / r);
  return out;
}
