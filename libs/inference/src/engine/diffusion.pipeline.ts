import { CanceledRunError, FatalRunError } from '../runner/job-runner';
import { guidedUNet, LATENT_CHANNELS } from './guided-unet';
import { encodeImageOutput, CONTENT_TYPES, type OutputFormat } from './image-output';
import { formatInfotext } from './infotext';
import { latentPreviewWebp } from './latent-preview';
import { sampleLatents, samplingStepCount, type SamplingJob } from './latent-sampling';
import type { LoadedPipeline } from './pipeline-loader';
import type { GenerationPlan } from './generation-plan';
import { chooseLayer, encodePromptPair } from './text-conditioning';
import { decodeLatent, encodeImage, type RgbImage } from './vae';

export interface GeneratedImage {
  index: number;
  seed: bigint;
  data: Buffer;
  format: OutputFormat;
  contentType: string;
  width: number;
  height: number;
}

export interface PipelineProgress {
  step: number;
  totalSteps: number;
  /** Cheap previews (latent → RGB), present on the steps a preview was due. */
  previews?: { index: number; data: Buffer; width: number; height: number }[];
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
}

/**
 * Checks against the loaded sessions that the plan can run (clip skip layers, SDXL inputs, latent channels), so that
 * every problem surfaces before the first UNet step.
 */
export function checkLoadedPipeline(plan: GenerationPlan, p: LoadedPipeline): void {
  for (const unit of p.textUnits) {
    if (!unit.component.hasInput('input_ids')) throw new FatalRunError(`${unit.label} has no input_ids input`);
    chooseLayer(unit, p.family, plan.diffusion.clipSkip);
  }
  for (const name of ['sample', 'timestep', 'encoder_hidden_states']) {
    if (!p.unet.hasInput(name)) throw new FatalRunError(`the UNet of "${plan.checkpoint.name}" has no ${name} input`);
  }
  const channels = p.unet.input('sample').shape[1];
  if (typeof channels === 'number' && channels !== LATENT_CHANNELS) {
    throw new FatalRunError(`the UNet of "${plan.checkpoint.name}" takes ${channels}-channel samples; this engine runs 4-channel UNets`);
  }
  if (p.family === 'SDXL' && !(p.unet.hasInput('text_embeds') && p.unet.hasInput('time_ids'))) {
    throw new FatalRunError(`the SDXL UNet of "${plan.checkpoint.name}" lacks the text_embeds/time_ids inputs`);
  }
  if (plan.init && !p.vaeEncoder) throw new FatalRunError('img2img needs a VAE encoder (vae_encoder/model.onnx)');
}

/** The run's steps as the sampler will take them (img2img takes fewer). */
export function plannedSteps(plan: GenerationPlan, p: LoadedPipeline): number {
  if (plan.init?.strength === 0) return 0;
  return samplingStepCount(samplingJob(plan, p, plan.init ? new Float32Array(0) : undefined));
}

function samplingJob(plan: GenerationPlan, p: LoadedPipeline, initLatent: Float32Array | undefined): SamplingJob {
  return {
    resolved: plan.sampler,
    schedule: p.schedule,
    steps: plan.diffusion.steps,
    seeds: plan.seeds,
    etaNoiseSeedDelta: plan.diffusion.etaNoiseSeedDelta,
    latentHeight: plan.height / 8,
    latentWidth: plan.width / 8,
    init: plan.init && initLatent ? { latent: initLatent, strength: plan.init.strength } : undefined,
  };
}

/**
 * txt2img / img2img for one diffusion stage: conditioning → seeded latents → sampler with guided UNet → VAE decode
 * → encoded images with their parameters. Strength 0 skips sampling: the output is the start image through the
 * VAE (encode, decode).
 */
export async function runDiffusion(plan: GenerationPlan, p: LoadedPipeline, options: PipelineOptions = {}, hooks: PipelineHooks = {}): Promise<GeneratedImage[]> {
  const d = plan.diffusion;
  const latentHeight = plan.height / 8;
  const latentWidth = plan.width / 8;
  const count = plan.seeds.length;
  const latentSize = LATENT_CHANNELS * latentHeight * latentWidth;
  const cancelled = async () => (hooks.isCancelled ? await hooks.isCancelled() : false);

  let initLatent: Float32Array | undefined;
  if (plan.init) initLatent = await encodeImage(p.vaeEncoder!, plan.init.image, p.vaeScalingFactor);

  let latents: Float32Array;
  if (initLatent && plan.init?.strength === 0) {
    latents = new Float32Array(count * latentSize);
    for (let i = 0; i < count; i++) latents.set(initLatent, i * latentSize);
  } else {
    const { cond, uncond } = await encodePromptPair(
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
    const unet = guidedUNet({ unet: p.unet, count, latentHeight, latentWidth, cfgScale: d.cfgScale, cond, uncond, timeIds, maxBatch: options.maxUNetBatch });
    const previewEvery = options.previewEveryMs ?? 1000;
    let lastPreview = -Infinity;
    latents = await sampleLatents(unet, samplingJob(plan, p, initLatent), {
      isCancelled: hooks.isCancelled,
      onStep: async (step, total, denoised) => {
        if (!hooks.onProgress) return;
        let previews: PipelineProgress['previews'];
        const now = performance.now();
        if (previewEvery >= 0 && Number.isFinite(previewEvery) && now - lastPreview >= previewEvery) {
          lastPreview = now;
          previews = await Promise.all(
            plan.seeds.map(async (_, index) => ({ index, ...(await latentPreviewWebp(denoised, index, latentHeight, latentWidth, p.family)) })),
          );
        }
        await hooks.onProgress({ step, totalSteps: total, previews });
      },
    });
  }
  if (await cancelled()) throw new CanceledRunError();

  const format = options.outputFormat ?? 'png';
  // Image i is encoded (sharp, on libuv threads) while image i + 1 goes through the VAE decoder.
  const images: Promise<GeneratedImage>[] = [];
  for (let i = 0; i < count; i++) {
    const rgb: RgbImage = await decodeLatent(p.vaeDecoder, latents.subarray(i * latentSize, (i + 1) * latentSize), latentHeight, latentWidth, p.vaeScalingFactor);
    const parameters = formatInfotext({
      prompts: d.prompts,
      negativePrompts: d.negativePrompts,
      steps: d.steps,
      sampler: plan.sampler.sampler.label,
      schedule: plan.sampler.schedule,
      cfgScale: d.cfgScale,
      seed: plan.seeds[i],
      width: plan.width,
      height: plan.height,
      model: plan.checkpoint.name,
      vae: plan.vae?.model.name,
      denoisingStrength: plan.denoisingStrength,
      clipSkip: d.clipSkip,
      etaNoiseSeedDelta: d.etaNoiseSeedDelta,
      clipEncoder: plan.encoder.name === 'default' ? undefined : plan.encoder.name,
    });
    const image = encodeImageOutput(rgb, format, parameters).then((data) => ({
      index: i,
      seed: plan.seeds[i],
      data,
      format,
      contentType: CONTENT_TYPES[format],
      width: rgb.width,
      height: rgb.height,
    }));
    image.catch(() => undefined); // reported by Promise.all below, not as an unhandled rejection meanwhile
    images.push(image);
  }
  return Promise.all(images);
}
