import { checkCancelled, draw, reportStep, requireNoise, start } from './sampler-loop';
import type { TimestepSampler, TimestepSamplerRun } from './sampler.types';
import { ddimTimesteps } from './timesteps';
import { addScaled, like, type Vec } from './vec';

const DEFAULT_SPACING = 'leading';

/**
 * DDIM (Song et al.) in VP space. Each step predicts x0 from the model's noise estimate and re-noises it to the
 * previous timestep t - N/n; past timestep 0 it uses the schedule's final ᾱ (ᾱ_0 for SD checkpoints, so the
 * result keeps that tiny residual noise level). eta = 0 is deterministic; eta > 0 adds fresh noise.
 */
export const ddimSampler: TimestepSampler = {
  space: 'timestep',
  key: 'ddim',
  label: 'DDIM',
  stochastic: false,
  defaultSpacing: DEFAULT_SPACING,
  modelCalls: (steps) => steps,

  timesteps(schedule, steps) {
    const spacing = schedule.options.timestepSpacing ?? DEFAULT_SPACING;
    return ddimTimesteps(steps, schedule.numTrainTimesteps, spacing, schedule.options.stepsOffset);
  },

  async sample<V extends Vec>(run: TimestepSamplerRun<V>): Promise<V> {
    const { schedule, timesteps, model } = run;
    const eta = run.eta ?? 0;
    const ac = schedule.alphasCumprod;
    const stepRatio = Math.floor(schedule.numTrainTimesteps / (run.numInferenceSteps ?? timesteps.length));
    let x = start(run.x);
    for (let i = 0; i < timesteps.length; i++) {
      await checkCancelled(run, i);
      const t = timesteps[i];
      const eps = await model(x, t);
      const prev = t - stepRatio;
      const aT = ac[t];
      const aPrev = prev >= 0 ? ac[prev] : schedule.finalAlphaCumprod;
      const betaT = 1 - aT;
      const sqrtBetaT = Math.sqrt(betaT);
      const sqrtAT = Math.sqrt(aT);
      const variance = ((1 - aPrev) / betaT) * (1 - aT / aPrev);
      const std = eta * Math.sqrt(variance);
      const dirCoef = Math.sqrt(1 - aPrev - std * std);
      const sqrtAPrev = Math.sqrt(aPrev);

      const { x0, out } = ddimUpdate(x, eps, sqrtBetaT, sqrtAT, sqrtAPrev, dirCoef);
      if (eta !== 0) {
        const sigmaNow = Math.sqrt(betaT / aT);
        const sigmaPrev = Math.sqrt((1 - aPrev) / aPrev);
        const noise = draw(requireNoise(run.noise, 'DDIM'), sigmaNow, sigmaPrev, out);
        x = addScaled(out, std, noise);
      } else {
        x = out;
      }
      await reportStep(run, i, x, x0);
    }
    return x;
  },
};

/** The predicted x0 and the deterministic part of the step to the previous timestep. */
function ddimUpdate<V extends Vec>(x: V, eps: Vec, sqrtBetaT: number, sqrtAT: number, sqrtAPrev: number, dirCoef: number): { x0: V; out: V } {
  const x0 = like(x);
  const out = like(x);
  for (let k = 0; k < out.length; k++) {
    x0[k] = (x[k] - sqrtBetaT * eps[k]) / sqrtAT;
    out[k] = sqrtAPrev * x0[k] + dirCoef * eps[k];
  }
  return { x0, out };
}
