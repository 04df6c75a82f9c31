import { rm } from 'node:fs/promises';
import * as path from 'node:path';
import { TensorSpec } from './onnx-graph.builder';
import { json, TinyFamily, unetConfig } from './pipeline-configs';
import { generateTinyPipeline, resolveTinyOptions, tinyUnetSpec, TinyModelDescription, TinyModelOptions, writeAll } from './tiny-pipeline.generator';
import { buildUnet } from './unet.graph';

/** InstructPix2Pix's UNet input: the noisy latent (4) followed by the edited image's latent (4). */
export const PIX2PIX_IN_CHANNELS = 8;

export interface TinyPix2pixOptions extends Omit<TinyModelOptions, 'controlNet'> {
  family?: TinyFamily;
  /**
   * Where the 8-channel UNet goes: `unet/` (default: an exported InstructPix2Pix pipeline, whose only UNet it is) or
   * `unet_pix2pix/` beside the regular 4-channel `unet/` (one checkpoint serving both).
   */
  layout?: 'unet' | 'unet_pix2pix';
}

export interface TinyPix2pixDescription extends TinyModelDescription {
  pix2pixFolder: string;
  pix2pixInputs: TensorSpec[];
}

/**
 * A tiny InstructPix2Pix checkpoint: the regular tiny pipeline whose UNet takes 8-channel samples (config
 * `in_channels: 8`), as `StableDiffusionInstructPix2PixPipeline` exports have it. The graph is the tiny UNet with a
 * wider conv_in, so the image latent channels change every prediction.
 */
export async function generateTinyPix2pix(dir: string, opts: TinyPix2pixOptions = {}): Promise<TinyPix2pixDescription> {
  const { family = 'sd15', layout = 'unet', ...base } = opts;
  const desc = await generateTinyPipeline(dir, family, base);
  const o = resolveTinyOptions(base);
  const spec = tinyUnetSpec(family, o);
  const graph = buildUnet({ ...spec, controlNetResiduals: false, inChannels: PIX2PIX_IN_CHANNELS });
  const config = { ...unetConfig({ family, channels: spec.channels, crossAttentionDim: spec.crossAttentionDim, sdxl: spec.sdxl }), in_channels: PIX2PIX_IN_CHANNELS };
  if (layout === 'unet') await rm(path.join(dir, 'unet'), { recursive: true, force: true });
  await writeAll(
    dir,
    new Map<string, string | Uint8Array>([
      [`${layout}/model.onnx`, graph.toBytes()],
      [`${layout}/config.json`, json(config)],
    ]),
  );
  const files = new Set(desc.files);
  files.add(`${layout}/model.onnx`).add(`${layout}/config.json`);
  return { ...desc, files: [...files].sort(), pix2pixFolder: layout, pix2pixInputs: [...graph.inputSpecs] };
}
