import { conv2d, groupNorm, layerNorm, linear, scalar, silu, sinusoidalEmbedding } from './layers';
import { OnnxGraphBuilder } from './onnx-graph.builder';

/** UNet pieces shared by the UNet and the ControlNet graphs (same names as diffusers' UNet2DConditionModel). */

export interface TimeEmbeddingSpec {
  channels: number;
  timeEmbedDim: number;
  /** SDXL's `text_time` added embedding: text_embeds [B, P] and time_ids [B, 6]. */
  added?: { textEmbeds: string; textEmbedsDim: number; timeIds: string; timeIdsCount: number; timeIdDim: number };
}

/**
 * Timestep (any integer or float type, rank 0 or 1) → SiLU(time embedding) [T or B, timeEmbedDim], ready for the
 * resnets' `time_emb_proj`. A timestep of shape [] or [1] broadcasts over the batch; shape [B] gives one per item.
 */
export function timeEmbedding(b: OnnxGraphBuilder, timestep: string, timestepIsFloat: boolean, spec: TimeEmbeddingSpec) {
  return b.scope('time_embedding', () => {
    const t = timestepIsFloat ? timestep : b.op('Cast', [timestep], { to: b.computeElemType });
    const column = b.op('Reshape', [t, b.constInt64([-1, 1])]);
    const proj = sinusoidalEmbedding(b, column, spec.channels);
    const h = silu(b, linear(b, proj, 'time_embedding.linear_1', spec.channels, spec.timeEmbedDim));
    let emb = linear(b, h, 'time_embedding.linear_2', spec.timeEmbedDim, spec.timeEmbedDim);
    const added = spec.added;
    if (added) {
      const idsColumn = b.op('Reshape', [added.timeIds, b.constInt64([-1, 1])]);
      const idsEmb = b.op('Reshape', [
        sinusoidalEmbedding(b, idsColumn, added.timeIdDim),
        b.constInt64([-1, added.timeIdsCount * added.timeIdDim]),
      ]);
      const inFeatures = added.textEmbedsDim + added.timeIdsCount * added.timeIdDim;
      const joined = b.op('Concat', [added.textEmbeds, idsEmb], { axis: 1 });
      const a = silu(b, linear(b, joined, 'add_embedding.linear_1', inFeatures, spec.timeEmbedDim));
      emb = b.op('Add', [emb, linear(b, a, 'add_embedding.linear_2', spec.timeEmbedDim, spec.timeEmbedDim)]);
    }
    return silu(b, emb);
  });
}

/** ResnetBlock2D: norm1 → SiLU → conv1, + time_emb_proj, norm2 → SiLU → conv2, + shortcut. */
export function resnet(
  b: OnnxGraphBuilder,
  x: string,
  prefix: string,
  inChannels: number,
  outChannels: number,
  temb: string,
  timeEmbedDim: number,
): string {
  return b.scope(prefix.replace(/\./g, '/'), () => {
    let h = conv2d(b, silu(b, groupNorm(b, x, `${prefix}.norm1`, inChannels)), `${prefix}.conv1`, inChannels, outChannels);
    const t = linear(b, temb, `${prefix}.time_emb_proj`, timeEmbedDim, outChannels);
    h = b.op('Add', [h, b.op('Unsqueeze', [t, b.constInt64([2, 3])])]);
    h = silu(b, groupNorm(b, h, `${prefix}.norm2`, outChannels));
    h = conv2d(b, h, `${prefix}.conv2`, outChannels, outChannels, { gain: 0.5 });
    const shortcut =
      inChannels === outChannels ? x : conv2d(b, x, `${prefix}.conv_shortcut`, inChannels, outChannels, { kernel: 1 });
    return b.op('Add', [shortcut, h]);
  });
}

/**
 * A Transformer2DModel cut down to its cross-attention (`attn2`): single-head attention of the spatial positions
 * over the text tokens, residual. Self-attention over 4,096 positions would dominate the cost, so it is left out.
 */
export function crossAttention(
  b: OnnxGraphBuilder,
  x: string,
  prefix: string,
  channels: number,
  context: string,
  contextDim: number,
): string {
  return b.scope(prefix.replace(/\./g, '/'), () => {
    const p = `${prefix}.transformer_blocks.0`;
    const shape = b.op('Shape', [x]);
    const tokens = b.op('Transpose', [b.op('Reshape', [x, b.constInt64([0, 0, -1])])], { perm: [0, 2, 1] });
    const n = layerNorm(b, tokens, `${p}.norm2`, channels);
    const q = linear(b, n, `${p}.attn2.to_q`, channels, channels, { bias: false });
    const k = linear(b, context, `${p}.attn2.to_k`, contextDim, channels, { bias: false });
    const v = linear(b, context, `${p}.attn2.to_v`, contextDim, channels, { bias: false });
    const scores = b.op('Mul', [b.op('MatMul', [q, b.op('Transpose', [k], { perm: [0, 2, 1] })]), scalar(b, 1 / Math.sqrt(channels))]);
    const attended = b.op('MatMul', [b.op('Softmax', [scores], { axis: -1 }), v]);
    const out = linear(b, attended, `${p}.attn2.to_out.0`, channels, channels, { gain: 0.5 });
    const summed = b.op('Transpose', [b.op('Add', [tokens, out])], { perm: [0, 2, 1] });
    return b.op('Reshape', [summed, shape]);
  });
}

/** Downsample2D: 3×3 conv with stride 2 (ceil(h/2) × ceil(w/2)). */
export function downsample(b: OnnxGraphBuilder, x: string, prefix: string, channels: number): string {
  return conv2d(b, x, `${prefix}.downsamplers.0.conv`, channels, channels, { stride: 2 });
}

/** Upsample2D: nearest resize to `like`'s spatial size (odd latent sizes work), then a 3×3 conv. */
export function upsample(b: OnnxGraphBuilder, x: string, like: string, prefix: string, channels: number): string {
  const sizes = b.op('Concat', [b.op('Shape', [x], { start: 0, end: 2 }), b.op('Shape', [like], { start: 2, end: 4 })], {
    axis: 0,
  });
  const up = b.op('Resize', [x, '', '', sizes], { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' });
  return conv2d(b, up, `${prefix}.upsamplers.0.conv`, channels, channels);
}
