import { generateImages, type PipelineHooks, type PipelineOptions } from '../engine/diffusion.pipeline';
import type { GenerationPlan } from '../engine/generation-plan';
import { encodeChw, encodeImage, rgbToChw, type RgbImage } from '../engine/vae';
import { cropRgb, type GrayImage } from '../inpaint/gray-image';
import { compositeInpaint } from '../inpaint/inpaint-composite';
import { planInpaintGeometry } from '../inpaint/inpaint-geometry';
import { resizeRgbByMode } from '../inpaint/resize-modes';
import type { DiffusionSetup } from '../stages/stage-executor';
import { AD_MASK_BLUR } from './adetailer-params';

export interface RegionInpaint {
  /** Plan of the arg's passes (model, sampler, prompts, processing size, strength); seeds and latents are set here. */
  plan: GenerationPlan;
  setup: DiffusionSetup;
  /** Inpaint only the masked area plus `padding` pixels (grown to the processing aspect ratio) or the whole picture. */
  onlyMasked: boolean;
  padding: number;
  options: PipelineOptions;
}

/**
 * One ADetailer inpaint: A1111's img2img inpainting of `image` under `mask` (white = repaint) with masked content
 * "original" and ADetailer's mask blur. The box processed is the mask's bounding box plus padding grown to the
 * processing aspect ratio, or (whole picture) the full image; it is scaled to the processing size, sampled with
 * `seed` (its latent blended back outside the mask every step) and scaled back; the result is the original with
 * the generated pixels laid in through the blurred mask, so the image keeps its size and every pixel outside the
 * blurred mask keeps its bytes. An empty mask returns the image itself.
 */
export async function inpaintRegion(image: RgbImage, mask: GrayImage, seed: bigint, r: RegionInpaint, hooks: PipelineHooks = {}): Promise<RgbImage> {
  const { width, height } = r.plan;
  const geometry = await planInpaintGeometry(mask, image, {
    width,
    height,
    resizeMode: 'JUST_RESIZE',
    maskBlur: AD_MASK_BLUR,
    invert: false,
    fullRes: true,
    // The whole picture is the crop whose padding reaches every border.
    fullResPadding: r.onlyMasked ? Math.trunc(r.padding) : Math.max(image.width, image.height),
  });
  const region = geometry.region;
  if (geometry.empty || !region) return image;
  const p = r.setup.pipeline;
  if (!p.vaeEncoder) throw new Error('ADetailer inpainting needs the VAE encoder (the stage loads it)');
  const processed = await resizeRgbByMode(cropRgb(image, region), 'RESIZE_AND_FILL', width, height);
  const latents = await encodeImage(p.vaeEncoder, processed, p.vaeScalingFactor);
  let conditioning: NonNullable<GenerationPlan['mask']>['conditioning'];
  if (r.setup.model.inpaintingUnet) {
    // 9-channel UNets: the mask and the latent of the picture with the masked part mid-grey.
    const chw = rgbToChw(processed);
    const plane = width * height;
    for (let c = 0; c < 3; c++) for (let i = 0; i < plane; i++) if (geometry.conditioningPixels[i]) chw[c * plane + i] = 0;
    conditioning = { mask: geometry.conditioningLatent, maskedLatents: await encodeChw(p.vaeEncoder, chw, width, height, p.vaeScalingFactor) };
  }
  const strength = r.plan.init?.strength ?? r.plan.denoisingStrength ?? 0;
  const batch = await generateImages(
    { ...r.plan, seeds: [seed], init: { ...r.plan.init, strength, latents }, mask: { latent: geometry.latentMask, conditioning } },
    p,
    r.options,
    hooks,
  );
  const placed = await resizeRgbByMode(batch.images[0], 'CROP_AND_RESIZE', region.x2 - region.x1, region.y2 - region.y1);
  return compositeInpaint(image, placed, geometry.overlayMask, region);
}
