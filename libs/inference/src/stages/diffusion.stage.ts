import { generateImages, planInfotext, plannedSteps } from '../engine/diffusion.pipeline';
import { checkPassSize, DEFAULT_DENOISING_STRENGTH, type GenerationPlan } from '../engine/generation-plan';
import { PIX2PIX_NEEDS_IMAGE } from '../pix2pix/pix2pix-plan';
import { FatalRunError } from '../runner/job-runner';
import { animateDiffStage } from './animatediff.stage';
import type { StageExecutor } from './stage-executor';
import { latentOf, passHooks, resizeEach } from './stage-helpers';

/**
 * DIFFUSION: txt2img, or img2img of the images an earlier stage hands on (INPUT_INITIALIZE's upload, or any
 * IMAGE_TO_* result), each stretched to the stage's size. Strength (default 0.75) 0 gives the start through the
 * VAE; ≥ 1 is a txt2img run that ignores the start image.
 */
export const diffusionStage: StageExecutor = {
  type: 'DIFFUSION',
  async prepare(stage, ctx) {
    const d = stage.diffusion;
    if (!d) throw new Error('DIFFUSION stage without diffusion parameters');
    // TAMS puts video under the diffusion parameters: a DIFFUSION stage with animateDiff.args makes a clip.
    if (d.animateDiff?.args.length) return animateDiffStage.prepare(stage, ctx);
    const strength = ctx.incoming ? (d.denoisingStrength ?? DEFAULT_DENOISING_STRENGTH) : undefined;
    const img2img = strength !== undefined && strength < 1;
    checkPassSize(d.width, d.height);
    const setup = await ctx.services.diffusion(d, { vaeEncoder: img2img });
    const pix2pix = Boolean(setup.model.features.pix2pix);
    if (pix2pix && !ctx.incoming) throw new FatalRunError(PIX2PIX_NEEDS_IMAGE);
    const plan: GenerationPlan = {
      ...setup.model,
      stageIndex: ctx.index,
      stageCount: ctx.stages.length,
      seeds: [...ctx.seeds],
      width: d.width,
      height: d.height,
      denoisingStrength: strength,
      // Enough for checks and step counts; the start images come at run time.
      init: img2img ? { strength, latents: new Float32Array(0) } : undefined,
      control: setup.control,
    };
    return {
      output: { width: d.width, height: d.height },
      steps: plannedSteps(plan, setup.pipeline),
      async run(incoming, rc) {
        const images = incoming && (plan.init || pix2pix) ? await resizeEach(incoming.map((i) => i.rgb), d.width, d.height) : undefined;
        const init = plan.init && images ? { strength: plan.init.strength, images } : undefined;
        // InstructPix2Pix edits the incoming images at any strength.
        const pass: GenerationPlan = { ...plan, init, pix2pixImages: pix2pix ? images : undefined };
        const batch = await generateImages(pass, setup.pipeline, ctx.services.options, passHooks(rc));
        return batch.images.map((rgb, i) => ({ rgb, parameters: planInfotext(pass, i), latent: { data: latentOf(batch, i), vae: setup.vaeKey } }));
      },
    };
  },
};
