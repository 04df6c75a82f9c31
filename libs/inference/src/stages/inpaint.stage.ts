import type { InpaintingFill } from '@darkroom/contracts';
import { generateImages, planInfotext, plannedSteps } from '../engine/diffusion.pipeline';
import { checkPassSize, DEFAULT_DENOISING_STRENGTH, type GenerationPlan } from '../engine/generation-plan';
import { LATENT_CHANNELS } from '../engine/guided-unet';
import { encodeChw, encodeImage, resizeRgb, rgbToChw, type RgbImage } from '../engine/vae';
import { cropRgb, resizeGray } from '../inpaint/gray-image';
import { compositeInpaint } from '../inpaint/inpaint-composite';
import { inpaintResizeMode, planInpaintGeometry } from '../inpaint/inpaint-geometry';
import { decodeMask } from '../inpaint/inpaint-mask';
import { fillMaskedArea } from '../inpaint/masked-fill';
import { resizeRgbByMode } from '../inpaint/resize-modes';
import { FatalRunError } from '../runner/job-runner';
import { latentNoise } from '../samplers';
import { resizeLatent } from '../upscale/latent-resize';
import type { StageExecutor, StageImage } from './stage-executor';
import { passHooks, stageDiffusion } from './stage-helpers';

/** A1111's "Masked content" labels. */
const FILL_LABELS: Record<Exclude<InpaintingFill, 'DEFAULT'>, string> = {
  FILL: 'fill',
  ORIGINAL: 'original',
  LATENT_NOISE: 'latent noise',
  LATENT_NOTHING: 'latent nothing',
};

/** What one input image becomes before sampling. */
interface PreparedImage {
  /** The picture the result is composited onto (output size). */
  base: RgbImage;
  /** Start latent (before latent noise / nothing). */
  latent: Float32Array;
  /** 9-channel UNets: the latent of the processed image with the masked part mid-grey. */
  maskedLatent?: Float32Array;
}

/**
 * IMAGE_TO_INPAINT: A1111's img2img inpainting of each image from the earlier stage. The mask (white = repaint, or
 * inverted) is blurred, then either the whole picture is processed at the diffusion size (resizeMode when the
 * sizes differ) or, with inpaintFullRes, the masked area plus padding grown to the processing aspect ratio. Masked
 * content: ORIGINAL (DEFAULT) keeps the picture, FILL paints the masked area with its blurred surroundings first,
 * LATENT_NOISE replaces its latent with the seed's noise, LATENT_NOTHING with zeros. Sampling blends the kept
 * latent back after every step; 9-channel inpainting UNets also get the mask and the masked picture. The result is
 * laid under the original with the (blurred) mask as alpha, so unmasked pixels keep their exact bytes.
 */
export const inpaintStage: StageExecutor = {
  type: 'IMAGE_TO_INPAINT',
  async prepare(stage, ctx) {
    const o = stage.imageToInpaint;
    if (!o) throw new Error('IMAGE_TO_INPAINT stage without imageToInpaint');
    const d = stageDiffusion(ctx, o.diffusion, 'IMAGE_TO_INPAINT');
    const incoming = ctx.incoming;
    if (!incoming) throw new FatalRunError('IMAGE_TO_INPAINT needs an image: an earlier stage that makes one, or INPUT_INITIALIZE with imageResourceId');
    checkPassSize(d.width, d.height);
    let maskBytes: Buffer;
    try {
      maskBytes = await ctx.input.loadResource(o.maskImageResourceId);
    } catch (e) {
      throw new FatalRunError(`mask image ${o.maskImageResourceId} could not be read: ${(e as Error).message}`);
    }
    const mask = await decodeMask(maskBytes).catch((e: unknown) => {
      throw new FatalRunError(`mask image ${o.maskImageResourceId} is not a readable image: ${(e as Error).message}`);
    });
    const resizeMode = inpaintResizeMode(o.resizeMode);
    const latentUpscale = o.resizeMode === 'JUST_RESIZE_LATENT_UPSCALE' && !o.inpaintFullRes;
    const geometry = await planInpaintGeometry(mask, incoming, {
      width: d.width,
      height: d.height,
      resizeMode,
      maskBlur: o.maskBlur,
      invert: o.inpaintMaskInvert === 1,
      fullRes: o.inpaintFullRes,
      fullResPadding: o.inpaintFullResPadding,
    });
    const fill = o.inpaintingFill === 'DEFAULT' ? 'ORIGINAL' : o.inpaintingFill;
    const strength = d.denoisingStrength ?? DEFAULT_DENOISING_STRENGTH;
    const setup = await ctx.services.diffusion(d, { vaeEncoder: true });
    const p = setup.pipeline;
    const plan: GenerationPlan = {
      ...setup.model,
      stageIndex: ctx.index,
      stageCount: ctx.stages.length,
      seeds: [...ctx.seeds],
      width: d.width,
      height: d.height,
      denoisingStrength: strength,
      init: { strength, latents: new Float32Array(0) },
      mask: { latent: geometry.latentMask },
      control: setup.control,
    };
    const extras: [string, string | number][] = [
      ['Mask blur', o.maskBlur],
      ['Masked content', FILL_LABELS[fill]],
      ['Inpaint area', o.inpaintFullRes ? 'Only masked' : 'Whole picture'],
    ];
    if (o.inpaintFullRes) extras.push(['Only masked padding, pixels', o.inpaintFullResPadding]);
    if (o.inpaintMaskInvert === 1) extras.push(['Mask mode', 'Inpaint not masked']);
    const latentW = d.width / 8;
    const latentH = d.height / 8;
    const size = LATENT_CHANNELS * latentW * latentH;

    const prepareImage = async (img: RgbImage): Promise<PreparedImage> => {
      const region = geometry.region;
      const base = region ? img : await resizeRgbByMode(img, resizeMode, d.width, d.height);
      const processed = region ? await resizeRgbByMode(cropRgb(img, region), 'RESIZE_AND_FILL', d.width, d.height) : base;
      const filled = fill === 'ORIGINAL' ? processed : fillMaskedArea(processed, geometry.processMask);
      let latent: Float32Array;
      if (latentUpscale) {
        // Encoded at its own size (multiple of 8), then the latent is stretched (A1111 "just resize (latent upscale)").
        const w8 = Math.max(8, Math.floor(img.width / 8) * 8);
        const h8 = Math.max(8, Math.floor(img.height / 8) * 8);
        let own = await resizeRgb(img, w8, h8);
        if (fill !== 'ORIGINAL') own = fillMaskedArea(own, await resizeGray(geometry.processMask, w8, h8));
        const small = await encodeImage(p.vaeEncoder!, own, p.vaeScalingFactor);
        latent = resizeLatent(small, LATENT_CHANNELS, h8 / 8, w8 / 8, latentH, latentW, 'bilinear');
      } else {
        latent = await encodeImage(p.vaeEncoder!, filled, p.vaeScalingFactor);
      }
      let maskedLatent: Float32Array | undefined;
      if (setup.model.inpaintingUnet) {
        const chw = rgbToChw(filled);
        const plane = d.width * d.height;
        for (let c = 0; c < 3; c++) for (let i = 0; i < plane; i++) if (geometry.conditioningPixels[i]) chw[c * plane + i] = 0;
        maskedLatent = await encodeChw(p.vaeEncoder!, chw, d.width, d.height, p.vaeScalingFactor);
      }
      return { base, latent, maskedLatent };
    };

    return {
      output: geometry.output,
      steps: geometry.empty ? 0 : plannedSteps(plan, p),
      async run(images, rc) {
        if (!images) throw new Error('unreachable: inpaint without images');
        if (geometry.empty) {
          ctx.services.notice('IMAGE_TO_INPAINT: the mask is empty, images pass through unchanged');
          return Promise.all(
            images.map(async (img): Promise<StageImage> => ({ rgb: geometry.region ? img.rgb : await resizeRgbByMode(img.rgb, resizeMode, d.width, d.height), parameters: img.parameters })),
          );
        }
        const byImage = new Map<RgbImage, Promise<PreparedImage>>();
        const prepared = await Promise.all(
          images.map((img) => {
            let prep = byImage.get(img.rgb);
            if (!prep) byImage.set(img.rgb, (prep = prepareImage(img.rgb)));
            return prep;
          }),
        );
        const m = geometry.latentMask;
        const plane = latentW * latentH;
        const latents = new Float32Array(images.length * size);
        prepared.forEach((prep, i) => {
          const noise = fill === 'LATENT_NOISE' ? (latentNoise(ctx.seeds[i], size, 'float32') as Float32Array) : undefined;
          for (let j = 0; j < size; j++) {
            const repaint = m[j % plane];
            const own = prep.latent[j];
            // A1111: latent noise = init · mask + noise · nmask; latent nothing = init · mask.
            latents[i * size + j] = noise ? own * (1 - repaint) + noise[j] * repaint : fill === 'LATENT_NOTHING' ? own * (1 - repaint) : own;
          }
        });
        let conditioning: NonNullable<GenerationPlan['mask']>['conditioning'];
        if (setup.model.inpaintingUnet) {
          const maskedLatents = new Float32Array(images.length * size);
          prepared.forEach((prep, i) => maskedLatents.set(prep.maskedLatent!, i * size));
          conditioning = { mask: geometry.conditioningLatent, maskedLatents };
        }
        const batch = await generateImages({ ...plan, init: { strength, latents }, mask: { latent: m, conditioning } }, p, ctx.services.options, passHooks(rc));
        return Promise.all(
          batch.images.map(async (generated, i): Promise<StageImage> => {
            const region = geometry.region;
            const placed = region ? await resizeRgbByMode(generated, 'CROP_AND_RESIZE', region.x2 - region.x1, region.y2 - region.y1) : generated;
            return { rgb: compositeInpaint(prepared[i].base, placed, geometry.overlayMask, region), parameters: planInfotext(plan, i, extras) };
          }),
        );
      },
    };
  },
};
