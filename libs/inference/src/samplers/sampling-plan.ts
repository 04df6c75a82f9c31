import type { ModelSchedule } from './model-schedule';
import type { ResolvedSampler } from './sampler-registry';
import type { SigmaSampler, TimestepSampler } from './sampler.types';
import { computeSigmas } from './schedules';

/** What a resolved sampler will step over for a given model and step count. */
export type SamplingPlan =
  | { space: 'sigma'; sampler: SigmaSampler; sigmas: Float64Array; modelCalls: number }
  | { space: 'timestep'; sampler: TimestepSampler; timesteps: number[]; modelCalls: number };

/**
 * Builds the noise grid of a run: for sigma samplers the sigma list of their schedule (one extra step then the
 * next-to-last sigma dropped, for the samplers that ask for it); for timestep samplers their timesteps.
 */
export function planSampling(resolved: ResolvedSampler, schedule: ModelSchedule, steps: number): SamplingPlan {
  const { sampler } = resolved;
  if (sampler.space === 'timestep') {
    const timesteps = sampler.timesteps(schedule, steps);
    return { space: 'timestep', sampler, timesteps, modelCalls: sampler.modelCalls(steps) };
  }
  const sigmas = computeSigmas(resolved.schedule ?? 'normal', schedule, steps, {
    discardNextToLastSigma: sampler.discardNextToLastSigma,
  });
  return { space: 'sigma', sampler, sigmas, modelCalls: sampler.modelCalls(steps) };
}
