import type { DiffusionParams } from '@darkroom/contracts';
import { withMotionUnet } from '../animatediff/motion-unet';
import { planControlNets, type ControlNetUnitPlan } from '../controlnet/controlnet-plan';
import { checkLoadedPipeline, type PipelineOptions } from '../engine/diffusion.pipeline';
import { planDiffusionModel } from '../engine/generation-plan';
import type { ModelFamily } from '../engine/model-folder';
import { loadPipeline, type TokenizerCache } from '../engine/pipeline-loader';
import type { SessionCache } from '../engine/session-cache';
import { assignEmbeddingIds, usedTokenIds, type EmbeddingIds, type LoadedEmbedding } from '../engine/textual-inversion';
import { FatalRunError, type RunInput } from '../runner/job-runner';
import type { ImageUpscaler } from '../upscale/image-upscaler';
import type { DiffusionSetup, StageServices } from './stage-executor';

/**
 * The services of one job's stages. Diffusion setups are memoised by parameter object and encoder need, so stages
 * that share the job's diffusion parameters plan and check out their sessions once; ControlNet hints are memoised
 * by parameter object and pass size; `release()` gives every session back to the cache at the end of the job.
 */
export class JobStageServices implements StageServices {
  private readonly setups = new Map<DiffusionParams, Map<string, Promise<DiffusionSetup>>>();
  private readonly controls = new Map<DiffusionParams, Map<string, Promise<ControlNetUnitPlan[]>>>();
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

  diffusion(d: DiffusionParams, needs: { vaeEncoder: boolean; motion?: boolean }): Promise<DiffusionSetup> {
    let byNeed = this.setups.get(d);
    if (!byNeed) this.setups.set(d, (byNeed = new Map()));
    const key = `${needs.vaeEncoder}/${needs.motion ?? false}`;
    let setup = byNeed.get(key);
    if (!setup) {
      setup = this.load(d, needs.vaeEncoder, needs.motion ?? false);
      byNeed.set(key, setup);
    }
    return setup;
  }

  control(d: DiffusionParams, width: number, height: number): Promise<ControlNetUnitPlan[]> {
    const setup = this.setups.get(d)?.values().next().value;
    if (!setup) throw new Error('control() before diffusion() for these parameters');
    return setup.then((s) => this.controlAt(d, s.model.model.family, width, height));
  }

  /** Plans (once per parameters and size) the units' hints; checks every unit before any image is read. */
  private controlAt(d: DiffusionParams, family: ModelFamily, width: number, height: number): Promise<ControlNetUnitPlan[]> {
    if (!d.controlnet?.args.length) return Promise.resolve([]);
    let bySize = this.controls.get(d);
    if (!bySize) this.controls.set(d, (bySize = new Map()));
    const key = `${width}x${height}`;
    let plans = bySize.get(key);
    if (!plans) {
      // A unit without its own image uses the job's start image, as A1111's img2img does.
      const startImageId = this.input.request.stages.find((s) => s.type === 'INPUT_INITIALIZE')?.inputInitialize?.imageResourceId;
      plans = planControlNets(this.input, d, { width, height, family, startImageId });
      bySize.set(key, plans);
    }
    return plans;
  }

  private async load(d: DiffusionParams, vaeEncoder: boolean, motion: boolean): Promise<DiffusionSetup> {
    const model = await planDiffusionModel(this.input, d, { vaeEncoder, controlNets: true, animateDiff: motion });
    // Units are checked (names, models, images) before any session loads.
    const control = await this.controlAt(d, model.model.family, d.width, d.height);
    for (const notice of model.notices) this.notice(notice);
    let embeddings: { list: LoadedEmbedding[]; ids: EmbeddingIds } | undefined;
    if (model.embeddings.length) {
      const { tokenizer } = this.deps.tokenizers.get(model.encoder.encoders[0].tokenizerDir);
      const used = usedTokenIds([d.prompts, d.negativePrompts], tokenizer, model.embeddings);
      embeddings = { list: model.embeddings, ids: assignEmbeddingIds(model.embeddings, used) };
    }
    const pipeline = await loadPipeline(this.deps.cache, this.deps.tokenizers, {
      // A video pass runs the checkpoint's motion UNet in the UNet's place (LoRAs merge into it the same way).
      model: motion ? withMotionUnet(model.model, model.checkpoint.name) : model.model,
      modelKey: model.checkpoint.id,
      encoders: model.encoder.encoders,
      vae: model.vae ? { folder: model.vae.folder, modelKey: model.vae.model.id } : undefined,
      vaeEncoder: vaeEncoder || model.inpaintingUnet,
      loras: model.loras,
      embeddings,
      controlNets: control.map((u) => ({ files: u.files, modelKey: u.model.id })),
      features: model.features,
      modelName: model.checkpoint.name,
    }).catch((e: unknown) => {
      if (e instanceof FatalRunError) throw e;
      throw new FatalRunError(`model "${model.checkpoint.name}" could not be loaded: ${(e as Error).message}`);
    });
    this.releases.push(() => pipeline.release());
    checkLoadedPipeline({ ...model, control }, pipeline);
    if (!motion && pipeline.unet.input('sample').shape.length === 5) {
      throw new FatalRunError(
        `the UNet of "${model.checkpoint.name}" is a motion UNet (sample [batch, 4, frames, height, width]): it makes videos only; use an IMAGE_TO_ANIMATE_DIFF stage or diffusion.animateDiff.args`,
      );
    }
    const vaeKey = (model.vae?.folder ?? model.model).vaeDecoder?.file ?? model.checkpoint.id;
    return { model, pipeline, vaeKey, control };
  }

  /** Gives every checked-out session back to the cache. */
  release(): void {
    for (const r of this.releases.splice(0)) r();
  }
}
