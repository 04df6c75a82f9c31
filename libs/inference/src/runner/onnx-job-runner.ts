import type { PipelineOptions } from '../engine/diffusion.pipeline';
import { sessionOptions, type ExecutionOptions } from '../engine/execution-options';
import { RunStats } from '../engine/onnx-component';
import { TokenizerCache } from '../engine/pipeline-loader';
import { SessionCache } from '../engine/session-cache';
import { SamplerConfigError } from '../samplers';
import { JobStageServices } from '../stages/job-stage-services';
import { runStageChain, type StageRegistry } from '../stages/stage-chain';
import { STAGE_EXECUTORS } from '../stages/stage-registry';
import { DEFAULT_UPSCALER_CACHE, EsrganModelStore } from '../upscale/esrgan-models';
import { ImageUpscaler, UPSCALER_MODEL_KEY_PREFIX } from '../upscale/image-upscaler';
import { FatalRunError, type JobRunner, type RunHooks, type RunInput, type RunOutput } from './job-runner';

export interface OnnxJobRunnerOptions extends ExecutionOptions, PipelineOptions {
  /** Approximate bytes of loaded sessions kept between jobs (default 8 GiB). */
  memoryBudgetBytes?: number;
  /** Collects the time spent inside session.run (benchmarks). */
  stats?: RunStats;
  /** Receives accepted-but-ignored parameter notices (e.g. deprecated flags). */
  onNotice?(jobId: string, notice: string): void;
  /** Where ESRGAN models converted to ONNX at first use are kept (default: <tmp>/darkroom-upscalers). */
  upscalerCacheDir?: string;
  /** Input tile side of model upscalers in pixels (default 256). */
  upscaleTile?: number;
  /** Stage executors by type (default: STAGE_EXECUTORS). */
  stages?: StageRegistry;
}

const DEFAULT_BUDGET = 8 * 1024 ** 3;

/**
 * The diffusion engine behind the worker: runs a job's stages (INPUT_INITIALIZE, DIFFUSION, IMAGE_TO_UPSCALER,
 * IMAGE_TO_INPAINT, in any valid order) on ONNX Runtime for SD 1.x, 2.x and SDXL folders. Sessions stay loaded
 * between jobs within the memory budget; `heldModels()` names the checkpoints they belong to so the queue can route
 * jobs to a worker that holds their model.
 */
export class OnnxJobRunner implements JobRunner {
  readonly name = 'onnx';
  readonly stats: RunStats;
  private readonly cache: SessionCache;
  private readonly tokenizers = new TokenizerCache();
  private readonly upscaler: ImageUpscaler;

  constructor(private readonly options: OnnxJobRunnerOptions = {}) {
    this.stats = options.stats ?? new RunStats();
    this.cache = new SessionCache({
      memoryBudgetBytes: options.memoryBudgetBytes ?? DEFAULT_BUDGET,
      sessionOptions: sessionOptions(options),
      stats: this.stats,
    });
    this.upscaler = new ImageUpscaler({
      cache: this.cache,
      store: new EsrganModelStore(options.upscalerCacheDir ?? DEFAULT_UPSCALER_CACHE),
      tile: options.upscaleTile,
    });
  }

  /** Catalogue ids of the checkpoints (and VAEs) with loaded sessions; upscaler models are not catalogue models. */
  heldModels(): string[] {
    return this.cache.heldModels().filter((k) => !k.startsWith(UPSCALER_MODEL_KEY_PREFIX));
  }

  /** Releases every cached session that no run is using. */
  async close(): Promise<void> {
    await this.cache.clear();
  }

  async run(input: RunInput, hooks: RunHooks): Promise<RunOutput[]> {
    const services = new JobStageServices(input, {
      cache: this.cache,
      tokenizers: this.tokenizers,
      upscaler: this.upscaler,
      options: this.options,
      onNotice: (text) => this.options.onNotice?.(input.jobId, text),
    });
    try {
      return await runStageChain(input, hooks, services, this.options.stages ?? STAGE_EXECUTORS, this.options.outputFormat);
    } catch (e) {
      if (e instanceof SamplerConfigError) throw new FatalRunError(e.message);
      throw e;
    } finally {
      services.release();
    }
  }
}

export function createOnnxJobRunner(options: OnnxJobRunnerOptions = {}): OnnxJobRunner {
  return new OnnxJobRunner(options);
}
