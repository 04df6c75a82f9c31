import type { ModelSchedule, TimestepSpacing } from './model-schedule';
import type { ScheduleName } from './schedules';
import type { Vec } from './vec';

/**
 * A denoiser in sigma space: given x = signal + sigma * noise, it returns its estimate of the signal.
 * Async because the engine's UNet call is.
 */
export type Denoiser<V extends Vec> = (x: V, sigma: number) => Promise<V>;

/** An epsilon model in VP space: given the VP sample at an integer training timestep, it returns the predicted noise. */
export type EpsilonModel<V extends Vec> = (x: V, timestep: number) => Promise<V>;

/**
 * A source of standard Gaussian noise shaped like x. Called with the noise levels of the interval the noise is
 * for; an i.i.d. source ignores them, a Brownian-path source would use them.
 */
export type NoiseSource = (sigma: number, sigmaNext: number) => Vec;

/**
 * Called after step `step` (0-based) finished, with x after that step and the first denoised estimate the step
 * computed (the one a preview would show). Both arrays are never mutated later; keep them if needed.
 */
export type StepCallback<V extends Vec> = (step: number, x: V, denoised: V) => void | Promise<void>;

export interface SamplerControl<V extends Vec> {
  onStep?: StepCallback<V>;
  /** Checked before every step; when it answers true the loop throws SamplingCancelledError. */
  isCancelled?: () => boolean | Promise<boolean>;
}

export interface SigmaSamplerRun<V extends Vec> extends SamplerControl<V> {
  denoiser: Denoiser<V>;
  /** Descending noise levels; the loop takes sigmas.length - 1 steps. Usually ends in 0. */
  sigmas: ArrayLike<number>;
  /** The starting point, already at noise level sigmas[0] (for txt2img: unit Gaussian noise × sigmas[0]). */
  x: V;
  /** Required by the stochastic samplers unless eta = 0. */
  noise?: NoiseSource;
  /** Amount of fresh noise per step for ancestral/SDE samplers (default 1; 0 makes them deterministic). */
  eta?: number;
  /** Multiplier on the drawn noise (default 1). */
  sNoise?: number;
}

export interface TimestepSamplerRun<V extends Vec> extends SamplerControl<V> {
  model: EpsilonModel<V>;
  schedule: ModelSchedule;
  /** Descending integer training timesteps, one model call each. */
  timesteps: ArrayLike<number>;
  /** The starting VP sample (for txt2img: unit Gaussian noise, not scaled). */
  x: V;
  /**
   * The step count the timesteps were made for; DDIM's "previous timestep" is t - N / numInferenceSteps.
   * Defaults to timesteps.length (differs only when a run starts part-way, as img2img does).
   */
  numInferenceSteps?: number;
  noise?: NoiseSource;
  /** DDIM's eta (default 0: deterministic). */
  eta?: number;
}

export type SigmaSamplerKey =
  | 'euler'
  | 'euler_ancestral'
  | 'heun'
  | 'lms'
  | 'dpm_2'
  | 'dpm_2_ancestral'
  | 'dpmpp_2s_ancestral'
  | 'dpmpp_2m'
  | 'dpmpp_sde'
  | 'dpmpp_2m_sde'
  | 'dpmpp_2m_sde_heun'
  | 'dpmpp_3m_sde';

export type TimestepSamplerKey = 'ddim' | 'unipc';

export type SamplerKey = SigmaSamplerKey | TimestepSamplerKey;

interface SamplerBase {
  readonly key: SamplerKey;
  /** The display name, as the request's `sampler` field spells it. */
  readonly label: string;
  /** Whether the sampler draws fresh noise while it runs (the noise seeded with seed + etaNoiseSeedDelta). */
  readonly stochastic: boolean;
  /** Model evaluations for `steps` steps (sigma samplers: for a schedule whose only zero is the last entry). */
  modelCalls(steps: number): number;
}

/** A sampler working in sigma space on a denoiser. */
export interface SigmaSampler extends SamplerBase {
  readonly space: 'sigma';
  readonly key: SigmaSamplerKey;
  /** The schedule 'automatic' picks for this sampler; 'normal' when absent. */
  readonly preferredSchedule?: ScheduleName;
  /** Whether its sigma list is built with one extra step whose next-to-last sigma is then dropped. */
  readonly discardNextToLastSigma: boolean;
  sample<V extends Vec>(run: SigmaSamplerRun<V>): Promise<V>;
}

/** A sampler working in VP space over integer training timesteps on an epsilon model. */
export interface TimestepSampler extends SamplerBase {
  readonly space: 'timestep';
  readonly key: TimestepSamplerKey;
  /** Spacing used when the model's scheduler config does not name one. */
  readonly defaultSpacing: TimestepSpacing;
  /** The descending timesteps for `steps` steps on this model. */
  timesteps(schedule: ModelSchedule, steps: number): number[];
  sample<V extends Vec>(run: TimestepSamplerRun<V>): Promise<V>;
}

export type Sampler = SigmaSampler | TimestepSampler;
