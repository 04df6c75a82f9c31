import { conv2d, groupNorm, scalar, silu } from './layers';
import { Dim, OnnxGraphBuilder } from './onnx-graph.builder';
import { Prng } from './prng';
import { crossAttention, downsample, resnet, timeEmbedding, upsample } from './unet-blocks';
import { LATENT_CHANNELS, timeEmbedDim, UnetSpec } from './unet.graph';

export interface MotionUnetSpec extends Omit<UnetSpec, 'controlNetResiduals' | 'sdxl'> {
  /** The frame axis of `sample`: a fixed count, or dynamic (`'frames'`). */
  frames: number | 'frames';
  /** Rows of the sinusoidal frame-position table (diffusers' `motion_max_seq_length`): more frames fail. */
  maxFrames: number;
  /** Scale of the motion modules' output projections; 0 makes them identity (AnimateDiff's zero init). */
  motionScale: number;
}

/**
 * A UNetMotionModel as an ONNX export of diffusers' AnimateDiff UNet takes it: `sample` [B, 4, F, h, w],
 * `timestep`, `encoder_hidden_states` [B, L, D] (repeated for every frame inside) → `out_sample` [B, 4, F, h, w].
 * The spatial layers are the tiny UNet's, built in the same order from the same stream, so their weights equal
 * `unet/model.onnx`'s for the same options; the frames pass through them as a batch of B·F images. After the
 * cross-attention of each down and up block a motion module (`<block>.motion_modules.0`) attends over the frames
 * at every spatial position: LayerNorm, + sinusoidal frame position, single-head attention, output projection,
 * residual. Its weights come from their own stream, so `motionScale` changes nothing else.
 */
export function buildMotionUnet(spec: MotionUnetSpec): OnnxGraphBuilder {
  const c = spec.channels;
  const ted = timeEmbedDim(c);
  const ft = spec.floatType;
  const b = new OnnxGraphBuilder('unet_motion', Prng.derive(spec.seed, 'unet'), ft);
  const motionRng = Prng.derive(spec.seed, 'motion_modules');
  const video: Dim[] = ['batch_size', LATENT_CHANNELS, spec.frames, 'height', 'width'];

  const sample5 = b.input('sample', ft, video);
  const timestep = b.input('timestep', spec.timestepType, spec.timestepRank === 1 ? ['steps'] : []);
  const context3 = b.input('encoder_hidden_states', ft, ['batch_size', 'sequence_length', spec.crossAttentionDim]);

  const shape5 = b.op('Shape', [sample5]);
  const batch = b.op('Shape', [sample5], { start: 0, end: 1 });
  const frames = b.op('Shape', [sample5], { start: 2, end: 3 });
  // [B, 4, F, h, w] → [B·F, 4, h, w], frame-minor.
  const sample = b.scope('frames_in', () =>
    b.op('Reshape', [
      b.op('Transpose', [sample5], { perm: [0, 2, 1, 3, 4] }),
      b.op('Concat', [b.constInt64([-1, LATENT_CHANNELS]), b.op('Shape', [sample5], { start: 3, end: 5 })], { axis: 0 }),
    ]),
  );
  const context = b.scope('context_per_frame', () => {
    const expanded = b.op('Expand', [
      b.op('Unsqueeze', [context3, b.constInt64([1])]),
      b.op('Concat', [b.constInt64([1]), frames, b.constInt64([1, 1])], { axis: 0 }),
    ]);
    return b.op('Reshape', [expanded, b.op('Concat', [b.constInt64([-1]), b.op('Shape', [context3], { start: 1, end: 3 })], { axis: 0 })]);
  });

  const temb = timeEmbedding(b, timestep, spec.timestepType !== 'int64', { channels: c, timeEmbedDim: ted });
  const d = spec.crossAttentionDim;
  const motion = (x: string, prefix: string, channels: number) =>
    motionModule(b, motionRng, x, `${prefix}.motion_modules.0`, channels, { batch, frames, maxFrames: spec.maxFrames, scale: spec.motionScale });

  const skips: string[] = [];
  let x = conv2d(b, sample, 'conv_in', LATENT_CHANNELS, c);
  skips.push(x);
  x = resnet(b, x, 'down_blocks.0.resnets.0', c, c, temb, ted);
  x = crossAttention(b, x, 'down_blocks.0.attentions.0', c, context, d);
  x = motion(x, 'down_blocks.0', c);
  skips.push(x);
  x = downsample(b, x, 'down_blocks.0', c);
  skips.push(x);
  x = resnet(b, x, 'down_blocks.1.resnets.0', c, 2 * c, temb, ted);
  x = crossAttention(b, x, 'down_blocks.1.attentions.0', 2 * c, context, d);
  x = motion(x, 'down_blocks.1', 2 * c);
  skips.push(x);

  x = resnet(b, x, 'mid_block.resnets.0', 2 * c, 2 * c, temb, ted);
  x = crossAttention(b, x, 'mid_block.attentions.0', 2 * c, context, d);
  x = resnet(b, x, 'mid_block.resnets.1', 2 * c, 2 * c, temb, ted);

  const cat = (a: string, s: string) => b.op('Concat', [a, s], { axis: 1 });
  x = resnet(b, cat(x, skips[3]), 'up_blocks.0.resnets.0', 4 * c, 2 * c, temb, ted);
  x = crossAttention(b, x, 'up_blocks.0.attentions.0', 2 * c, context, d);
  x = resnet(b, cat(x, skips[2]), 'up_blocks.0.resnets.1', 3 * c, 2 * c, temb, ted);
  x = motion(x, 'up_blocks.0', 2 * c);
  x = upsample(b, x, skips[1], 'up_blocks.0', 2 * c);
  x = resnet(b, cat(x, skips[1]), 'up_blocks.1.resnets.0', 3 * c, c, temb, ted);
  x = crossAttention(b, x, 'up_blocks.1.attentions.0', c, context, d);
  x = resnet(b, cat(x, skips[0]), 'up_blocks.1.resnets.1', 2 * c, c, temb, ted);
  x = motion(x, 'up_blocks.1', c);

  const net = conv2d(b, silu(b, groupNorm(b, x, 'conv_norm_out', c)), 'conv_out', c, LATENT_CHANNELS);
  const out = b.scope('out', () => {
    // Per frame, as the image UNet: 0.8 × the RMS-normalised input + 0.5 × the network.
    const meanSquare = b.op('ReduceMean', [b.op('Mul', [sample, sample])], { axes: [1, 2, 3], keepdims: 1 });
    const rms = b.op('Sqrt', [b.op('Add', [meanSquare, scalar(b, 1e-4)])]);
    const frameOut = b.op('Add', [b.op('Mul', [b.op('Div', [sample, rms]), scalar(b, 0.8)]), b.op('Mul', [net, scalar(b, 0.5)])]);
    // [B·F, 4, h, w] → [B, 4, F, h, w]
    const split = b.op('Reshape', [
      frameOut,
      b.op('Concat', [batch, frames, b.constInt64([LATENT_CHANNELS]), b.op('Shape', [frameOut], { start: 2, end: 4 })], { axis: 0 }),
    ]);
    return b.op('Reshape', [b.op('Transpose', [split], { perm: [0, 2, 1, 3, 4] }), shape5]);
  });
  b.output('out_sample', out, ft, video);
  return b;
}

interface MotionContext {
  batch: string;
  frames: string;
  maxFrames: number;
  scale: number;
}

/**
 * AnimateDiff's temporal transformer cut to one attention: x [B·F, C, h, w] → per spatial position a sequence of F
 * frame features → LayerNorm + frame position → attention over frames → output projection → residual.
 */
function motionModule(b: OnnxGraphBuilder, rng: Prng, x: string, prefix: string, channels: number, m: MotionContext): string {
  return b.scope(prefix.replace(/\./g, '/'), () => {
    const p = `${prefix}.transformer_blocks.0`;
    const shape = b.op('Shape', [x]);
    // [B·F, C, h, w] → [B, F, C, hw] → [B, hw, F, C]
    const grouped = b.op('Reshape', [x, b.op('Concat', [m.batch, m.frames, b.constInt64([channels, -1])], { axis: 0 })]);
    const seq = b.op('Transpose', [grouped], { perm: [0, 3, 1, 2] });

    const scaleWeights = rng.normalArray(channels, 0.05).map((v) => v + 1);
    const normed = b.op('LayerNormalization', [seq, b.weight(`${p}.norms.0.weight`, [channels], scaleWeights), b.weight(`${p}.norms.0.bias`, [channels], rng.normalArray(channels, 0.02))], {
      axis: -1,
      epsilon: { float: 1e-5 },
    });
    const table = b.constFloat(framePositions(m.maxFrames, channels), [m.maxFrames, channels]);
    const positions = b.op('Slice', [table, b.constInt64([0]), m.frames, b.constInt64([0])]);
    const h = b.op('Add', [normed, positions]);

    const attn = `${p}.attention_blocks.0`;
    const lin = (input: string, name: string, gain: number, bias: boolean) => {
      const w = b.weight(`${attn}.${name}.weight`, [channels, channels], rng.normalArray(channels * channels, gain / Math.sqrt(channels)));
      const y = b.op('MatMul', [input, b.op('Transpose', [w], { perm: [1, 0] })]);
      return bias ? b.op('Add', [y, b.weight(`${attn}.${name}.bias`, [channels], rng.normalArray(channels, 0.02 * gain))]) : y;
    };
    const q = lin(h, 'to_q', 1, false);
    const k = lin(h, 'to_k', 1, false);
    const v = lin(h, 'to_v', 1, false);
    const scores = b.op('Mul', [b.op('MatMul', [q, b.op('Transpose', [k], { perm: [0, 1, 3, 2] })]), scalar(b, 1 / Math.sqrt(channels))]);
    const attended = b.op('MatMul', [b.op('Softmax', [scores], { axis: -1 }), v]);
    const out = lin(attended, 'to_out.0', m.scale, true);
    // back to [B, F, C, hw] → [B·F, C, h, w]
    const back = b.op('Transpose', [b.op('Add', [seq, out])], { perm: [0, 2, 3, 1] });
    return b.op('Reshape', [back, shape]);
  });
}

/** The sinusoidal position table of AnimateDiff's positional encoding: [rows, channels], sin on even, cos on odd. */
function framePositions(rows: number, channels: number): Float32Array {
  const table = new Float32Array(rows * channels);
  for (let pos = 0; pos < rows; pos++) {
    for (let i = 0; i < channels; i += 2) {
      const freq = Math.exp((-Math.log(10000) * i) / channels);
      table[pos * channels + i] = Math.sin(pos * freq);
      if (i + 1 < channels) table[pos * channels + i + 1] = Math.cos(pos * freq);
    }
  }
  return table;
}
