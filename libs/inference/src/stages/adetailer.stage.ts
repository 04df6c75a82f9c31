import { planInfotext, plannedSteps } from '../engine/diffusion.pipeline';
import { checkPassSize, type GenerationPlan } from '../engine/generation-plan';
import { runAdetailer, type AdetailerPass } from '../adetailer/adetailer-run';
import { adetailerDiffusion, adetailerInfotext, adetailerProcessingSize, adetailerRegionPrompts, appendInfotext, regionCount } from '../adetailer/adetailer-params';
import { detectorFor } from '../detection/detector-catalogue';
import { FatalRunError } from '../runner/job-runner';
import type { StageExecutor, StageImage } from './stage-executor';
import { stageDiffusion } from './stage-helpers';

/**
 * IMAGE_TO_ADETAILER: for each image of the earlier stage, each arg in order detects objects (faces: BlazeFace),
 * turns the boxes above adConfidence into masks (dilated or eroded, merged or inverted) and inpaints each mask with
 * its own diffusion parameters (see adetailer/). Images keep their size; pixels outside the blurred masks keep
 * their bytes. Every model, sampler and size is checked here, before any stage runs.
 */
export const adetailerStage: StageExecutor = {
  type: 'IMAGE_TO_ADETAILER',
  async prepare(stage, ctx) {
    const o = stage.imageToAdetailer;
    if (!o) throw new Error('IMAGE_TO_ADETAILER stage without imageToAdetailer');
    const d = stageDiffusion(ctx, o.diffusion, 'IMAGE_TO_ADETAILER');
    const incoming = ctx.incoming;
    if (!incoming) throw new FatalRunError('IMAGE_TO_ADETAILER needs an image: an earlier stage that makes one, or INPUT_INITIALIZE with imageResourceId');
    const passes: AdetailerPass[] = [];
    for (const arg of o.args) {
      const detector = await detectorFor(arg.adModel).catch((e: unknown) => {
        if (e instanceof FatalRunError) throw e;
        throw new FatalRunError(`ADetailer detector for "${arg.adModel}" could not be loaded: ${(e as Error).message}`);
      });
      const size = adetailerProcessingSize(arg, incoming);
      checkPassSize(size.width, size.height, 'ADetailer inpaint width and height');
      const params = adetailerDiffusion(d, arg, size);
      const promptsOf = (region: number) => adetailerRegionPrompts(d, arg, region);
      // With "[SEP]" the setup sees every detection's prompts, so that each token they use (embeddings) is known;
      // each inpaint pass then takes its own detection's.
      const regions = Array.from({ length: Math.max(regionCount(arg.adPrompt), regionCount(arg.adNegativePrompt)) }, (_, j) => promptsOf(j));
      const setup = await ctx.services.diffusion(
        regions.length > 1 ? { ...params, prompts: regions.flatMap((r) => r.prompts), negativePrompts: regions.flatMap((r) => r.negativePrompts) } : params,
        { vaeEncoder: true },
      );
      const strength = arg.adDenoisingStrength;
      const plan: GenerationPlan = {
        ...setup.model,
        diffusion: { ...setup.model.diffusion, ...promptsOf(0) },
        stageIndex: ctx.index,
        stageCount: ctx.stages.length,
        seeds: [...ctx.seeds],
        width: size.width,
        height: size.height,
        denoisingStrength: strength,
        init: { strength, latents: new Float32Array(0), noiseMultiplier: arg.adUseNoiseMultiplier ? arg.adNoiseMultiplier : undefined },
        mask: { latent: new Float32Array(0) },
      };
      passes.push({ arg, detector, setup, plan, steps: plannedSteps(plan, setup.pipeline), promptsOf });
    }
    const pairs = o.args.flatMap((arg, i) => adetailerInfotext(arg, i));
    return {
      output: incoming,
      // Per image: one region per arg (the count of detections is only known when the images are there).
      steps: passes.reduce((s, p) => s + p.steps, 0),
      async run(images, rc) {
        if (!images) throw new Error('unreachable: ADetailer without images');
        const out: StageImage[] = [];
        for (const [i, img] of images.entries()) {
          const rgb = await runAdetailer(img.rgb, ctx.seeds[i], passes, {
            options: ctx.services.options,
            isCancelled: rc.isCancelled,
            progress: (step, previews) => rc.progress({ step, image: i, previews: previews?.map((p) => ({ ...p, index: i })) }),
            notice: (text) => ctx.services.notice(`IMAGE_TO_ADETAILER image ${i}: ${text}`),
          });
          const parameters = img.parameters
            ? appendInfotext(img.parameters, pairs)
            : planInfotext({ ...passes[0].plan, seeds: [ctx.seeds[i]] }, 0, pairs, { width: rgb.width, height: rgb.height });
          out.push({ rgb, parameters });
        }
        return out;
      },
    };
  },
};
