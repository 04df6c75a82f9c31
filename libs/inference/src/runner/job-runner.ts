import type { CreateJobRequest } from '@darkroom/contracts';

/** A catalogue model the job uses, as the worker hands it to the engine. */
export interface RunnerModel {
  id: string;
  kind: string;
  name: string;
  baseModel: string;
  /** Folder (checkpoints) or file (LoRA, embedding) under the worker's model store. */
  path: string;
}

export interface RunInput {
  jobId: string;
  request: CreateJobRequest;
  models: RunnerModel[];
  /** Reads an uploaded image resource of the job's tenant. */
  loadResource(resourceId: string): Promise<Buffer>;
}

export interface RunProgress {
  stageIndex: number;
  stageCount: number;
  step: number;
  totalSteps: number;
  images: Array<{ index: number; progress: number; preview?: { data: Buffer; width: number; height: number } }>;
}

export interface RunHooks {
  onProgress(progress: RunProgress): void | Promise<void>;
  /** Checked between steps; a true answer stops the run with a CanceledRunError. */
  isCancelled(): boolean | Promise<boolean>;
  /**
   * Optional: a runner that cannot make some of the job's images (the others are fine) reports each one here and
   * returns outputs for the rest only. The worker then finishes the job with the images made and refunds the
   * share of the missing ones; when none is made, the job fails.
   */
  onImageFailed?(failure: ImageFailure): void | Promise<void>;
}

/** One image of the job (`index` in 0…count−1) that could not be made, and why. */
export interface ImageFailure {
  index: number;
  reason: string;
}

export interface RunOutput {
  kind: 'IMAGE' | 'VIDEO';
  stageIndex: number;
  index: number;
  data: Buffer;
  format: string;
  contentType: string;
  width: number;
  height: number;
  frames?: number;
  seed: bigint;
}

/** What runs a job's stages. The diffusion engine implements it; so does the placeholder until it lands. */
export interface JobRunner {
  readonly name: string;
  run(input: RunInput, hooks: RunHooks): Promise<RunOutput[]>;
  /** Model keys held in memory, for model-affinity routing. */
  heldModels(): string[];
}

/** A failure the job cannot recover from by retrying (bad parameters, a model part missing). */
export class FatalRunError extends Error {}
/** The run was stopped because the job was canceled. */
export class CanceledRunError extends Error {
  constructor() {
    super('canceled');
  }
}
