import type { AdetailerArg } from '@darkroom/contracts';
import type { PipelineOptions } from '../engine/diffusion.pipeline';
import type { GenerationPlan } from '../engine/generation-plan';
import type { RgbImage } from '../engine/vae';
import type { ObjectDetector } from '../detection/detector-catalogue';
import { CanceledRunError } from '../runner/job-runner';
import type { DiffusionSetup } from '../stages/stage-executor';
import { adetailerMasks } from './adetailer-masks';
import { inpaintRegion } from './region-inpaint';

/** One arg, prepared: its detector, its diffusion setup and the plan of its inpaint passes. */
export interface AdetailerPass {
  arg: AdetailerArg;
  detector: ObjectDetector;
  setup: DiffusionSetup;
  plan: GenerationPlan;
  /** UNet steps of one region (progress weight). */
  steps: number;
  /** The prompts of detection j (ADetailer's "[SEP]" gives detections their own). */
  promptsOf(region: number): Pick<GenerationPlan['diffusion'], 'prompts' | 'negativePrompts'>;
}

export interface AdetailerRunHooks {
  options: PipelineOptions;
  isCancelled(): Promise<boolean>;
  /** Steps done for this image, counted as one region per arg (several regions share their arg's steps). */
  progress(step: number, previews?: { index: number; data: Buffer; width: number; height: number }[]): Promise<void>;
  notice(text: string): void;
}

/**
 * ADetailer on one image: each arg in order detects on the image as the previous args left it and inpaints its
 * masks one after the other, mask j with seed + j (ADetailer's seed per detection), each pass starting from the
 * previous one's result. Nothing detected leaves the image as it is.
 */
export async function runAdetailer(image: RgbImage, seed: bigint, passes: readonly AdetailerPass[], hooks: AdetailerRunHooks): Promise<RgbImage> {
  let current = image;
  let offset = 0;
  for (const [a, pass] of passes.entries()) {
    const { arg } = pass;
    const { detections, masks } = await adetailerMasks(pass.detector, current, arg);
    if (!masks.length) {
      hooks.notice(`ADetailer ${a + 1} (${arg.adModel}): nothing detected at confidence ${arg.adConfidence}${detections.length ? ' after the mask steps' : ''}`);
    }
    for (const [j, mask] of masks.entries()) {
      if (await hooks.isCancelled()) throw new CanceledRunError();
      const done = offset;
      const plan = { ...pass.plan, diffusion: { ...pass.plan.diffusion, ...pass.promptsOf(j) } };
      current = await inpaintRegion(
        current,
        mask,
        seed + BigInt(j),
        { plan, setup: pass.setup, onlyMasked: arg.adInpaintOnlyMasked, padding: arg.adInpaintOnlyMaskedPadding, options: hooks.options },
        {
          isCancelled: hooks.isCancelled,
          onProgress: (p) => hooks.progress(done + Math.round((pass.steps * (j + p.step / Math.max(1, p.totalSteps))) / masks.length), p.previews),
        },
      );
    }
    offset += pass.steps;
    await hooks.progress(offset);
  }
  return current;
}
