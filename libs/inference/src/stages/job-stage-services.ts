import type { DiffusionParams } from '@darkroom/contracts';
import { checkLoadedPipeline, type PipelineOptions } from '../engine/diffusion.pipeline';
import { planDiffusionModel } from '../engine/generation-plan';
import { loadPipeline, type TokenizerCache } from '../engine/pipeline-loader';
import type { SessionCache } from '../engine/session-cache';
import { assignEmbeddingIds, usedTokenIds, type EmbeddingIds, type LoadedEmbedding } from '../engine/textual-inversion';
import { FatalRunError, type RunInput } from '../runner/job-runner';
import type { ImageUpscaler } from '../upscale/image-upscaler';
import type { DiffusionSetup, StageServices } from './stage-executor';

/**
 * The services of one job's stages. Diffusion setups are memoised by parameter object and encoder need, so stages
 * that share the job's diffusion parameters plan and check out their sessions once; `release()` gives every session
 * back to the cache at the end of the job.
 */
export class JobStageServices implements StageServices {
  private readonly setups = new Map<DiffusionParams, Map<boolean, Promise<DiffusionSetup>>>();
  private readonly releases: (() => void)[] = [];

  constructor(
    private readonly input: RunInput,
    private readonly deps: { cache: SessionCache; tokenizers: TokenizerCache; upscaler: ImageUpscaler; options: PipelineOptions; onNotice?(text: string): void },
  ) {}

  get options(): PipelineOptions {
    return this.deps.options;
  }

  get upscaler(): ImageUpscaler {
    return this.deps.upscaler;
  }

  notice(text: string): void {
    this.deps.onNotice?.(text);
  }

  diffusion(d: DiffusionParams, needs: { vaeEncoder: boolean }): Promise<DiffusionSetup> {
    let byNeed = this.setups.get(d);
    if (!byNeed) this.setups.set(d, (byNeed = new Map()));
    let setup = byNeed.get(needs.vaeEncoder);
    if (!setup) {
      setup = this.load(d, needs.vaeEncoder);
      byNeed.set(needs.vaeEncoder, setup);
    }
    return setup;
  }

  private async load(d: DiffusionParams, vaeEncoder: boolean): Promise<DiffusionSetup> {
    const model = await planDiffusionModel(this.input, d, { vaeEncoder });
    for (const notice of model.notices) this.notice(notice);
    let embeddings: { list: LoadedEmbedding[]; ids: EmbeddingIds } | undefined;
    if (model.embeddings.length) {
      const { tokenizer } = this.deps.tokenizers.get(model.encoder.encoders[0].tokenizerDir);
      const used = usedTokenIds([d.prompts, d.negativePrompts], tokenizer, model.embeddings);
      embeddings = { list: model.embeddings, ids: assignEmbeddingIds(model.embeddings, used) };
    }
    const pipeline = await loadPipeline(this.deps.cache, this.deps.tokenizers, {
      model: model.model,
      modelKey: model.checkpoint.id,
      encoders: model.encoder.encoders,
      vae: model.vae ? { folder: model.vae.folder, modelKey: model.vae.model.id } : undefined,
      vaeEncoder: vaeEncoder || model.inpaintingUnet,
      loras: model.loras,
      embeddings,
      modelName: model.checkpoint.name,
    }).catch((e: unknown) => {
      if (e instanceof FatalRunError) throw e;
      throw new FatalRunError(`model "${model.checkpoint.name}" could not be loaded: ${(e as Error).message}`);
    });
    this.releases.push(() => pipeline.release());
    checkLoadedPipeline(model, pipeline);
    const vaeKey = (model.vae?.folder ?? model.model).vaeDecoder?.file ?? model.checkpoint.id;
    return { model, pipeline, vaeKey };
  }

  /** Gives every checked-out session back to the cache. */
  release(): void {
    for (const r of this.releases.splice(0)) r();
  }
}
