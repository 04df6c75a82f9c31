import { checkCancelled, reportStep, start } from './sampler-loop';
import type { SigmaSampler, SigmaSamplerRun } from './sampler.types';
import { addScaled, like, toD, type Vec } from './vec';

/** Heun: Euler predictor plus a trapezoidal corrector (two model calls per step, one on the final step to 0). */
export const heunSampler: SigmaSampler = {
  space: 'sigma',
  key: 'heun',
  label: 'Heun',
  stochastic: false,
  discardNextToLastSigma: false,
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
      const dt = next - sigma;
      if (next === 0) {
        x = addScaled(x, dt, d);
      } else {
        const x2 = addScaled(x, dt, d);
        const d2 = toD(x2, await denoiser(x2, next), next);
        x = heunUpdate(x, d, d2, dt);
      }
      await reportStep(run, i, x, denoised);
    }
    return x;
  },
};

/** x + (d + d2) / 2 · dt: the trapezoidal step. */
function heunUpdate<V extends Vec>(x: V, d: Vec, d2: Vec, dt: number): V {
  const out = like(x);
  for (let k = 0; k < out.length; k++) out[k] = x[k] + ((d[k] + d2[k]) / 2) * dt;
  return out;
}
