import { checkCancelled, reportStep, start } from './sampler-loop';
import type { SigmaSampler, SigmaSamplerRun } from './sampler.types';
import { like, toD, type Vec } from './vec';

/** Default order: the last four derivatives. */
export const LMS_ORDER = 4;

// 4-point Gauss–Legendre nodes and weights on [-1, 1]: exact for polynomials of degree ≤ 7, so for the Lagrange
// basis of any order ≤ 8. The integrals are therefore exact up to rounding, not approximations.
const GL_NODES = [-0.8611363115940526, -0.3399810435848563, 0.3399810435848563, 0.8611363115940526];
const GL_WEIGHTS = [0.34785484513745385, 0.6521451548625461, 0.6521451548625461, 0.34785484513745385];

/**
 * Integral from sigmas[i] to sigmas[i+1] of the Lagrange basis polynomial of node j over the nodes
 * sigmas[i], sigmas[i-1], …, sigmas[i-order+1]: the weight of the derivative taken j steps ago.
 */
export function lmsCoefficient(order: number, sigmas: ArrayLike<number>, i: number, j: number): number {
  if (order - 1 > i) throw new RangeError(`LMS order ${order} is too high for step ${i}`);
  if (order > 8) throw new RangeError('LMS order above 8 is not supported');
  const basis = (tau: number): number => {
    let prod = 1;
    for (let k = 0; k < order; k++) {
      if (k === j) continue;
      prod *= (tau - sigmas[i - k]) / (sigmas[i - j] - sigmas[i - k]);
    }
    return prod;
  };
  const a = sigmas[i];
  const b = sigmas[i + 1];
  const half = (b - a) / 2;
  const mid = (a + b) / 2;
  let sum = 0;
  for (let q = 0; q < GL_NODES.length; q++) sum += GL_WEIGHTS[q] * basis(mid + half * GL_NODES[q]);
  return sum * half;
}

/** Linear multistep (Adams–Bashforth in sigma) over up to the last four derivatives; one model call per step. */
export const lmsSampler: SigmaSampler = {
  space: 'sigma',
  key: 'lms',
  label: 'LMS',
  stochastic: false,
  discardNextToLastSigma: false,
  modelCalls: (steps) => steps,

  async sample<V extends Vec>(run: SigmaSamplerRun<V>): Promise<V> {
    const { sigmas, denoiser } = run;
    let x = start(run.x);
    const ds: V[] = [];
    for (let i = 0; i < sigmas.length - 1; i++) {
      await checkCancelled(run, i);
      const sigma = sigmas[i];
      const denoised = await denoiser(x, sigma);
      ds.push(toD(x, denoised, sigma));
      if (ds.length > LMS_ORDER) ds.shift();
      const order = Math.min(i + 1, LMS_ORDER);
      const coeffs: number[] = [];
      for (let j = 0; j < order; j++) coeffs.push(lmsCoefficient(order, sigmas, i, j));
      // x + sum_j coeff_j * d_{i-j}, summed newest first like the reference.
      x = lmsUpdate(x, ds, coeffs, order);
      await reportStep(run, i, x, denoised);
    }
    return x;
  },
};

/** x + Σ_j coeffs[j] · d_{newest − j}, summed newest first. */
function lmsUpdate<V extends Vec>(x: V, ds: readonly Vec[], coeffs: readonly number[], order: number): V {
  const out = like(x);
  for (let k = 0; k < out.length; k++) {
    let acc = coeffs[0] * ds[ds.length - 1][k];
    for (let j = 1; j < order; j++) acc += coeffs[j] * ds[ds.length - 1 - j][k];
    out[k] = x[k] + acc;
  }
  return out;
}
