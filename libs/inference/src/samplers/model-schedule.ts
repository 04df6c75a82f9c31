import { SamplerConfigError } from './sampler.errors';
import { symmetricLinspace } from './numeric';

export type BetaSchedule = 'scaled_linear' | 'linear';
export type PredictionType = 'epsilon' | 'v_prediction';
export type TimestepSpacing = 'leading' | 'linspace' | 'trailing';

/**
 * The subset of a diffusers `scheduler/scheduler_config.json` that darkroom reads. Unknown keys are ignored, so
 * the parsed file can be passed as it is.
 */
export interface SchedulerConfigJson {
  beta_start?: number;
  beta_end?: number;
  beta_schedule?: string;
  num_train_timesteps?: number;
  prediction_type?: string;
  steps_offset?: number;
  timestep_spacing?: string;
  set_alpha_to_one?: boolean;
  [key: string]: unknown;
}

export interface ModelScheduleOptions {
  betaStart: number;
  betaEnd: number;
  betaSchedule: BetaSchedule;
  numTrainTimesteps: number;
  predictionType: PredictionType;
  /** Added to the timesteps of the 'leading' spacing (SD checkpoints ship 1). */
  stepsOffset: number;
  /** The model's declared spacing; when absent each timestep sampler uses its own default. */
  timestepSpacing?: TimestepSpacing;
  /** DDIM's alpha at "timestep -1": 1 when true, otherwise alphas_cumprod[0] (what SD checkpoints declare). */
  setAlphaToOne: boolean;
  /**
   * 'float64' keeps the double-precision table (the golden vectors). 'float32' rounds alphas_cumprod, sigmas and
   * log-sigmas to float32 the way checkpoints store them, which brings the sigma schedules to within ~1e-7
   * relative of what float32 reference UIs produce.
   */
  precision: 'float64' | 'float32';
}

/** Stable Diffusion 1.x: "scaled_linear" betas from 0.00085 to 0.012 over 1000 training steps, epsilon prediction. */
export const SD1_SCHEDULE_OPTIONS: Readonly<ModelScheduleOptions> = Object.freeze({
  betaStart: 0.00085,
  betaEnd: 0.012,
  betaSchedule: 'scaled_linear',
  numTrainTimesteps: 1000,
  predictionType: 'epsilon',
  stepsOffset: 1,
  setAlphaToOne: false,
  precision: 'float64',
});

const BETA_SCHEDULES: readonly BetaSchedule[] = ['scaled_linear', 'linear'];
const PREDICTION_TYPES: readonly PredictionType[] = ['epsilon', 'v_prediction'];
const SPACINGS: readonly TimestepSpacing[] = ['leading', 'linspace', 'trailing'];

function pick<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new SamplerConfigError(
    'INVALID_MODEL_SCHEDULE',
    `${field} ${JSON.stringify(value)} is not supported; use one of ${allowed.join(', ')}`,
    allowed,
  );
}

/**
 * The discrete noise schedule a diffusion model was trained with: betas, cumulative alphas and, for every
 * training timestep t, the equivalent noise level `sigma_t = sqrt((1 - ᾱ_t) / ᾱ_t)` (ascending in t).
 * It converts between continuous sigma and continuous timestep by interpolating in log-sigma.
 */
export class ModelSchedule {
  readonly betas: Float64Array;
  readonly alphasCumprod: Float64Array;
  /** sigmas[t] for t = 0..numTrainTimesteps-1, ascending. */
  readonly sigmas: Float64Array;
  readonly logSigmas: Float64Array;
  readonly options: Readonly<ModelScheduleOptions>;

  constructor(options: ModelScheduleOptions) {
    const n = options.numTrainTimesteps;
    if (!Number.isInteger(n) || n < 2) {
      throw new SamplerConfigError('INVALID_MODEL_SCHEDULE', `num_train_timesteps must be an integer ≥ 2, got ${n}`);
    }
    if (!(options.betaStart > 0 && options.betaEnd > 0 && options.betaStart < 1 && options.betaEnd < 1)) {
      throw new SamplerConfigError('INVALID_MODEL_SCHEDULE', 'beta_start and beta_end must lie in (0, 1)');
    }
    this.options = Object.freeze({ ...options });

    this.betas =
      options.betaSchedule === 'scaled_linear'
        ? symmetricLinspace(Math.sqrt(options.betaStart), Math.sqrt(options.betaEnd), n).map((b) => b * b)
        : symmetricLinspace(options.betaStart, options.betaEnd, n);

    this.alphasCumprod = new Float64Array(n);
    let prod = 1;
    for (let t = 0; t < n; t++) {
      prod *= 1 - this.betas[t];
      this.alphasCumprod[t] = prod;
    }

    this.sigmas = new Float64Array(n);
    this.logSigmas = new Float64Array(n);
    const f32 = options.precision === 'float32';
    for (let t = 0; t < n; t++) {
      if (f32) {
        const a = Math.fround(this.alphasCumprod[t]);
        this.alphasCumprod[t] = a;
        this.sigmas[t] = Math.fround(Math.sqrt(Math.fround(Math.fround(1 - a) / a)));
        this.logSigmas[t] = Math.fround(Math.log(this.sigmas[t]));
      } else {
        const a = this.alphasCumprod[t];
        this.sigmas[t] = Math.sqrt((1 - a) / a);
        this.logSigmas[t] = Math.log(this.sigmas[t]);
      }
    }
  }

  /** SD 1.x (also the right table for SDXL, whose config has the same betas). */
  static sd1(overrides: Partial<ModelScheduleOptions> = {}): ModelSchedule {
    return new ModelSchedule({ ...SD1_SCHEDULE_OPTIONS, ...overrides });
  }

  /**
   * Builds the schedule from a diffusers scheduler config (SD2 v-prediction and SDXL models ship one). Missing keys
   * take the SD 1.x values, except `steps_offset` which defaults to 0 as in diffusers.
   */
  static fromConfig(config: SchedulerConfigJson, overrides: Partial<ModelScheduleOptions> = {}): ModelSchedule {
    const options: ModelScheduleOptions = {
      betaStart: config.beta_start ?? SD1_SCHEDULE_OPTIONS.betaStart,
      betaEnd: config.beta_end ?? SD1_SCHEDULE_OPTIONS.betaEnd,
      betaSchedule: pick(config.beta_schedule ?? 'scaled_linear', BETA_SCHEDULES, 'beta_schedule'),
      numTrainTimesteps: config.num_train_timesteps ?? SD1_SCHEDULE_OPTIONS.numTrainTimesteps,
      predictionType: pick(config.prediction_type ?? 'epsilon', PREDICTION_TYPES, 'prediction_type'),
      stepsOffset: config.steps_offset ?? 0,
      timestepSpacing:
        config.timestep_spacing === undefined ? undefined : pick(config.timestep_spacing, SPACINGS, 'timestep_spacing'),
      setAlphaToOne: config.set_alpha_to_one ?? false,
      precision: 'float64',
      ...overrides,
    };
    return new ModelSchedule(options);
  }

  get numTrainTimesteps(): number {
    return this.options.numTrainTimesteps;
  }

  get predictionType(): PredictionType {
    return this.options.predictionType;
  }

  get sigmaMin(): number {
    return this.sigmas[0];
  }

  get sigmaMax(): number {
    return this.sigmas[this.sigmas.length - 1];
  }

  /** ᾱ used by DDIM for the step past timestep 0. */
  get finalAlphaCumprod(): number {
    return this.options.setAlphaToOne ? 1 : this.alphasCumprod[0];
  }

  /**
   * Continuous timestep of a noise level: linear interpolation in log-sigma between the two neighbouring training
   * timesteps, clamped to [0, numTrainTimesteps - 1]. This is what the UNet is fed for a sigma-space sampler.
   */
  sigmaToTimestep(sigma: number): number {
    const logSigma = Math.log(sigma);
    const ls = this.logSigmas;
    const last = ls.length - 1;
    // low = the last index whose log-sigma is ≤ logSigma (0 when none), capped so that low + 1 exists.
    let lo = 0;
    let hi = last;
    if (logSigma < ls[0]) {
      lo = 0;
    } else {
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (ls[mid] <= logSigma) lo = mid;
        else hi = mid - 1;
      }
    }
    const low = Math.min(lo, last - 1);
    const high = low + 1;
    let w = (ls[low] - logSigma) / (ls[low] - ls[high]);
    w = Math.min(1, Math.max(0, w));
    return (1 - w) * low + w * high;
  }

  /**
   * Noise level of a continuous timestep. The timestep is first rounded to float32, as the reference schedule
   * does before splitting it into floor, ceil and fraction; then log-sigma is interpolated.
   */
  timestepToSigma(t: number): number {
    const tf = Math.fround(t);
    const low = Math.floor(tf);
    const high = Math.ceil(tf);
    const w = Math.fround(tf - low);
    return Math.exp(Math.fround(1 - w) * this.logSigmas[low] + w * this.logSigmas[high]);
  }
}
