import type { DiffusionParams } from '@darkroom/contracts';
import type { GeneratedBatch, PipelineHooks } from '../engine/diffusion.pipeline';
import { LATENT_CHANNELS } from '../engine/guided-unet';
import { resizeRgb, type RgbImage } from '../engine/vae';
import { FatalRunError } from '../runner/job-runner';
import type { StagePlanContext, StageRunContext } from './stage-executor';

/** Pipeline hooks reporting a pass's steps as stage steps, after `offset` steps of earlier passes of the stage. */
export function passHooks(ctx: StageRunContext, offset = 0): PipelineHooks {
  return {
    isCancelled: ctx.isCancelled,
    onProgress: (p) => ctx.progress({ step: offset + p.step, image: p.image, previews: p.previews }),
  };
}

/**
 * The diffusion parameters an IMAGE_TO_* stage uses: the job's DIFFUSION stage's when it has one (TAMS ignores the
 * stage's own then), else the stage's own.
 */
export function stageDiffusion(ctx: StagePlanContext, own: DiffusionParams | undefined, type: string): DiffusionParams {
  const d = ctx.jobDiffusion ?? own;
  if (!d) throw new FatalRunError(`${type} needs diffusion parameters: its own "diffusion" or a DIFFUSION stage in the job`);
  return d;
}

/** Resizes each image to width × height (stretching); images given as the same object are resized once. */
export async function resizeEach(images: readonly RgbImage[], width: number, height: number): Promise<RgbImage[]> {
  const done = new Map<RgbImage, Promise<RgbImage>>();
  return Promise.all(
    images.map((img) => {
      let r = done.get(img);
      if (!r) done.set(img, (r = resizeRgb(img, width, height)));
      return r;
    }),
  );
}

/** Image i's latent out of a pass's batch (a copy: the batch buffer is shared). */
export function latentOf(batch: GeneratedBatch, index: number): Float32Array {
  const size = LATENT_CHANNELS * (batch.images[index].height / 8) * (batch.images[index].width / 8);
  return batch.latents.slice(index * size, (index + 1) * size);
}
