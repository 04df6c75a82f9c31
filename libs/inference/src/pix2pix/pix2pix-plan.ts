import type { DiffusionParams } from '@darkroom/contracts';
import { readComponent, type ComponentFiles, type ModelFolder } from '../engine/model-folder';
import { FatalRunError } from '../runner/job-runner';

/** InstructPix2Pix UNet input: the noisy latent (4 channels) followed by the image latent (4). */
export const PIX2PIX_UNET_CHANNELS = 8;
/** Image guidance scale when none is configured (diffusers' and A1111's default for InstructPix2Pix). */
export const DEFAULT_IMAGE_GUIDANCE_SCALE = 1.5;

export const PIX2PIX_NEEDS_IMAGE = 'enablePix2pix edits an image: the job needs inputInitialize.imageResourceId (or an earlier stage that makes images)';

export interface Pix2pixPlan {
  /** The 8-channel UNet: `unet_pix2pix/`, or `unet/` itself when it takes 8 channels. */
  unet: ComponentFiles;
}

function channelsOf(c: ComponentFiles | null): unknown {
  return c?.config?.in_channels;
}

/**
 * Checks `enablePix2pix` against the checkpoint: an InstructPix2Pix UNet in `unet_pix2pix/` (beside a regular
 * `unet/`) or in `unet/` (an exported InstructPix2Pix pipeline), with `in_channels` 8 in its config. ControlNet and
 * AnimateDiff are refused with it (their UNet calls do not carry the image latent).
 */
export function planPix2pix(d: DiffusionParams, model: ModelFolder, checkpointName: string): Pix2pixPlan {
  const side = readComponent(model.dir, 'unet_pix2pix');
  const unet = side ?? model.unet;
  const channels = channelsOf(unet);
  if (!unet || (channels !== undefined && channels !== PIX2PIX_UNET_CHANNELS)) {
    throw new FatalRunError(
      `enablePix2pix needs an InstructPix2Pix checkpoint (a UNet with 8 input channels, in unet/ or unet_pix2pix/); "${checkpointName}" has ${
        unet ? `a ${String(channels)}-channel UNet` : 'no UNet'
      }`,
    );
  }
  if (d.controlnet?.args.length) throw new FatalRunError('enablePix2pix cannot be combined with controlnet.args');
  if (d.animateDiff?.args.length) throw new FatalRunError('enablePix2pix cannot be combined with animateDiff.args');
  return { unet };
}
