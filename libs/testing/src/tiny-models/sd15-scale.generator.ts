import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { product } from './onnx-graph.builder';
import { LATENT_CHANNELS } from './unet.graph';
import { buildSd15Unet, SD15_HEADS, SD15_LEVEL_MULTIPLIERS, Sd15UnetSpec } from './sd15-unet.graph';
import { generateTinySd15 } from './tiny-pipeline.generator';

/** SD1.5's text width: the UNet's cross-attention dimension and the text encoder's hidden size. */
export const SD15_CONTEXT_DIM = 768;

export interface Sd15ScaleOptions {
  seed?: number;
  /** Width of the UNet's first level (default 320, the real model's). Smaller widths keep the architecture. */
  baseChannels?: number;
  /** float16 weights, inputs and outputs (default true; float32 at full width would pass ONNX's 2 GiB limit). */
  float16?: boolean;
  /** What the UNet computes in (default: its weights' type). CPU runs need float32 (few half-precision kernels). */
  computeType?: 'float32' | 'float16';
}

export interface Sd15ScaleDescription {
  dir: string;
  /** Weights of the UNet (859,520,964 at base width 320). */
  unetWeights: number;
  unetBytes: number;
}

/**
 * An SD1.5 pipeline folder for benchmarks at real cost: the UNet has SD1.5's architecture and size
 * (`sd15-unet.graph.ts`, random weights); text encoder, VAE and tokenizer are the kit's tiny ones at SD1.5's text
 * width, so that the UNet's steps dominate as they do with the real model.
 */
export async function generateSd15ScaleModel(dir: string, opts: Sd15ScaleOptions = {}): Promise<Sd15ScaleDescription> {
  const float16 = opts.float16 ?? true;
  const spec: Sd15UnetSpec = {
    seed: opts.seed ?? 1,
    baseChannels: opts.baseChannels ?? 320,
    crossAttentionDim: SD15_CONTEXT_DIM,
    floatType: float16 ? 'float16' : 'float32',
    computeType: opts.computeType ?? (float16 ? 'float16' : 'float32'),
    timestepType: 'int64',
  };
  const bytesPerWeight = float16 ? 2 : 4;
  if (sd15UnetWeightCount(spec.baseChannels) * bytesPerWeight >= 2 ** 31) {
    throw new Error(`a UNet of base width ${spec.baseChannels} in ${spec.floatType} passes ONNX's 2 GiB model limit; use float16`);
  }
  await generateTinySd15(dir, { seed: spec.seed, hiddenSize: SD15_CONTEXT_DIM, float16, unetChannels: 8 });
  const unet = buildSd15Unet(spec);
  const bytes = unet.toBytes();
  await writeFile(path.join(dir, 'unet', 'model.onnx'), bytes);
  await writeFile(path.join(dir, 'unet', 'config.json'), JSON.stringify(sd15UnetConfig(spec.baseChannels), null, 2));
  return { dir, unetWeights: weightCount(unet.weights), unetBytes: bytes.length };
}

/** Weights of the SD1.5-architecture UNet at a base width, counted from the graph's shapes without drawing them. */
export function sd15UnetWeightCount(baseChannels = 320): number {
  const shapes = buildSd15Unet({
    seed: 1,
    baseChannels,
    crossAttentionDim: SD15_CONTEXT_DIM,
    floatType: 'float16',
    computeType: 'float16',
    timestepType: 'int64',
    shapesOnly: true,
  });
  return weightCount(shapes.weights);
}

function weightCount(weights: ReadonlyMap<string, readonly number[]>): number {
  let n = 0;
  for (const dims of weights.values()) n += product(dims);
  return n;
}

/** unet/config.json as diffusers writes it for SD1.5 (at the given base width). */
function sd15UnetConfig(baseChannels: number): Record<string, unknown> {
  return {
    _class_name: 'UNet2DConditionModel',
    act_fn: 'silu',
    attention_head_dim: SD15_HEADS,
    block_out_channels: SD15_LEVEL_MULTIPLIERS.map((m) => m * baseChannels),
    cross_attention_dim: SD15_CONTEXT_DIM,
    down_block_types: ['CrossAttnDownBlock2D', 'CrossAttnDownBlock2D', 'CrossAttnDownBlock2D', 'DownBlock2D'],
    flip_sin_to_cos: true,
    freq_shift: 0,
    in_channels: LATENT_CHANNELS,
    layers_per_block: 2,
    mid_block_type: 'UNetMidBlock2DCrossAttn',
    norm_num_groups: 32,
    out_channels: LATENT_CHANNELS,
    sample_size: 64,
    up_block_types: ['UpBlock2D', 'CrossAttnUpBlock2D', 'CrossAttnUpBlock2D', 'CrossAttnUpBlock2D'],
  };
}
