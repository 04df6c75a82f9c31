import { conv2d, groupNorm, layerNorm, linear, scalar, silu } from './layers';
import { Dim, OnnxGraphBuilder } from './onnx-graph.builder';
import { Prng } from './prng';
import { downsample, resnet, timeEmbedding, upsample } from './unet-blocks';
import { LATENT_CHANNELS, tameNoisePrediction, TimestepType } from './unet.graph';

/** The SD1.5-architecture UNet's widths, types and weights (`buildSd15Unet`). */
export interface Sd15UnetSpec {
  seed: number;
  /** Width of the first level (320 in SD1.5); a multiple of the 8 heads. */
  baseChannels: number;
  /** Width of the text embeddings (768 in SD1.5). */
  crossAttentionDim: number;
  /** Stored weights, inputs and outputs. */
  floatType: 'float32' | 'float16';
  /** What the graph computes in: float16 for a GPU benchmark, float32 where a provider lacks half kernels (CPU). */
  computeType: 'float32' | 'float16';
  timestepType: TimestepType;
  /** Only record weight names and shapes (counting the full model's weights without drawing 860 million values). */
  shapesOnly?: boolean;
}

export const SD15_LEVEL_MULTIPLIERS = [1, 2, 4, 4] as const;
export const SD15_HEADS = 8;
const DOWN_LAYERS = 2;
const UP_LAYERS = 3;
/** Levels (from the top) whose blocks have transformers; the deepest has resnets only. */
const ATTENTION_LEVELS = 3;

/**
 * Stable Diffusion 1.5's UNet2DConditionModel with its real architecture: four levels of [1, 2, 4, 4] × the base
 * width (320 in the real model), two resnets per level going down and three coming up, a full transformer block
 * (self-attention, cross-attention over the text, GEGLU feed-forward) after every resnet of the first three levels
 * and in the middle, 8 heads. At base width 320 and context 768 it has exactly the real model's 859,520,964
 * weights (random here), so a GPU benchmark on it does the real model's work. The tiny UNet of the kit
 * (`unet.graph.ts`) keeps two levels and cross-attention only, which is what CPU tests can afford.
 */
export function buildSd15Unet(spec: Sd15UnetSpec): OnnxGraphBuilder {
  const widths = SD15_LEVEL_MULTIPLIERS.map((m) => m * spec.baseChannels);
  const ted = 4 * spec.baseChannels;
  const ft = spec.floatType;
  const b = new OnnxGraphBuilder('unet', Prng.derive(spec.seed, 'sd15-unet'), ft, { computeType: spec.computeType, shapesOnly: spec.shapesOnly });
  const spatial: Dim[] = ['batch_size', LATENT_CHANNELS, 'height', 'width'];

  const sample = b.input('sample', ft, spatial);
  const timestep = b.input('timestep', spec.timestepType, ['steps']);
  const context = b.input('encoder_hidden_states', ft, ['batch_size', 'sequence_length', spec.crossAttentionDim]);
  const temb = timeEmbedding(b, timestep, spec.timestepType !== 'int64', { channels: widths[0], timeEmbedDim: ted });
  const block = (x: string, prefix: string, channels: number) => transformer(b, x, prefix, channels, context, spec.crossAttentionDim);

  let x = conv2d(b, sample, 'conv_in', LATENT_CHANNELS, widths[0]);
  const skips: Array<{ value: string; channels: number }> = [{ value: x, channels: widths[0] }];
  let channels = widths[0];
  widths.forEach((width, level) => {
    for (let j = 0; j < DOWN_LAYERS; j++) {
      x = resnet(b, x, `down_blocks.${level}.resnets.${j}`, channels, width, temb, ted);
      channels = width;
      if (level < ATTENTION_LEVELS) x = block(x, `down_blocks.${level}.attentions.${j}`, width);
      skips.push({ value: x, channels: width });
    }
    if (level < widths.length - 1) {
      x = downsample(b, x, `down_blocks.${level}`, width);
      skips.push({ value: x, channels: width });
    }
  });

  x = resnet(b, x, 'mid_block.resnets.0', channels, channels, temb, ted);
  x = block(x, 'mid_block.attentions.0', channels);
  x = resnet(b, x, 'mid_block.resnets.1', channels, channels, temb, ted);

  const upWidths = [...widths].reverse();
  upWidths.forEach((width, i) => {
    const prefix = `up_blocks.${i}`;
    for (let j = 0; j < UP_LAYERS; j++) {
      const skip = skips.pop() as { value: string; channels: number };
      x = resnet(b, b.op('Concat', [x, skip.value], { axis: 1 }), `${prefix}.resnets.${j}`, channels + skip.channels, width, temb, ted);
      channels = width;
      if (widths.length - 1 - i < ATTENTION_LEVELS) x = block(x, `${prefix}.attentions.${j}`, width);
    }
    if (i < upWidths.length - 1) x = upsample(b, x, skips[skips.length - 1].value, prefix, width);
  });

  const net = conv2d(b, silu(b, groupNorm(b, x, 'conv_norm_out', channels)), 'conv_out', channels, LATENT_CHANNELS);
  b.output('out_sample', tameNoisePrediction(b, sample, net), ft, spatial);
  return b;
}

/**
 * Transformer2DModel as SD1.5 has it: GroupNorm, 1×1 conv in, one BasicTransformerBlock over the H·W positions
 * (self-attention, cross-attention over the text, GEGLU feed-forward; each with a LayerNorm before and a residual),
 * 1×1 conv out, residual.
 */
function transformer(b: OnnxGraphBuilder, x: string, prefix: string, channels: number, context: string, contextDim: number): string {
  return b.scope(prefix.replace(/\./g, '/'), () => {
    const p = `${prefix}.transformer_blocks.0`;
    const shape = b.op('Shape', [x]);
    const projected = conv2d(b, groupNorm(b, x, `${prefix}.norm`, channels), `${prefix}.proj_in`, channels, channels, { kernel: 1 });
    let tokens = b.op('Transpose', [b.op('Reshape', [projected, b.constInt64([0, 0, -1])])], { perm: [0, 2, 1] }); // [B, HW, C]

    const n1 = layerNorm(b, tokens, `${p}.norm1`, channels);
    tokens = b.op('Add', [tokens, attention(b, `${p}.attn1`, n1, n1, channels, channels)]);
    const n2 = layerNorm(b, tokens, `${p}.norm2`, channels);
    tokens = b.op('Add', [tokens, attention(b, `${p}.attn2`, n2, context, channels, contextDim)]);
    const n3 = layerNorm(b, tokens, `${p}.norm3`, channels);
    tokens = b.op('Add', [tokens, gegluFeedForward(b, `${p}.ff`, n3, channels)]);

    const spatialOut = b.op('Reshape', [b.op('Transpose', [tokens], { perm: [0, 2, 1] }), shape]);
    return b.op('Add', [x, conv2d(b, spatialOut, `${prefix}.proj_out`, channels, channels, { kernel: 1, gain: 0.5 })]);
  });
}

/** Multi-head attention of `queries` [B, N, C] over `keys` [B, M, keyDim]: to_q/to_k/to_v without bias, to_out.0. */
function attention(b: OnnxGraphBuilder, prefix: string, queries: string, keys: string, channels: number, keyDim: number): string {
  const dimHead = channels / SD15_HEADS;
  const heads = (t: string) => b.op('Transpose', [b.op('Reshape', [t, b.constInt64([0, -1, SD15_HEADS, dimHead])])], { perm: [0, 2, 1, 3] });
  const q = heads(linear(b, queries, `${prefix}.to_q`, channels, channels, { bias: false }));
  const k = heads(linear(b, keys, `${prefix}.to_k`, keyDim, channels, { bias: false }));
  const v = heads(linear(b, keys, `${prefix}.to_v`, keyDim, channels, { bias: false }));
  const scores = b.op('Mul', [b.op('MatMul', [q, b.op('Transpose', [k], { perm: [0, 1, 3, 2] })]), scalar(b, 1 / Math.sqrt(dimHead))]);
  const attended = b.op('MatMul', [b.op('Softmax', [scores], { axis: -1 }), v]); // [B, heads, N, dimHead]
  const merged = b.op('Reshape', [b.op('Transpose', [attended], { perm: [0, 2, 1, 3] }), b.constInt64([0, -1, channels])]);
  return linear(b, merged, `${prefix}.to_out.0`, channels, channels, { gain: 0.5 });
}

/** GEGLU: ff.net.0.proj to 2 × 4C, the first half times GELU (erf form) of the second, then ff.net.2 back to C. */
function gegluFeedForward(b: OnnxGraphBuilder, prefix: string, x: string, channels: number): string {
  const inner = 4 * channels;
  const proj = linear(b, x, `${prefix}.net.0.proj`, channels, 2 * inner);
  const half = (from: number) => b.op('Slice', [proj, b.constInt64([from]), b.constInt64([from + inner]), b.constInt64([-1])]);
  const [value, gate] = [half(0), half(inner)];
  const erf = b.op('Erf', [b.op('Mul', [gate, scalar(b, Math.SQRT1_2)])]);
  const gelu = b.op('Mul', [b.op('Mul', [gate, scalar(b, 0.5)]), b.op('Add', [erf, scalar(b, 1)])]);
  return linear(b, b.op('Mul', [value, gelu]), `${prefix}.net.2`, inner, channels, { gain: 0.5 });
}
