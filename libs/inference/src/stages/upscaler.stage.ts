import type { ImageToUpscaler } from '@darkroom/contracts';
import { generateImages, planInfotext, plannedSteps, type GeneratedBatch } from '../engine/diffusion.pipeline';
import { checkPassSize, type GenerationPlan } from '../engine/generation-plan';
import { LATENT_CHANNELS } from '../engine/guided-unet';
import { cropRgb } from '../inpaint/gray-image';
import { decodeLatent, encodeImage, resizeRgb, type RgbImage } from '../engine/vae';
import { FatalRunError } from '../runner/job-runner';
import { hiresTarget } from '../upscale/hires-target';
import { cropPlanes, resizeLatent } from '../upscale/latent-resize';
import { chooseUpscaler } from '../upscale/upscaler-catalogue';
import type { DiffusionSetup, StageExecutor, StageImage } from './stage-executor';
import { latentOf, passHooks, stageDiffusion } from './stage-helpers';

/** The infotext pairs A1111 writes for a hires fix. */
function hiresInfotext(u: ImageToUpscaler, upscaler: string): [string, string | number][] {
  const pairs: [string, string | number][] = [];
  if (u.hrScale) pairs.push(['Hires upscale', u.hrScale]);
  else pairs.push(['Hires resize', `${u.hrResizeX}x${u.hrResizeY}`]);
  if (u.hrSecondPassSteps) pairs.push(['Hires steps', u.hrSecondPassSteps]);
  pairs.push(['Hires upscaler', upscaler]);
  return pairs;
}

/** Adds pairs to an existing parameters text, before its Version entry when it has one. */
function withPairs(text: string | undefined, pairs: [string, string | number][]): string {
  const add = pairs.map(([k, v]) => `${k}: ${v}`).join(', ');
  if (!text) return add;
  const at = text.lastIndexOf(', Version: ');
  return at >= 0 ? `${text.slice(0, at)}, ${add}${text.slice(at)}` : `${text}, ${add}`;
}

/**
 * IMAGE_TO_UPSCALER, A1111's hires fix. Without images from an earlier stage it makes them first (txt2img at the
 * diffusion size). Latent modes resize the latents (an earlier pass's own latents when the image is still their
 * decode, else the image through the VAE encoder); Lanczos / Nearest resize pixels; ESRGAN models upscale pixels
 * tile by tile. The target is hrScale × the input size, else hrResizeX × hrResizeY (cover, then centre crop). With
 * denoisingStrength > 0 a second img2img pass at the target size takes exactly hrSecondPassSteps steps (0: the
 * first pass's count); with 0 the upscaled image is the result.
 */
export const upscalerStage: StageExecutor = {
  type: 'IMAGE_TO_UPSCALER',
  async prepare(stage, ctx) {
    const u = stage.imageToUpscaler;
    if (!u) throw new Error('IMAGE_TO_UPSCALER stage without imageToUpscaler');
    const d = stageDiffusion(ctx, u.diffusion, 'IMAGE_TO_UPSCALER');
    const choice = chooseUpscaler(u.hrUpscaler);
    const firstPass = !ctx.incoming;
    if (firstPass) checkPassSize(d.width, d.height);
    const base = ctx.incoming ?? { width: d.width, height: d.height };
    const target = hiresTarget(base, u);
    const strength = u.denoisingStrength;
    const secondPass = strength > 0;
    const latentMode = choice.kind === 'latent';
    let setup: DiffusionSetup | undefined;
    if (firstPass || secondPass || latentMode) {
      setup = await ctx.services.diffusion(d, { vaeEncoder: (secondPass && !latentMode) || (latentMode && !firstPass) });
    }
    if (choice.kind === 'model') {
      await ctx.services.upscaler.prepare(choice).catch((e: unknown) => {
        throw new FatalRunError(`upscaler "${choice.name}" could not be prepared: ${(e as Error).message}`);
      });
    }
    const common = setup && { ...setup.model, stageIndex: ctx.index, stageCount: ctx.stages.length, seeds: [...ctx.seeds] };
    const firstPlan: GenerationPlan | undefined = common && firstPass ? { ...common, width: d.width, height: d.height, control: setup?.control } : undefined;
    const secondPlan: GenerationPlan | undefined =
      common && secondPass
        ? {
            ...common,
            width: target.width,
            height: target.height,
            denoisingStrength: strength,
            init: { strength, steps: u.hrSecondPassSteps || d.steps, latents: new Float32Array(0) },
            // ControlNet acts on the second pass too, its hints fitted to the target size (as A1111's hires fix).
            control: await ctx.services.control(d, target.width, target.height),
          }
        : undefined;
    const firstSteps = firstPlan && setup ? plannedSteps(firstPlan, setup.pipeline) : 0;
    const secondSteps = secondPlan && setup ? plannedSteps(secondPlan, setup.pipeline) : 0;
    const extras = hiresInfotext(u, choice.name);
    const describe = (index: number, previous: string | undefined): string =>
      common
        ? planInfotext({ ...common, width: base.width, height: base.height, denoisingStrength: strength }, index, extras)
        : withPairs(previous, [['Denoising strength', strength], ...extras]);

    const cropSize = LATENT_CHANNELS * target.crop.width * target.crop.height;

    /** Each image's latent at the target (upscaled, cropped), images one after the other. */
    const upscaledLatents = async (images: StageImage[], rc: Parameters<typeof passHooks>[0]): Promise<Float32Array> => {
      if (choice.kind !== 'latent' || !setup) throw new Error('unreachable');
      const p = setup.pipeline;
      const out = new Float32Array(images.length * cropSize);
      for (const [i, img] of images.entries()) {
        const w8 = Math.floor(img.rgb.width / 8) * 8;
        const h8 = Math.floor(img.rgb.height / 8) * 8;
        const own = img.latent?.vae === setup.vaeKey && img.rgb.width === w8 && img.rgb.height === h8 ? img.latent.data : undefined;
        if (!own && !p.vaeEncoder) throw new FatalRunError('a latent upscale of this image needs a VAE encoder (vae_encoder/model.onnx)');
        const latent = own ?? (await encodeImage(p.vaeEncoder!, await resizeRgb(img.rgb, w8, h8), p.vaeScalingFactor));
        const up = resizeLatent(latent, LATENT_CHANNELS, h8 / 8, w8 / 8, target.upscale.height, target.upscale.width, choice.mode);
        const { left, top, width, height } = target.crop;
        out.set(up.length === cropSize ? up : cropPlanes(up, LATENT_CHANNELS, target.upscale.height, target.upscale.width, top, left, height, width), i * cropSize);
      }
      return out;
    };

    return {
      output: { width: target.width, height: target.height },
      steps: firstSteps + secondSteps,
      async run(incoming, rc) {
        let images = incoming;
        if (!images) {
          if (!firstPlan || !setup) throw new Error('unreachable: no images and no first pass');
          const batch = await generateImages(firstPlan, setup.pipeline, ctx.services.options, passHooks(rc));
          const vae = setup.vaeKey;
          images = batch.images.map((rgb, i) => ({ rgb, latent: { data: latentOf(batch, i), vae } }));
        }
        let batch: GeneratedBatch | undefined;
        let results: RgbImage[];
        if (choice.kind === 'latent') {
          const latents = await upscaledLatents(images, rc);
          if (secondPlan && setup) {
            batch = await generateImages({ ...secondPlan, init: { ...secondPlan.init!, latents } }, setup.pipeline, ctx.services.options, passHooks(rc, firstSteps));
            results = batch.images;
          } else {
            const p = setup!.pipeline;
            results = [];
            for (let i = 0; i < images.length; i++) {
              results.push(await decodeLatent(p.vaeDecoder, latents.subarray(i * cropSize, (i + 1) * cropSize), target.crop.height, target.crop.width, p.vaeScalingFactor));
            }
          }
        } else {
          const { left, top } = target.crop;
          const upscaled: RgbImage[] = [];
          for (const img of images) {
            const big = await ctx.services.upscaler.upscale(img.rgb, target.upscale.width * 8, target.upscale.height * 8, choice, { isCancelled: rc.isCancelled });
            upscaled.push(
              big.width === target.width && big.height === target.height
                ? big
                : cropRgb(big, { x1: left * 8, y1: top * 8, x2: left * 8 + target.width, y2: top * 8 + target.height }),
            );
          }
          if (secondPlan && setup) {
            batch = await generateImages({ ...secondPlan, init: { strength, steps: secondPlan.init!.steps, images: upscaled } }, setup.pipeline, ctx.services.options, passHooks(rc, firstSteps));
            results = batch.images;
          } else {
            results = upscaled;
          }
        }
        const source = images;
        return results.map((rgb, i) => ({
          rgb,
          parameters: describe(i, source[i].parameters),
          ...(batch && setup ? { latent: { data: latentOf(batch, i), vae: setup.vaeKey } } : {}),
        }));
      },
    };
  },
};
