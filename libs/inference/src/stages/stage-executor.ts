import type { DiffusionParams, JobStageType, Stage } from '@darkroom/contracts';
import type { ControlNetUnitPlan } from '../controlnet/controlnet-plan';
import type { PipelineOptions } from '../engine/diffusion.pipeline';
import type { ModelPlan } from '../engine/generation-plan';
import type { LoadedPipeline } from '../engine/pipeline-loader';
import type { RgbImage } from '../engine/vae';
import type { RunInput } from '../runner/job-runner';
import type { ImageUpscaler } from '../upscale/image-upscaler';

/** One image handed from a stage to the next (image i of the job, seed i). */
export interface StageImage {
  rgb: RgbImage;
  /** A1111 "parameters" of how it was made, written into the output file when it is the job's result. */
  parameters?: string;
  /** The latent it was decoded from (unchanged since) and the VAE it belongs to: a latent upscaler reuses it. */
  latent?: { data: Float32Array; vae: string };
  /** Set when the stage made a clip (`rgb` is then its first frame): the job's output is the video. */
  video?: { frames: RgbImage[]; fps: number };
}

export interface StageSize {
  width: number;
  height: number;
}

/** A model plan with its sessions checked out, for one set of diffusion parameters. */
export interface DiffusionSetup {
  model: ModelPlan;
  pipeline: LoadedPipeline;
  /** Identifies the VAE (latents are only reusable under the same one). */
  vaeKey: string;
  /** The ControlNet units of `controlnet.args` with their hints at the parameters' width × height (empty: none). */
  control: ControlNetUnitPlan[];
}

/** What stages share within a job: diffusion setups (loaded once per parameter set), upscalers, options. */
export interface StageServices {
  options: PipelineOptions;
  /**
   * Plans and loads the sessions for `d` (memoised per job; the sessions go back to the cache when the job ends).
   * `motion`: a video pass, with the checkpoint's motion UNet loaded as its UNet.
   */
  diffusion(d: DiffusionParams, needs: { vaeEncoder: boolean; motion?: boolean }): Promise<DiffusionSetup>;
  /**
   * The ControlNet units of `d` with their hints at width × height (a pass at another size than the parameters',
   * e.g. a hires-fix second pass); memoised per job. Empty when `d` has none.
   */
  control(d: DiffusionParams, width: number, height: number): Promise<ControlNetUnitPlan[]>;
  upscaler: ImageUpscaler;
  notice(text: string): void;
}

/** What a stage's preparation sees. */
export interface StagePlanContext {
  input: RunInput;
  /** This stage's index in the job. */
  index: number;
  stages: readonly Stage[];
  /** One per image of the job. */
  seeds: readonly bigint[];
  /** The job's DIFFUSION stage parameters, if it has one (IMAGE_TO_* stages use them before their own). */
  jobDiffusion?: DiffusionParams;
  /** Size of the images this stage receives; null when no earlier stage makes any. */
  incoming: StageSize | null;
  services: StageServices;
}

/** Progress of a running stage: `step` of the stage's steps, for all images or (sampled one at a time) one. */
export interface StageProgressReport {
  step: number;
  image?: number;
  previews?: { index: number; data: Buffer; width: number; height: number }[];
}

export interface StageRunContext {
  progress(report: StageProgressReport): Promise<void>;
  isCancelled(): Promise<boolean>;
}

/** A stage checked and ready: nothing of it has run yet. */
export interface PreparedStage {
  /** Size of the images it hands on; null when it makes none (INPUT_INITIALIZE without an image). */
  output: StageSize | null;
  /** UNet steps each image takes in this stage (progress weights); 0 for stages without sampling. */
  steps: number;
  /** Runs the stage on the previous stage's images (null when there are none). */
  run(incoming: StageImage[] | null, ctx: StageRunContext): Promise<StageImage[] | null>;
}

/**
 * Runs one stage type. `prepare` does every check (FatalRunError) and loads what the stage needs, before any stage
 * of the job runs; `run` on the prepared stage does the work.
 */
export interface StageExecutor {
  readonly type: JobStageType;
  prepare(stage: Stage, ctx: StagePlanContext): Promise<PreparedStage>;
}
