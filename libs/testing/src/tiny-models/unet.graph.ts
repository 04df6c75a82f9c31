import { conv2d, groupNorm, scalar, silu } from './layers';
import { Dim, OnnxGraphBuilder, TensorType } from './onnx-graph.builder';
import { Prng } from './prng';
import { crossAttention, downsample, resnet, timeEmbedding, upsample } from './unet-blocks';

export const LATENT_CHANNELS = 4;

export type TimestepType = 'int64' | 'float32' | 'float16';

export interface UnetSpec {
  seed: number;
  channels: number;
  crossAttentionDim: number;
  floatType: 'float32' | 'float16';
  timestepType: TimestepType;
  /** 1: `timestep` has shape [steps] (legacy optimum, diffusers' script); 0: a scalar (optimum ≥ 1.23). */
  timestepRank: 0 | 1;
  /** SDXL: inputs `text_embeds` [B, textEmbedsDim] and `time_ids` [B, 6]. */
  sdxl?: { textEmbedsDim: number; timeIdDim: number };
  /** Extra inputs `down_block_additional_residuals.<i>` and `mid_block_additional_residual` for a ControlNet. */
  controlNetResiduals: boolean;
  /**
   * Channels of `sample` (default 4). More (InstructPix2Pix: 8 = noisy latent + image latent) widen conv_in only;
   * the prediction's input term uses the first 4 channels, the noisy latent.
   */
  inChannels?: number;
  /** How Linear weights are stored (GraphOptions.linearWeights; default named). */
  linearWeights?: 'named' | 'folded';
}

export const SDXL_TIME_IDS = 6;

/** Shapes of the skip connections a ControlNet adds to: [channels, spatial divisor] per residual. */
export function unetResiduals(channels: number): { down: [number, number][]; mid: [number, number] } {
  return {
    down: [
      [channels, 1],
      [channels, 1],
      [channels, 2],
      [2 * channels, 2],
    ],
    mid: [2 * channels, 2],
  };
}

export function timeEmbedDim(channels: number): number {
  return 4 * channels;
}

/**
 * A two-level UNet2DConditionModel: conv_in → down_blocks.0 (resnet, cross-attention, downsampler) →
 * down_blocks.1 (resnet to 2C, cross-attention) → mid_block → up_blocks.0 (2 resnets on skips, attention,
 * upsampler) → up_blocks.1 (2 resnets, attention) → conv_out, then `tameNoisePrediction`, which drifts toward a
 * prompt-dependent result.
 */
export function buildUnet(spec: UnetSpec): OnnxGraphBuilder {
  const c = spec.channels;
  const ted = timeEmbedDim(c);
  const ft: TensorType = spec.floatType;
  const b = new OnnxGraphBuilder('unet', Prng.derive(spec.seed, 'unet'), ft, { linearWeights: spec.linearWeights });
  const spatial: Dim[] = ['batch_size', LATENT_CHANNELS, 'height', 'width'];
  const inChannels = spec.inChannels ?? LATENT_CHANNELS;

  const input = b.input('sample', ft, ['batch_size', inChannels, 'height', 'width']);
  const sample = inChannels === LATENT_CHANNELS ? input : b.op('Slice', [input, b.constInt64([0]), b.constInt64([LATENT_CHANNELS]), b.constInt64([1])]);
  const timestep = b.input('timestep', spec.timestepType, spec.timestepRank === 1 ? ['steps'] : []);
  const context = b.input('encoder_hidden_states', ft, ['batch_size', 'sequence_length', spec.crossAttentionDim]);
  let added;
  if (spec.sdxl) {
    const textEmbeds = b.input('text_embeds', ft, ['batch_size', spec.sdxl.textEmbedsDim]);
    const timeIds = b.input('time_ids', ft, ['batch_size', SDXL_TIME_IDS]);
    added = { textEmbeds, timeIds, textEmbedsDim: spec.sdxl.textEmbedsDim, timeIdsCount: SDXL_TIME_IDS, timeIdDim: spec.sdxl.timeIdDim };
  }
  const residuals = unetResiduals(c);
  let downResiduals: string[] = [];
  let midResidual: string | undefined;
  if (spec.controlNetResiduals) {
    downResiduals = residuals.down.map(([ch, div], i) =>
      b.input(`down_block_additional_residuals.${i}`, ft, ['batch_size', ch, divName('height', div), divName('width', div)]),
    );
    const [ch, div] = residuals.mid;
    midResidual = b.input('mid_block_additional_residual', ft, ['batch_size', ch, divName('height', div), divName('width', div)]);
  }

  const temb = timeEmbedding(b, timestep, spec.timestepType !== 'int64', { channels: c, timeEmbedDim: ted, added });
  const d = spec.crossAttentionDim;

  const skips: string[] = [];
  let x = conv2d(b, input, 'conv_in', inChannels, c);
  skips.push(x);
  x = resnet(b, x, 'down_blocks.0.resnets.0', c, c, temb, ted);
  x = crossAttention(b, x, 'down_blocks.0.attentions.0', c, context, d);
  skips.push(x);
  x = downsample(b, x, 'down_blocks.0', c);
  skips.push(x);
  x = resnet(b, x, 'down_blocks.1.resnets.0', c, 2 * c, temb, ted);
  x = crossAttention(b, x, 'down_blocks.1.attentions.0', 2 * c, context, d);
  skips.push(x);
  if (spec.controlNetResiduals) skips.forEach((s, i) => (skips[i] = b.op('Add', [s, downResiduals[i]])));

  x = resnet(b, x, 'mid_block.resnets.0', 2 * c, 2 * c, temb, ted);
  x = crossAttention(b, x, 'mid_block.attentions.0', 2 * c, context, d);
  x = resnet(b, x, 'mid_block.resnets.1', 2 * c, 2 * c, temb, ted);
  if (midResidual) x = b.op('Add', [x, midResidual]);

  const cat = (a: string, s: string) => b.op('Concat', [a, s], { axis: 1 });
  x = resnet(b, cat(x, skips[3]), 'up_blocks.0.resnets.0', 4 * c, 2 * c, temb, ted);
  x = crossAttention(b, x, 'up_blocks.0.attentions.0', 2 * c, context, d);
  x = resnet(b, cat(x, skips[2]), 'up_blocks.0.resnets.1', 3 * c, 2 * c, temb, ted);
  x = upsample(b, x, skips[1], 'up_blocks.0', 2 * c);
  x = resnet(b, cat(x, skips[1]), 'up_blocks.1.resnets.0', 3 * c, c, temb, ted);
  x = crossAttention(b, x, 'up_blocks.1.attentions.0', c, context, d);
  x = resnet(b, cat(x, skips[0]), 'up_blocks.1.resnets.1', 2 * c, c, temb, ted);

  const net = conv2d(b, silu(b, groupNorm(b, x, 'conv_norm_out', c)), 'conv_out', c, LATENT_CHANNELS);
  b.output('out_sample', tameNoisePrediction(b, sample, net), ft, spatial);
  return b;
}

/**
 * The noise prediction of a random-weight UNet: 0.8 × the RMS-normalised input plus 0.5 × the network's output,
 * about unit scale at any input scale, so a sampling loop stays tame instead of blowing up.
 */
export function tameNoisePrediction(b: OnnxGraphBuilder, sample: string, net: string): string {
  return b.scope('out', () => {
    const meanSquare = b.op('ReduceMean', [b.op('Mul', [sample, sample])], { axes: [1, 2, 3], keepdims: 1 });
    const rms = b.op('Sqrt', [b.op('Add', [meanSquare, scalar(b, 1e-4)])]);
    const normalised = b.op('Div', [sample, rms]);
    return b.op('Add', [b.op('Mul', [normalised, scalar(b, 0.8)]), b.op('Mul', [net, scalar(b, 0.5)])]);
  });
}

function divName(name: string, div: number): string {
  return div === 1 ? name : `${name}/${div}`;
}
