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
