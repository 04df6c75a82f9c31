import { runDiffusion, checkLoadedPipeline, plannedSteps, type PipelineOptions } from '../engine/diffusion.pipeline';
import { sessionOptions, type ExecutionOptions } from '../engine/execution-options';
import { planGeneration } from '../engine/generation-plan';
import { RunStats } from '../engine/onnx-component';
import { loadPipeline, TokenizerCache } from '../engine/pipeline-loader';
import { SessionCache } from '../engine/session-cache';
import { assignEmbeddingIds, usedTokenIds, type EmbeddingIds, type LoadedEmbedding } from '../engine/textual-inversion';
import { SamplerConfigError } from '../samplers';
import { FatalRunError, type JobRunner, type RunHooks, type RunInput, type RunOutput } from './job-runner';

export interface OnnxJobRunnerOptions extends ExecutionOptions, PipelineOptions {
  /** Approximate bytes of loaded sessions kept between jobs (default 8 GiB). */
  memoryBudgetBytes?: number;
  /** Collects the time spent inside session.run (benchmarks). */
  stats?: RunStats;
  /** Receives accepted-but-ignored parameter notices (e.g. deprecated flags). */
  onNotice?(jobId: string, notice: string): void;
}

const DEFAULT_BUDGET = 8 * 1024 ** 3;

/**
 * The diffusion engine behind the worker: runs INPUT_INITIALIZE + DIFFUSION jobs (txt2img, img2img) on ONNX Runtime
 * for SD 1.x, 2.x and SDXL folders. Sessions stay loaded between jobs within the memory budget; `heldModels()` names
 * the checkpoints they belong to so the queue can route jobs to a worker that holds their model.
 */
export class OnnxJobRunner implements JobRunner {
  readonly name = 'onnx';
  readonly stats: RunStats;
  private readonly cache: SessionCache;
  private readonly tokenizers = new TokenizerCache();

  constructor(private readonly options: OnnxJobRunnerOptions = {}) {
    this.stats = options.stats ?? new RunStats();
    this.cache = new SessionCache({
      memoryBudgetBytes: options.memoryBudgetBytes ?? DEFAULT_BUDGET,
      sessionOptions: sessionOptions(options),
      stats: this.stats,
    });
  }

  heldModels(): string[] {
    return this.cache.heldModels();
  }

  /** Releases every cached session that no run is using. */
  async close(): Promise<void> {
    await this.cache.clear();
  }

  async run(input: RunInput, hooks: RunHooks): Promise<RunOutput[]> {
    const plan = await planGeneration(input);
    for (const notice of plan.notices) this.options.onNotice?.(input.jobId, notice);
    let embeddings: { list: LoadedEmbedding[]; ids: EmbeddingIds } | undefined;
    if (plan.embeddings.length) {
      const { tokenizer } = this.tokenizers.get(plan.encoder.encoders[0].tokenizerDir);
      const used = usedTokenIds([plan.diffusion.prompts, plan.diffusion.negativePrompts], tokenizer, plan.embeddings);
      embeddings = { list: plan.embeddings, ids: assignEmbeddingIds(plan.embeddings, used) };
    }
    const pipeline = await loadPipeline(this.cache, this.tokenizers, {
      model: plan.model,
      modelKey: plan.checkpoint.id,
      encoders: plan.encoder.encoders,
      vae: plan.vae ? { folder: plan.vae.folder, modelKey: plan.vae.model.id } : undefined,
      vaeEncoder: plan.init !== undefined,
      loras: plan.loras,
      embeddings,
      modelName: plan.checkpoint.name,
    }).catch((e: unknown) => {
      if (e instanceof FatalRunError) throw e;
      throw new FatalRunError(`model "${plan.checkpoint.name}" could not be loaded: ${(e as Error).message}`);
    });
    try {
      checkLoadedPipeline(plan, pipeline);
      const total = plannedSteps(plan, pipeline);
      const images = await runDiffusion(plan, pipeline, this.options, {
        isCancelled: hooks.isCancelled,
        onProgress: (p) =>
          hooks.onProgress({
            stageIndex: plan.stageIndex,
            stageCount: plan.stageCount,
            step: p.step,
            totalSteps: total,
            images: plan.seeds.map((_, index) => {
              const preview = p.previews?.find((x) => x.index === index);
              return {
                index,
                progress: Math.round((p.step / Math.max(1, total)) * 100),
                ...(preview ? { preview: { data: preview.data, width: preview.width, height: preview.height } } : {}),
              };
            }),
          }),
      });
      return images.map((img) => ({
        kind: 'IMAGE' as const,
        stageIndex: plan.stageIndex,
        index: img.index,
        data: img.data,
        format: img.format,
        contentType: img.contentType,
        width: img.width,
        height: img.height,
        seed: img.seed,
      }));
    } catch (e) {
      if (e instanceof SamplerConfigError) throw new FatalRunError(e.message);
      throw e;
    } finally {
      pipeline.release();
    }
  }
}

export function createOnnxJobRunner(options: OnnxJobRunnerOptions = {}): OnnxJobRunner {
  return new OnnxJobRunner(options);
}
