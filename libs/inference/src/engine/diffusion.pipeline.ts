import { CanceledRunError, FatalRunError } from '../runner/job-runner';
import { inpaintExtraChannels, inpaintingUNetView } from '../inpaint/inpainting-unet';
import { checkControlNets, ControlNetGuidance } from '../controlnet/controlnet-guidance';
import { guidedUNet, LATENT_CHANNELS } from './guided-unet';
import { encodeImageOutput, CONTENT_TYPES, type OutputFormat } from './image-output';
import { formatInfotext } from './infotext';
import { latentPreviewWebp } from './latent-preview';
import { sampleLatents, samplingStepCount, type SamplingJob } from './latent-sampling';
import type { LoadedPipeline } from './pipeline-loader';
import { INPAINTING_UNET_CHANNELS, type GenerationPlan } from './generation-plan';
import { chooseLayer, encodePromptPair, type PromptConditioning } from './text-conditioning';
import { decodeLatent, encodeChw, encodeImage, type RgbImage } from './vae';
import type { VideoFormat } from '../video/video-output';
import { latentNoise } from '../samplers';
import { ellaPromptPair, featureUNet, finishImage, pix2pixUNetCall } from './feature-passes';
import { checkFeatureSessions } from './model-features';

export interface GeneratedImage {
  index: number;
  seed: bigint;
  data: Buffer;
  format: OutputFormat;
  contentType: string;
  width: number;
  height: number;
}

/** A pass's images before encoding, with the latents they were decoded from (images one after the other). */
export interface GeneratedBatch {
  images: RgbImage[];
  latents: Float32Array;
}

export interface PipelineProgress {
  step: number;
  totalSteps: number;
  /** Cheap previews (latent → RGB), present on the steps a preview was due. */
  previews?: { index: number; data: Buffer; width: number; height: number }[];
  /** Set when images are sampled one at a time (9-channel inpainting UNets): the image this step belongs to. */
  image?: number;
}

export interface PipelineHooks {
  onProgress?(p: PipelineProgress): void | Promise<void>;
  isCancelled?(): boolean | Promise<boolean>;
}

export interface PipelineOptions {
  outputFormat?: OutputFormat;
  /** Minimum time between previews; 0 = every step, negative or Infinity = never (default 1000 ms). */
  previewEveryMs?: number;
  /** Most items (images × cond/uncond) per UNet call; absent = all at once where the graph allows. */
  maxUNetBatch?: number;
  /** InstructPix2Pix image guidance scale (no TAMS field carries it; default 1.5, as diffusers and A1111). */
  pix2pixImageGuidance?: number;
  /** Formats each AnimateDiff clip is written in (default mp4, webp, gif; MP4 needs the bundled ffmpeg). */
  videoFormats?: readonly VideoFormat[];
}

/** Input channels of the loaded UNet's `sample` (4 when the graph does not fix it). */
function unetChannels(p: LoadedPipeline): number {
  const c = p.unet.input('sample').shape[1];
  return typeof c === 'number' ? c : LATENT_CHANNELS;
}

/**
 * Checks against the loaded sessions that the plan can run (clip skip layers, SDXL inputs, latent channels), so that
 * every problem surfaces before the first UNet step.
 */
export function checkLoadedPipeline(
  plan: Pick<GenerationPlan, 'diffusion' | 'checkpoint'> & Partial<Pick<GenerationPlan, 'init' | 'control' | 'features'>>,
  p: LoadedPipeline,
): void {
  for (const unit of p.textUnits) {
    if (!unit.component.hasInput('input_ids')) throw new FatalRunError(`${unit.label} has no input_ids input`);
    chooseLayer(unit, p.family, plan.diffusion.clipSkip);
  }
  for (const name of ['sample', 'timestep', 'encoder_hidden_states']) {
    if (!p.unet.hasInput(name)) throw new FatalRunError(`the UNet of "${plan.checkpoint.name}" has no ${name} input`);
  }
  const channels = unetChannels(p);
  const pix2pix = Boolean(plan.features?.pix2pix);
  checkFeatureSessions(p.features, p.unet, pix2pix, plan.checkpoint.name);
  if (channels !== LATENT_CHANNELS && channels !== INPAINTING_UNET_CHANNELS && !pix2pix) {
    throw new FatalRunError(`the UNet of "${plan.checkpoint.name}" takes ${channels}-channel samples; this engine runs 4-channel UNets and 9-channel inpainting UNets`);
  }
  if (channels === INPAINTING_UNET_CHANNELS && !p.vaeEncoder) {
    throw new FatalRunError(`the inpainting UNet of "${plan.checkpoint.name}" needs a VAE encoder (vae_encoder/model.onnx) for its masked-image input`);
  }
  if (p.family === 'SDXL' && !(p.unet.hasInput('text_embeds') && p.unet.hasInput('time_ids'))) {
    throw new FatalRunError(`the SDXL UNet of "${plan.checkpoint.name}" lacks the text_embeds/time_ids inputs`);
  }
  if (plan.init && !plan.init.latents && !p.vaeEncoder) throw new FatalRunError('img2img needs a VAE encoder (vae_encoder/model.onnx)');
  if (plan.control?.length) checkControlNets(plan.control, p.controlNets, p.unet, plan.checkpoint.name);
}

/** The steps each image takes (img2img takes fewer); progress totals. */
export function plannedSteps(plan: GenerationPlan, p: LoadedPipeline): number {
  if (plan.init?.strength === 0) return 0;
  return samplingStepCount(samplingJob(plan, p, plan.seeds, plan.init ? new Float32Array(0) : undefined));
}

function samplingJob(plan: GenerationPlan, p: LoadedPipeline, seeds: readonly bigint[], initLatent: Float32Array | undefined, mask?: Float32Array): SamplingJob {
  return {
    resolved: plan.sampler,
    schedule: p.schedule,
    steps: plan.diffusion.steps,
    seeds,
    etaNoiseSeedDelta: plan.diffusion.etaNoiseSeedDelta,
    latentHeight: plan.height / 8,
    latentWidth: plan.width / 8,
    init: plan.init && initLatent ? { latent: initLatent, strength: plan.init.strength, steps: plan.init.steps } : undefined,
    mask,
    startNoise: initLatent?.length ? scaledStartNoise(seeds, (plan.height / 8) * (plan.width / 8), plan.init?.noiseMultiplier) : undefined,
  };
}

/** The seeds' start noise times A1111's img2img noise multiplier; undefined (the seeds' own noise) for 1 or none. */
function scaledStartNoise(seeds: readonly bigint[], plane: number, multiplier: number | undefined): Float32Array | undefined {
  if (multiplier === undefined || multiplier === 1) return undefined;
  const length = LATENT_CHANNELS * plane;
  const out = new Float32Array(seeds.length * length);
  seeds.forEach((seed, i) => {
    const noise = latentNoise(seed, length, 'float32') as Float32Array;
    for (let j = 0; j < length; j++) out[i * length + j] = noise[j] * multiplier;
  });
  return out;
}

/**
 * The start latents of a plan's img2img: given latents as they are, else its image(s) through the VAE encoder.
 * Images given as the same object are encoded once; all the same gives one shared latent.
 */
async function startLatents(plan: GenerationPlan, p: LoadedPipeline): Promise<Float32Array | undefined> {
  const init = plan.init;
  if (!init) return undefined;
  if (init.latents) return init.latents;
  if (!p.vaeEncoder) throw new FatalRunError('img2img needs a VAE encoder (vae_encoder/model.onnx)');
  const encoder = p.vaeEncoder;
  const images = init.images ?? (init.image ? [init.image] : []);
  if (!images.length) throw new Error('img2img plan without a start image or latent');
  const encoded = new Map<RgbImage, Float32Array>();
  for (const img of images) if (!encoded.has(img)) encoded.set(img, await encodeImage(encoder, img, p.vaeScalingFactor));
  if (encoded.size === 1) return encoded.values().next().value as Float32Array;
  const size = LATENT_CHANNELS * (plan.height / 8) * (plan.width / 8);
  const out = new Float32Array(images.length * size);
  images.forEach((img, i) => out.set(encoded.get(img) as Float32Array, i * size));
  return out;
}

/** One image's slice of latents that hold either one shared image or one per image. */
function imageSlice(latents: Float32Array, index: number, size: number): Float32Array {
  return latents.length === size ? latents : latents.subarray(index * size, (index + 1) * size);
}

/**
 * A 9-channel UNet's extra input for every image: the plan's inpainting conditioning, or (no mask) A1111's
 * "everything masked" conditioning: mask 1 and the latent of a mid-grey image (0 in the VAE's [−1, 1]).
 */
async function inpaintConditioning(plan: GenerationPlan, p: LoadedPipeline): Promise<{ mask: Float32Array; maskedLatents: Float32Array }> {
  if (plan.mask?.conditioning) return plan.mask.conditioning;
  const plane = (plan.height / 8) * (plan.width / 8);
  const grey = await encodeChw(p.vaeEncoder!, new Float32Array(3 * plan.width * plan.height), plan.width, plan.height, p.vaeScalingFactor);
  return { mask: new Float32Array(plane).fill(1), maskedLatents: grey };
}

/**
 * One diffusion pass (txt2img, img2img, hires-fix second pass, masked img2img): conditioning → seeded latents →
 * sampler with guided UNet → VAE decode. Strength 0 skips sampling: the output is the start through the VAE. Images
 * sample as one batch; with a 9-channel inpainting UNet they sample one at a time (each has its own extra input),
 * which gives the same result per image.
 */
export async function generateImages(plan: GenerationPlan, p: LoadedPipeline, options: PipelineOptions = {}, hooks: PipelineHooks = {}): Promise<GeneratedBatch> {
  const d = plan.diffusion;
  const latentHeight = plan.height / 8;
  const latentWidth = plan.width / 8;
  const count = plan.seeds.length;
  const latentSize = LATENT_CHANNELS * latentHeight * latentWidth;
  const cancelled = async () => (hooks.isCancelled ? await hooks.isCancelled() : false);

  const initLatent = await startLatents(plan, p);
  if (plan.mask && !initLatent) throw new Error('an inpainting pass needs a start image or latent');

  let latents: Float32Array;
  if (initLatent && plan.init?.strength === 0) {
    latents = new Float32Array(count * latentSize);
    for (let i = 0; i < count; i++) latents.set(imageSlice(initLatent, i, latentSize), i * latentSize);
  } else {
    const { cond, uncond } = (await ellaPromptPair(p, d)) ?? await encodePromptPair(
      {
        units: p.textUnits,
        family: p.family,
        clipSkip: d.clipSkip,
        zeroEmptyNegative: plan.model.forceZerosForEmptyPrompt,
        embeddings: p.embeddings && {
          counts: new Map(p.embeddings.list.map((e) => [e.request.name, { vectors: e.count }])),
          ids: p.embeddings.ids,
        },
      },
      d.prompts,
      d.negativePrompts,
    );
    const timeIds = p.family === 'SDXL' ? Float32Array.from([plan.height, plan.width, 0, 0, plan.height, plan.width]) : undefined;
    const previewEvery = options.previewEveryMs ?? 1000;
    // The first preview comes one interval in: the first steps' latents are mostly noise, and a short job needs none.
    let lastPreview = previewEvery > 0 ? performance.now() : -Infinity;
    // ControlNet units act on the steps inside their guidance window: the step counter follows the sampler.
    const control = plan.control?.length ? new ControlNetGuidance(plan.control, p.controlNets, p.unet, { width: plan.width, height: plan.height }) : undefined;
    const progress = (images: number[], image?: number) => async (step: number, total: number, denoised: Float32Array) => {
      control?.atStep(step, total);
      if (!hooks.onProgress) return;
      let previews: PipelineProgress['previews'];
      const now = performance.now();
      if (previewEvery >= 0 && Number.isFinite(previewEvery) && now - lastPreview >= previewEvery) {
        lastPreview = now;
        previews = await Promise.all(
          images.map(async (index, slot) => ({ index, ...(await latentPreviewWebp(denoised, slot, latentHeight, latentWidth, p.family)) })),
        );
      }
      await hooks.onProgress({ step, totalSteps: total, previews, image });
    };
    const unetFor = (unet: LoadedPipeline['unet'], n: number, c: PromptConditioning, u: PromptConditioning) =>
      guidedUNet({ unet: featureUNet(p, unet), count: n, latentHeight, latentWidth, cfgScale: d.cfgScale, cond: c, uncond: u, timeIds, maxBatch: options.maxUNetBatch, control });

    if (plan.features.pix2pix) {
      const unet = await pix2pixUNetCall(plan, p, { cond, uncond, timeIds, maxBatch: options.maxUNetBatch, imageGuidance: options.pix2pixImageGuidance });
      latents = await sampleLatents(unet, samplingJob(plan, p, plan.seeds, initLatent, plan.mask?.latent), {
        isCancelled: hooks.isCancelled,
        onStep: progress(plan.seeds.map((_, i) => i)),
      });
    } else if (unetChannels(p) === INPAINTING_UNET_CHANNELS) {
      const conditioning = await inpaintConditioning(plan, p);
      latents = new Float32Array(count * latentSize);
      for (let i = 0; i < count; i++) {
        control?.atStep(0, 1);
        const extra = inpaintExtraChannels(conditioning.mask, imageSlice(conditioning.maskedLatents, i, latentSize));
        const unet = unetFor(inpaintingUNetView(p.unet, extra), 1, cond, uncond);
        const one = await sampleLatents(unet, samplingJob(plan, p, [plan.seeds[i]], initLatent && imageSlice(initLatent, i, latentSize), plan.mask?.latent), {
          isCancelled: hooks.isCancelled,
          onStep: progress([i], i),
        });
        latents.set(one, i * latentSize);
      }
    } else {
      latents = await sampleLatents(unetFor(p.unet, count, cond, uncond), samplingJob(plan, p, plan.seeds, initLatent, plan.mask?.latent), {
        isCancelled: hooks.isCancelled,
        onStep: progress(plan.seeds.map((_, i) => i)),
      });
    }
  }
  if (await cancelled()) throw new CanceledRunError();

  const images: RgbImage[] = [];
  for (let i = 0; i < count; i++) {
    const latent = latents.subarray(i * latentSize, (i + 1) * latentSize);
    images.push(await finishImage(p, await decodeLatent(p.vaeDecoder, latent, latentHeight, latentWidth, p.vaeScalingFactor), latent, latentHeight, latentWidth));
  }
  return { images, latents };
}

/** The A1111 "parameters" text of image `index` of a pass, with further pairs (hires fix, inpaint) before Version. */
export function planInfotext(plan: GenerationPlan, index: number, extra?: ReadonlyArray<readonly [string, string | number]>, size?: { width: number; height: number }): string {
  const d = plan.diffusion;
  return formatInfotext({
    prompts: d.prompts,
    negativePrompts: d.negativePrompts,
    steps: d.steps,
    sampler: plan.sampler.sampler.label,
    schedule: plan.sampler.schedule,
    cfgScale: d.cfgScale,
    seed: plan.seeds[index],
    width: size?.width ?? plan.width,
    height: size?.height ?? plan.height,
    model: plan.checkpoint.name,
    vae: plan.vae?.model.name,
    denoisingStrength: plan.denoisingStrength,
    clipSkip: d.clipSkip,
    etaNoiseSeedDelta: d.etaNoiseSeedDelta,
    clipEncoder: plan.encoder.name === 'default' ? undefined : plan.encoder.name,
    extra,
  });
}

/**
 * txt2img / img2img for one diffusion stage: generateImages, then each image encoded (PNG with its parameters by
 * default) while the next one goes through the VAE decoder.
 */
export async function runDiffusion(plan: GenerationPlan, p: LoadedPipeline, options: PipelineOptions = {}, hooks: PipelineHooks = {}): Promise<GeneratedImage[]> {
  const { images } = await generateImages(plan, p, options, hooks);
  const format = options.outputFormat ?? 'png';
  return Promise.all(
    images.map(async (rgb, i) => ({
      index: i,
      seed: plan.seeds[i],
      data: await encodeImageOutput(rgb, format, planInfotext(plan, i)),
      format,
      contentType: CONTENT_TYPES[format],
      width: rgb.width,
      height: rgb.height,
    })),
  );
}
