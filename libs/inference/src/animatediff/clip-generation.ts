import type { PipelineHooks, PipelineOptions, PipelineProgress } from '../engine/diffusion.pipeline';
import type { GenerationPlan } from '../engine/generation-plan';
import { LATENT_CHANNELS } from '../engine/guided-unet';
import { latentPreviewWebp } from '../engine/latent-preview';
import { sampleLatents, samplingStepCount, type SamplingJob } from '../engine/latent-sampling';
import type { LoadedPipeline } from '../engine/pipeline-loader';
import { encodePromptPair } from '../engine/text-conditioning';
import { decodeLatent, type RgbImage } from '../engine/vae';
import { CanceledRunError } from '../runner/job-runner';
import { clipNoise } from './frame-noise';
import { frameWindows } from './frame-windows';
import { motionGuidedUNet } from './motion-guided-unet';
import type { MotionUnetShape } from './motion-unet';

export interface ClipPlan {
  /** The pass: model, sampler, size, one seed per clip; `init` (strength, steps) for clips started from images. */
  plan: GenerationPlan;
  frames: number;
  motion: MotionUnetShape;
  /** img2vid: each clip's start latent (scaled), clips one after the other; every frame starts from it. */
  startLatents?: Float32Array;
}

/** Every frame's seed for the sampler's per-step noise: the clip's own, so the frames share it (no flicker). */
function itemSeeds(seeds: readonly bigint[], frames: number): bigint[] {
  return seeds.flatMap((s) => Array<bigint>(frames).fill(s));
}

function clipSamplingJob(c: ClipPlan, p: LoadedPipeline, init: Float32Array | undefined, withNoise: boolean): SamplingJob {
  const { plan, frames } = c;
  const latentHeight = plan.height / 8;
  const latentWidth = plan.width / 8;
  const length = LATENT_CHANNELS * latentHeight * latentWidth;
  const noise = withNoise ? new Float32Array(plan.seeds.length * frames * length) : undefined;
  if (noise) plan.seeds.forEach((seed, i) => noise.set(clipNoise(seed, frames, length), i * frames * length));
  return {
    resolved: plan.sampler,
    schedule: p.schedule,
    steps: plan.diffusion.steps,
    seeds: itemSeeds(plan.seeds, frames),
    etaNoiseSeedDelta: plan.diffusion.etaNoiseSeedDelta,
    latentHeight,
    latentWidth,
    init: plan.init && init ? { latent: init, strength: plan.init.strength, steps: plan.init.steps } : undefined,
    startNoise: noise,
  };
}

/** Steps each clip takes (progress totals). */
export function clipSteps(c: ClipPlan, p: LoadedPipeline): number {
  if (c.plan.init?.strength === 0) return 0;
  return samplingStepCount(clipSamplingJob(c, p, c.plan.init ? new Float32Array(0) : undefined, false));
}

/** Each clip's start latent repeated for its frames (items one after the other). */
function framesFromStart(start: Float32Array, clips: number, frames: number, length: number): Float32Array {
  const out = new Float32Array(clips * frames * length);
  for (let i = 0; i < clips; i++) {
    const latent = start.length === length ? start : start.subarray(i * length, (i + 1) * length);
    for (let f = 0; f < frames; f++) out.set(latent, (i * frames + f) * length);
  }
  return out;
}

/**
 * One AnimateDiff pass: every frame of every clip samples as one vector (item = clip · frames + frame) through the
 * motion UNet with guidance, from frame-correlated start noise (frame-noise.ts) or, for img2vid, from the start
 * image's latent noised to the strength; then each frame goes through the VAE decoder. Strength 0 skips sampling
 * (every frame is the start image through the VAE). Previews show each clip's first frame.
 */
export async function generateClips(c: ClipPlan, p: LoadedPipeline, options: PipelineOptions = {}, hooks: PipelineHooks = {}): Promise<RgbImage[][]> {
  const { plan, frames } = c;
  const d = plan.diffusion;
  const latentHeight = plan.height / 8;
  const latentWidth = plan.width / 8;
  const length = LATENT_CHANNELS * latentHeight * latentWidth;
  const clips = plan.seeds.length;
  const init = c.startLatents && plan.init ? framesFromStart(c.startLatents, clips, frames, length) : undefined;

  let latents: Float32Array;
  if (init && plan.init?.strength === 0) {
    latents = init;
  } else {
    const { cond, uncond } = await encodePromptPair(
      {
        units: p.textUnits,
        family: p.family,
        clipSkip: d.clipSkip,
        zeroEmptyNegative: plan.model.forceZerosForEmptyPrompt,
        embeddings: p.embeddings && { counts: new Map(p.embeddings.list.map((e) => [e.request.name, { vectors: e.count }])), ids: p.embeddings.ids },
      },
      d.prompts,
      d.negativePrompts,
    );
    const unet = motionGuidedUNet({
      unet: p.unet,
      count: clips,
      frames,
      windows: frameWindows(frames, c.motion.window, c.motion.fixedFrames),
      latentHeight,
      latentWidth,
      cfgScale: d.cfgScale,
      cond,
      uncond,
      timeIds: p.family === 'SDXL' ? Float32Array.from([plan.height, plan.width, 0, 0, plan.height, plan.width]) : undefined,
      maxBatch: options.maxUNetBatch,
    });
    const previewEvery = options.previewEveryMs ?? 1000;
    // The first preview comes one interval in: the first steps' latents are mostly noise, and a short job needs none.
    let lastPreview = previewEvery > 0 ? performance.now() : -Infinity;
    latents = await sampleLatents(unet, clipSamplingJob(c, p, init, true), {
      isCancelled: hooks.isCancelled,
      onStep: async (step, total, denoised) => {
        if (!hooks.onProgress) return;
        let previews: PipelineProgress['previews'];
        const now = performance.now();
        if (previewEvery >= 0 && Number.isFinite(previewEvery) && now - lastPreview >= previewEvery) {
          lastPreview = now;
          previews = await Promise.all(
            plan.seeds.map(async (_, index) => ({ index, ...(await latentPreviewWebp(denoised, index * frames, latentHeight, latentWidth, p.family)) })),
          );
        }
        await hooks.onProgress({ step, totalSteps: total, previews });
      },
    });
  }
  if (hooks.isCancelled && (await hooks.isCancelled())) throw new CanceledRunError();

  const out: RgbImage[][] = [];
  for (let i = 0; i < clips; i++) {
    const clip: RgbImage[] = [];
    for (let f = 0; f < frames; f++) {
      const at = (i * frames + f) * length;
      clip.push(await decodeLatent(p.vaeDecoder, latents.subarray(at, at + length), latentHeight, latentWidth, p.vaeScalingFactor));
    }
    out.push(clip);
  }
  return out;
}
