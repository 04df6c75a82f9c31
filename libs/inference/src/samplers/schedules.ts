import type { ModelSchedule } from './model-schedule';
import { symmetricLinspace } from './numeric';
import { SamplerConfigError } from './sampler.errors';

/** A step schedule: how the sampler's noise levels are spread between sigma_max and sigma_min. */
export type ScheduleName = 'normal' | 'karras' | 'exponential';

/** 'automatic' means "the sampler's preferred schedule" and resolves to 'normal' when the sampler has none. */
export type ScheduleRequest = ScheduleName | 'automatic';

export const SCHEDULE_NAMES: readonly ScheduleRequest[] = ['automatic', 'normal', 'karras', 'exponential'];

const SCHEDULE_ALIASES: Readonly<Record<string, ScheduleRequest>> = {
  automatic: 'automatic',
  auto: 'automatic',
  default: 'automatic',
  normal: 'normal',
  uniform: 'normal',
  karras: 'karras',
  exponential: 'exponential',
};

/** Parses a `scheduleName` (case-insensitive; empty means automatic). Unknown names throw UNKNOWN_SCHEDULE. */
export function parseScheduleName(name: string | null | undefined): ScheduleRequest {
  const key = (name ?? '').trim().toLowerCase();
  if (key === '') return 'automatic';
  const found = SCHEDULE_ALIASES[key];
  if (found === undefined) {
    throw new SamplerConfigError(
      'UNKNOWN_SCHEDULE',
      `unknown schedule "${name}"; supported: ${SCHEDULE_NAMES.join(', ')}`,
      SCHEDULE_NAMES,
    );
  }
  return found;
}

function checkSteps(n: number): void {
  if (!Number.isInteger(n) || n < 1) {
    throw new SamplerConfigError('INVALID_STEPS', `the number of steps must be a positive integer, got ${n}`);
  }
}

function withZero(values: ArrayLike<number>): Float64Array {
  const out = new Float64Array(values.length + 1);
  out.set(values);
  return out;
}

/** Karras et al. (2022): equal steps in sigma^(1/rho) from sigmaMax to sigmaMin, then 0. n + 1 entries. */
export function karrasSigmas(n: number, sigmaMin: number, sigmaMax: number, rho = 7): Float64Array {
  checkSteps(n);
  const ramp = symmetricLinspace(0, 1, n);
  const minInvRho = sigmaMin ** (1 / rho);
  const maxInvRho = sigmaMax ** (1 / rho);
  return withZero(ramp.map((r) => (maxInvRho + r * (minInvRho - maxInvRho)) ** rho));
}

/** Equal steps in log-sigma from sigmaMax to sigmaMin, then 0. n + 1 entries. */
export function exponentialSigmas(n: number, sigmaMin: number, sigmaMax: number): Float64Array {
  checkSteps(n);
  return withZero(symmetricLinspace(Math.log(sigmaMax), Math.log(sigmaMin), n).map(Math.exp));
}

/**
 * The model's own discretisation: n timesteps evenly spaced from the last training timestep down to 0, each
 * mapped to its sigma by log-sigma interpolation, then 0. n + 1 entries.
 */
export function normalSigmas(schedule: ModelSchedule, n: number): Float64Array {
  checkSteps(n);
  const ts = symmetricLinspace(schedule.numTrainTimesteps - 1, 0, n);
  return withZero(ts.map((t) => schedule.timestepToSigma(t)));
}

export interface SigmaScheduleOptions {
  /**
   * Compute one more step and drop the next-to-last sigma (kept for samplers whose last real step would
   * otherwise land very close to sigma_min). The result still has steps + 1 entries.
   */
  discardNextToLastSigma?: boolean;
}

/** The sigma list for `steps` sampler steps: steps + 1 descending values ending in 0. */
export function computeSigmas(
  name: ScheduleName,
  schedule: ModelSchedule,
  steps: number,
  options: SigmaScheduleOptions = {},
): Float64Array {
  checkSteps(steps);
  const n = options.discardNextToLastSigma ? steps + 1 : steps;
  let sigmas: Float64Array;
  switch (name) {
    case 'karras':
      sigmas = karrasSigmas(n, schedule.sigmaMin, schedule.sigmaMax);
      break;
    case 'exponential':
      sigmas = exponentialSigmas(n, schedule.sigmaMin, schedule.sigmaMax);
      break;
    case 'normal':
      sigmas = normalSigmas(schedule, n);
      break;
  }
  if (!options.discardNextToLastSigma) return sigmas;
  const out = new Float64Array(steps + 1);
  out.set(sigmas.subarray(0, sigmas.length - 2));
  out[steps] = sigmas[sigmas.length - 1];
  return out;
}
