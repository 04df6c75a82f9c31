import { conv2d, silu } from './layers';
import { Dim, OnnxGraphBuilder, TensorType } from './onnx-graph.builder';
import { Prng } from './prng';
import { LATENT_CHANNELS, SDXL_TIME_IDS, UnetSpec, timeEmbedDim, unetResiduals } from './unet.graph';
import { crossAttention, downsample, resnet, timeEmbedding } from './unet-blocks';
import { VAE_SCALE } from './vae.graph';

export type ControlNetSpec = Omit<UnetSpec, 'controlNetResiduals'>;

/**
 * A ControlNetModel matching the tiny UNet: the UNet's down path and mid block, with the hint image embedded by
 * `controlnet_cond_embedding` (8×8 patches → latent grid) and added after conv_in. Each skip goes through its 1×1
 * `controlnet_down_blocks.<i>` conv, the mid block through `controlnet_mid_block`, all × `conditioning_scale`.
 * Outputs `down_block_res_samples.<i>` and `mid_block_res_sample` have exactly the shapes of the UNet's
 * `down_block_additional_residuals.<i>` and `mid_block_additional_residual` inputs, in the same order.
 */
export function buildControlNet(spec: ControlNetSpec): OnnxGraphBuilder {
  const c = spec.channels;
  const ted = timeEmbedDim(c);
  const ft: TensorType = spec.floatType;
  const b = new OnnxGraphBuilder('controlnet', Prng.derive(spec.seed, 'controlnet'), ft);

  const sample = b.input('sample', ft, ['batch_size', LATENT_CHANNELS, 'height', 'width']);
  const timestep = b.input('timestep', spec.timestepType, spec.timestepRank === 1 ? ['steps'] : []);
  const context = b.input('encoder_hidden_states', ft, ['batch_size', 'sequence_length', spec.crossAttentionDim]);
  let added;
  if (spec.sdxl) {
    const textEmbeds = b.input('text_embeds', ft, ['batch_size', spec.sdxl.textEmbedsDim]);
    const timeIds = b.input('time_ids', ft, ['batch_size', SDXL_TIME_IDS]);
    added = { textEmbeds, timeIds, textEmbedsDim: spec.sdxl.textEmbedsDim, timeIdsCount: SDXL_TIME_IDS, timeIdDim: spec.sdxl.timeIdDim };
  }
  const hint = b.input('controlnet_cond', ft, ['batch_size', 3, 'height*8', 'width*8']);
  const scale = b.input('conditioning_scale', ft, []);

  const temb = timeEmbedding(b, timestep, spec.timestepType !== 'int64', { channels: c, timeEmbedDim: ted, added });
  const d = spec.crossAttentionDim;
  const cond = b.scope('controlnet_cond_embedding', () => {
    const patches = silu(b, conv2d(b, hint, 'controlnet_cond_embedding.conv_in', 3, c, { kernel: VAE_SCALE, stride: VAE_SCALE, pad: 0 }));
    return conv2d(b, patches, 'controlnet_cond_embedding.conv_out', c, c);
  });

  const skips: string[] = [];
  let x = b.op('Add', [conv2d(b, sample, 'conv_in', LATENT_CHANNELS, c), cond]);
  skips.push(x);
  x = resnet(b, x, 'down_blocks.0.resnets.0', c, c, temb, ted);
  x = crossAttention(b, x, 'down_blocks.0.attentions.0', c, context, d);
  skips.push(x);
  x = downsample(b, x, 'down_blocks.0', c);
  skips.push(x);
  x = resnet(b, x, 'down_blocks.1.resnets.0', c, 2 * c, temb, ted);
  x = crossAttention(b, x, 'down_blocks.1.attentions.0', 2 * c, context, d);
  skips.push(x);
  x = resnet(b, x, 'mid_block.resnets.0', 2 * c, 2 * c, temb, ted);
  x = crossAttention(b, x, 'mid_block.attentions.0', 2 * c, context, d);
  x = resnet(b, x, 'mid_block.resnets.1', 2 * c, 2 * c, temb, ted);

  const residuals = unetResiduals(c);
  const dims = (ch: number, div: number): Dim[] =>
    ['batch_size', ch, div === 1 ? 'height' : `height/${div}`, div === 1 ? 'width' : `width/${div}`];
  skips.forEach((s, i) => {
    const [ch, div] = residuals.down[i];
    const zero = conv2d(b, s, `controlnet_down_blocks.${i}`, ch, ch, { kernel: 1, gain: 0.5 });
    b.output(`down_block_res_samples.${i}`, b.op('Mul', [zero, scale]), ft, dims(ch, div));
  });
  const [ch, div] = residuals.mid;
  const mid = conv2d(b, x, 'controlnet_mid_block', ch, ch, { kernel: 1, gain: 0.5 });
  b.output('mid_block_res_sample', b.op('Mul', [mid, scale]), ft, dims(ch, div));
  return b;
}
