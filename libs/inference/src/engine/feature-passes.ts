import type { DiffusionParams } from '@darkroom/contracts';
import { ellaUNetView, encodeEllaPromptPair } from '../ella/ella-conditioning';
import { decodeTransparent } from '../layer-diffusion/transparent-decoding';
import { pix2pixGuidedUNet } from '../pix2pix/pix2pix-guidance';
import { DEFAULT_IMAGE_GUIDANCE_SCALE } from '../pix2pix/pix2pix-plan';
import { FatalRunError } from '../runner/job-runner';
import type { UNetCall } from '../samplers';
import type { GenerationPlan } from './generation-plan';
import { LATENT_CHANNELS } from './guided-unet';
import type { OnnxComponent } from './onnx-component';
import type { LoadedPipeline } from './pipeline-loader';
import type { PromptConditioning } from './text-conditioning';
import { encodeImage, type RgbImage } from './vae';

/** How the request flags' components enter one diffusion pass (generateImages): conditioning, UNet, decoding. */

/** ELLA's conditioning (T5 states of both prompts) when the pass runs ELLA; undefined for CLIP conditioning. */
export async function ellaPromptPair(p: LoadedPipeline, d: DiffusionParams): Promise<{ cond: PromptConditioning; uncond: PromptConditioning } | undefined> {
  return p.features.ella ? encodeEllaPromptPair(p.features.ella, d.prompts, d.negativePrompts) : undefined;
}

/** The UNet as the pass calls it: through the ELLA connector (per step, with the timestep) when ELLA runs. */
export function featureUNet(p: LoadedPipeline, unet: OnnxComponent): OnnxComponent {
  return p.features.ella ? ellaUNetView(unet, p.features.ella.adapter) : unet;
}

export interface Pix2pixPassOptions {
  cond: PromptConditioning;
  uncond: PromptConditioning;
  timeIds?: Float32Array;
  maxBatch?: number;
  /** Image guidance scale (default 1.5). */
  imageGuidance?: number;
}

/**
 * The InstructPix2Pix UNet call of a pass: the images to edit (the plan's pix2pix images, else its start images)
 * through the VAE encoder, unscaled (InstructPix2Pix conditions on the distribution's mode, not the scaled latent),
 * and the three-way guidance with cfgScale as the text scale.
 */
export async function pix2pixUNetCall(plan: GenerationPlan, p: LoadedPipeline, o: Pix2pixPassOptions): Promise<UNetCall<Float32Array>> {
  const images: readonly RgbImage[] = plan.pix2pixImages ?? plan.init?.images ?? (plan.init?.image ? [plan.init.image] : []);
  if (!images.length) throw new FatalRunError('enablePix2pix needs the image to edit; this pass has none (a latent-only start cannot be edited)');
  if (!p.vaeEncoder) throw new FatalRunError('enablePix2pix needs a VAE encoder (vae_encoder/model.onnx) for the image it edits');
  const latentHeight = plan.height / 8;
  const latentWidth = plan.width / 8;
  const size = LATENT_CHANNELS * latentHeight * latentWidth;
  const encoded = new Map<RgbImage, Float32Array>();
  for (const img of images) {
    if (img.width !== plan.width || img.height !== plan.height) throw new Error(`pix2pix image is ${img.width}×${img.height}, the pass ${plan.width}×${plan.height}`);
    if (!encoded.has(img)) encoded.set(img, await encodeImage(p.vaeEncoder, img, 1));
  }
  let imageLatents: Float32Array;
  if (encoded.size === 1) imageLatents = encoded.values().next().value as Float32Array;
  else {
    if (images.length !== plan.seeds.length) throw new Error(`pix2pix: ${images.length} images for ${plan.seeds.length} seeds`);
    imageLatents = new Float32Array(images.length * size);
    images.forEach((img, i) => imageLatents.set(encoded.get(img) as Float32Array, i * size));
  }
  return pix2pixGuidedUNet({
    unet: featureUNet(p, p.unet),
    count: plan.seeds.length,
    latentHeight,
    latentWidth,
    textScale: plan.diffusion.cfgScale,
    imageScale: o.imageGuidance ?? DEFAULT_IMAGE_GUIDANCE_SCALE,
    cond: o.cond,
    uncond: o.uncond,
    imageLatents,
    timeIds: o.timeIds,
    maxBatch: o.maxBatch,
  });
}

/** One decoded image, through the transparency decoder when layer diffusion runs (RGB replaced, alpha added). */
export async function finishImage(p: LoadedPipeline, rgb: RgbImage, latent: Float32Array, latentHeight: number, latentWidth: number): Promise<RgbImage> {
  const decoder = p.features.transparentDecoder;
  return decoder ? decodeTransparent(decoder, rgb, latent, latentHeight, latentWidth, p.vaeScalingFactor) : rgb;
}
