import * as path from 'node:path';
import { json, TinyFamily } from './pipeline-configs';
import { generateTinyLora, TinyLoraDescription } from './tiny-lora.generator';
import { TinyModelOptions, writeAll } from './tiny-pipeline.generator';
import { buildTransparentDecoder } from './transparent-decoder.graph';

export interface TinyLayerDiffusionOptions {
  family?: TinyFamily;
  /** Options the model folder was generated with (the LoRA must fit its UNet). */
  base?: TinyModelOptions;
  seed?: number;
  /** Width of the decoder's hidden convolution (default 8). */
  channels?: number;
  /** Write `layer_diffusion/layer_lora.safetensors`, the UNet weights that make it draw on transparency (default true). */
  lora?: boolean;
}

export interface TinyLayerDiffusionDescription {
  dir: string;
  /** Relative paths of the written files, sorted. */
  files: string[];
  lora?: TinyLoraDescription;
}

/**
 * Adds a `layer_diffusion/` component to a model folder (generate the model first): the transparency decoder
 * `vae_transparent_decoder/model.onnx` (+ config.json) and, unless `lora: false`, a kohya LoRA of the UNet's
 * attention weights `layer_lora.safetensors` standing in for LayerDiffuse's transparent-attention weights.
 */
export async function generateTinyLayerDiffusion(modelDir: string, opts: TinyLayerDiffusionOptions = {}): Promise<TinyLayerDiffusionDescription> {
  const seed = opts.seed ?? 1;
  const channels = opts.channels ?? 8;
  const graph = buildTransparentDecoder({ seed, channels });
  const files = new Map<string, string | Uint8Array>([
    ['layer_diffusion/vae_transparent_decoder/model.onnx', graph.toBytes()],
    ['layer_diffusion/vae_transparent_decoder/config.json', json({ _class_name: 'TransparentVAEDecoder', channel_order: ['alpha', 'r', 'g', 'b'], hidden_channels: channels })],
  ]);
  await writeAll(modelDir, files);
  const names = [...files.keys()];
  let lora: TinyLoraDescription | undefined;
  if (opts.lora ?? true) {
    lora = await generateTinyLora(path.join(modelDir, 'layer_diffusion', 'layer_lora.safetensors'), {
      family: opts.family,
      base: opts.base,
      seed: seed + 1000,
      textEncoder: false,
    });
    names.push('layer_diffusion/layer_lora.safetensors');
  }
  return { dir: modelDir, files: names.sort(), lora };
}
