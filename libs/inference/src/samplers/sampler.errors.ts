/** Why a sampler request or a model schedule was refused. The API layer maps every code to INVALID_ARGUMENT. */
export type SamplerErrorCode = 'UNKNOWN_SAMPLER' | 'UNKNOWN_SCHEDULE' | 'INVALID_MODEL_SCHEDULE' | 'INVALID_STEPS';

export class SamplerConfigError extends Error {
  override readonly name = 'SamplerConfigError';

  constructor(
    readonly code: SamplerErrorCode,
    message: string,
    /** The accepted values, for UNKNOWN_SAMPLER and UNKNOWN_SCHEDULE. */
    readonly supported: readonly string[] = [],
  ) {
    super(message);
  }
}

/** Thrown from a sampler loop when `isCancelled()` answered true between two steps. */
export class SamplingCancelledError extends Error {
  override readonly name = 'SamplingCancelledError';
  readonly code = 'SAMPLING_CANCELLED';

  constructor(
    /** The step that was about to start (0-based); steps before it finished. */
    readonly step: number,
  ) {
    super(`sampling cancelled before step ${step}`);
  }
}
